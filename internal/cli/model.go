package cli

import (
	"flag"

	"github.com/gomistral/gomistral/mistral/models"
)

// Model is the value of a -model flag: the path of a GGUF file, or empty
// for the small model that ships with the library.
type Model string

// AddModel registers the -model flag on fs and returns its value.
func AddModel(fs *flag.FlagSet) *Model {
	m := new(Model)
	fs.StringVar((*string)(m), "model", "", "GGUF model file (default: the small model shipped in package models)")
	return m
}

// AddThreads registers the -threads flag of a program that computes with a
// Model (mistral.Config.Threads) on fs and returns its value.
func AddThreads(fs *flag.FlagSet) *int {
	return fs.Int("threads", 0, "compute threads (0: one per CPU, one for a model under 64 MB)")
}

// Path returns the file the flag names, or the shipped model's
// (models.TinyPath, which writes it to the user's cache the first time)
// when it names none.
func (m *Model) Path() (string, error) {
	if *m != "" {
		return string(*m), nil
	}
	return models.TinyPath()
}
