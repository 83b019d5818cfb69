package mistral

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// TestErrorsReadOnce: the errors of the API, through every layer they
// cross, name each package once and still match what callers branch on.
func TestErrorsReadOnce(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	first := func(seq func(yield func(Token, error) bool)) error {
		var err error
		seq(func(_ Token, e error) bool {
			err = e
			return e == nil
		})
		return err
	}
	closed := newSession(t, m)
	require.NoError(t, closed.Close())
	dir := t.TempDir()
	notGGUF := filepath.Join(dir, "notes.txt")
	require.NoError(t, os.WriteFile(notGGUF, []byte("not a model at all, not at all"), 0o644))
	full, err := Load(ctx, tinyModel, Config{Threads: 1, SlidingWindow: 0})
	require.NoError(t, err)
	defer full.Close()

	for _, c := range []struct {
		name string
		err  error
		is   error
		as   any
	}{
		{"feed a token outside the vocabulary", newSession(t, m).Feed(ctx, []int32{1, 99999}), nil, nil},
		{"feed a closed session", closed.Feed(ctx, []int32{1}), ErrClosed, nil},
		{"feed cancelled", newSession(t, m).Feed(cancelled, []int32{1, 2, 3}), context.Canceled, nil},
		{"prefill nothing", newSession(t, m).Prefill(ctx, nil), nil, nil},
		{"generate cancelled", first(newSession(t, m).Generate(cancelled, "It was", GenerateConfig{})), context.Canceled, nil},
		{"generate on a closed session", first(closed.Generate(ctx, "It", GenerateConfig{})), ErrClosed, nil},
		{"generate a bad temperature", first(newSession(t, m).Generate(ctx, "It", GenerateConfig{
			SamplerConfig: SamplerConfig{Temperature: -1}})), nil, new(*ConfigError)},
		{"chat with an unknown role", first(newSession(t, m).Chat(ctx, []Message{{Role: "bot", Content: "x"}}, GenerateConfig{})),
			nil, new(*tokenizer.ChatError)},
		{"chat with tools on v1", first(newSession(t, m).Chat(ctx, []Message{{Role: RoleUser, Content: "x"}},
			GenerateConfig{Tools: []Tool{{Name: "f"}}})), tokenizer.ErrUnsupported, nil},
		{"load a directory", loadErr(dir), ErrNotGGUF, nil},
		{"load a text file", loadErr(notGGUF), ErrNotGGUF, nil},
		{"load nothing", loadErr(filepath.Join(dir, "missing.gguf")), os.ErrNotExist, nil},
		{"load with negative threads", loadErrCfg(tinyModel, Config{Threads: -2}), nil, nil},
		{"a session with a negative batch", sessionErr(m, SessionConfig{BatchSize: -1}), nil, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			require.Error(t, c.err)
			t.Log(c.err)
			assertPrefixesOnce(t, c.err)
			assert.Contains(t, c.err.Error(), "mistral: ")
			if c.is != nil {
				assert.ErrorIs(t, c.err, c.is)
			}
			if c.as != nil {
				assert.True(t, errors.As(c.err, c.as), "%T", c.err)
			}
		})
	}
}

func loadErr(path string) error { return loadErrCfg(path, Config{Threads: 1}) }

func loadErrCfg(path string, cfg Config) error {
	m, err := Load(context.Background(), path, cfg)
	if err == nil {
		m.Close()
	}
	return err
}

func sessionErr(m *Model, cfg SessionConfig) error {
	s, err := m.NewSession(cfg)
	if err == nil {
		s.Close()
	}
	return err
}
