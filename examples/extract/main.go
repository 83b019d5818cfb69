// Command extract turns a text into one JSON document valid against a JSON
// Schema: the model reads the text and the schema, and its output is
// constrained by the schema's grammar, token by token, so the document is
// always valid, whatever the model.
//
//	go run ./examples/extract -schema person.schema.json -text article.txt
//	go run ./examples/extract -model mistral-7b-instruct-v0.1.Q4_K_M.gguf -schema s.json -text t.txt -temp 0.2
//
// Without -model it runs the small model that ships with the library,
// whose content will be nonsense but whose structure is valid. The document
// goes to standard output, alone.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/gomistral/gomistral/internal/cli"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/grammar"
)

func main() { cli.Main("extract", run) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("extract", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		model      = cli.AddModel(fs)
		schemaPath = fs.String("schema", "", "JSON Schema file (required)")
		textPath   = fs.String("text", "", "text file to extract from (required)")
		n          = fs.Int("n", 512, "most tokens of the document (the end of the budget closes it)")
		sampling   = cli.AddSampling(fs, mistral.SamplerConfig{}, cli.AllSampling)
		threads    = cli.AddThreads(fs)
	)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *schemaPath == "" || *textPath == "" {
		fs.Usage()
		return errors.New("-schema and -text are required")
	}
	schema, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	text, err := os.ReadFile(*textPath)
	if err != nil {
		return err
	}
	g, err := grammar.JSONSchema(schema, grammar.SchemaOptions{Compact: true})
	if err != nil {
		return err
	}
	path, err := model.Path()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	m, err := mistral.Load(ctx, path, mistral.Config{Threads: *threads, Logger: logger})
	if err != nil {
		return err
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		return err
	}
	defer s.Close()

	prompt := "Extract the information in the text below as one JSON document valid against this JSON Schema:\n" +
		strings.TrimSpace(string(schema)) + "\n\nText:\n" + strings.TrimSpace(string(text))
	msgs := []mistral.Message{{Role: mistral.RoleUser, Content: prompt}}
	cfg := mistral.GenerateConfig{
		SamplerConfig: sampling.Config(),
		MaxTokens:     *n,
		Grammar:       g,
	}
	var doc strings.Builder
	for tok, err := range s.Chat(ctx, msgs, cfg) {
		if err != nil {
			return err
		}
		doc.WriteString(tok.Text)
	}
	out := strings.TrimSpace(doc.String())
	if !json.Valid([]byte(out)) {
		return fmt.Errorf("the budget of %d tokens was too small for a whole document: %q", *n, out)
	}
	_, err = fmt.Fprintln(stdout, out)
	return err
}
