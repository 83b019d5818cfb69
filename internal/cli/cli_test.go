package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/models"
)

func TestReport(t *testing.T) {
	for _, tc := range []struct {
		err    error
		status int
		out    string
	}{
		{nil, 0, ""},
		{flag.ErrHelp, 0, ""},
		{fmt.Errorf("parse: %w", flag.ErrHelp), 0, ""},
		{errors.New("no model"), 1, "prog: no model\n"},
	} {
		var b bytes.Buffer
		assert.Equal(t, tc.status, report(&b, "prog", tc.err), "%v", tc.err)
		assert.Equal(t, tc.out, b.String(), "%v", tc.err)
	}
}

func TestAddSampling(t *testing.T) {
	def := mistral.SamplerConfig{Temperature: 0.7, TopP: 0.9, TypicalP: 0.5}

	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	s := AddSampling(fs, def, Temp|TopP|Seed)
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	assert.Contains(t, usage.String(), "temperature; 0 is greedy (default 0.7)\n")
	assert.Contains(t, usage.String(), "nucleus sampling threshold (0: off) (default 0.9)\n")
	for _, name := range []string{"top-k", "min-p", "repeat-penalty"} {
		assert.Nil(t, fs.Lookup(name), "-%s is not asked for", name)
	}
	assert.Equal(t, def, s.Config(), "no flags: the defaults, exactly")
	require.NoError(t, fs.Parse([]string{"-temp", "0.3", "-seed", "42"}))
	want := def
	want.Temperature, want.Seed = 0.3, 42
	assert.Equal(t, want, s.Config())

	fs = flag.NewFlagSet("generate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s = AddSampling(fs, mistral.SamplerConfig{}, AllSampling)
	require.NoError(t, fs.Parse([]string{"-temp", "0.8", "-top-k", "40", "-top-p", "0.95", "-min-p", "0.05",
		"-repeat-penalty", "1.1", "-seed", "7"}))
	assert.Equal(t, mistral.SamplerConfig{Temperature: 0.8, TopK: 40, TopP: 0.95, MinP: 0.05, RepeatPenalty: 1.1, Seed: 7},
		s.Config())
	assert.Error(t, fs.Parse([]string{"-top-k", "many"}))
}

func TestModel(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	fs := flag.NewFlagSet("p", flag.ContinueOnError)
	m := AddModel(fs)
	shipped, err := models.TinyPath()
	require.NoError(t, err)
	got, err := m.Path()
	require.NoError(t, err)
	assert.Equal(t, shipped, got, "no -model: the shipped model")

	require.NoError(t, fs.Parse([]string{"-model", "mistral-7b.gguf"}))
	got, err = m.Path()
	require.NoError(t, err)
	assert.Equal(t, "mistral-7b.gguf", got)
}
