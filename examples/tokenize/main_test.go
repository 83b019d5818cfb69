package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	v1Model = "../../testdata/tokenizer/mistral-v1.model"
	v1GGUF  = "../../mistral/models/tiny-mistral-v1-f16.gguf"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"text", []string{"-model", v1Model, "-text", "Hello world"}, "", "[22557,1526]\n"},
		{"text from GGUF", []string{"-model", v1GGUF, "-text", "Hello world"}, "", "[22557,1526]\n"},
		{"bos", []string{"-bos", "-model", v1GGUF, "-text", "Hello world"}, "", "[1,22557,1526]\n"},
		{"empty text", []string{"-model", v1Model, "-text", ""}, "ignored", "[]\n"},
		{"stdin", []string{"-model", v1Model}, `["Hello", "", " Hello world", "🦙"]`, "[[22557],[],[28705,22557,1526],[28705,243,162,169,156]]\n"},
		{"stdin with bos", []string{"-model", v1GGUF, "-bos"}, "[\"Hello\"]\n", "[[1,22557]]\n"},
		{"empty array", []string{"-model", v1Model}, `[]`, "[]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			require.NoError(t, err)
			assert.Equal(t, tt.want, stdout.String())
			assert.Empty(t, stderr.String())
		})
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk")
	require.NoError(t, os.WriteFile(junk, []byte("hello"), 0o644))
	badModel := filepath.Join(dir, "bad.model")
	require.NoError(t, os.WriteFile(badModel, []byte{0x0a, 0x80}, 0o644))
	badGGUF := filepath.Join(dir, "bad.gguf")
	require.NoError(t, os.WriteFile(badGGUF, []byte("GGUF\x03\x00"), 0o644))
	empty := filepath.Join(dir, "empty")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"no model", []string{"-text", "x"}, "", "-model is required"},
		{"missing file", []string{"-model", filepath.Join(dir, "nope"), "-text", "x"}, "", "no such file"},
		{"neither format", []string{"-model", junk, "-text", "x"}, "", "neither a GGUF file nor a SentencePiece model"},
		{"empty file", []string{"-model", empty, "-text", "x"}, "", "neither a GGUF file nor a SentencePiece model"},
		{"bad model", []string{"-model", badModel, "-text", "x"}, "", "tokenizer: tokenizer.model"},
		{"bad gguf", []string{"-model", badGGUF, "-text", "x"}, "", "gguf"},
		{"invalid UTF-8", []string{"-model", v1Model, "-text", "a\xffb"}, "", "invalid UTF-8 at byte 1"},
		{"not JSON", []string{"-model", v1Model}, "Hello", "want a JSON array of strings"},
		{"not strings", []string{"-model", v1Model}, "[1, 2]", "want a JSON array of strings"},
		{"null", []string{"-model", v1Model}, "null", "got null"},
		{"trailing data", []string{"-model", v1Model}, `["a"] ["b"]`, "data after the JSON array"},
		{"extra argument", []string{"-model", v1Model, "-text", "x", "more"}, "", "unexpected arguments"},
		{"unknown flag", []string{"-model", v1Model, "-eos"}, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			require.Error(t, err)
			assert.Contains(t, err.Error()+stderr.String(), tt.want)
			assert.Empty(t, stdout.String(), "nothing on standard output")
		})
	}
}
