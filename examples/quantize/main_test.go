package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

const (
	v1Folder = "../../testdata/tiny-mistral-v1"
	v1GGUF   = "../../mistral/models/tiny-mistral-v1-f16.gguf"
)

// runQuiet runs the program as when its output is not a terminal.
func runQuiet(ctx context.Context, args ...string) (stdout, stderr string, err error) {
	var out, errOut bytes.Buffer
	err = run(ctx, args, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestRunFolder(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "tiny.Q4_K_M.gguf")
	stdout, stderr, err := runQuiet(context.Background(), "-in", v1Folder, "-out", dst, "-type", "Q4_K_M")
	require.NoError(t, err)
	assert.Empty(t, stderr, "nothing but the summary when not on a terminal")
	t.Log("\n" + stdout)
	for _, want := range []string{
		"(Hugging Face) -> " + dst + ": Q4_K_M in ",
		"input:  17.96 MB of tensor data (f16)",
		"6.91 bits per weight",
		"\n  q8_0            5        4210688         4.47         8.50\n",
		"\n  q5_0           25        4767744         3.28         5.50\n",
		"\n  f32             9           1152         0.00        32.00\n",
		"29 tensors have rows too short",
	} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, "warning")

	m, err := gguf.Open(dst)
	require.NoError(t, err)
	defer m.Close()
	ft, _ := m.Lookup("general.file_type")
	assert.Equal(t, gguf.Uint32(15), ft)
}

func TestRunGGUF(t *testing.T) {
	dir := t.TempDir()
	q8 := filepath.Join(dir, "q8.gguf")
	stdout, _, err := runQuiet(context.Background(), "-in", v1GGUF, "-out", q8, "-type", "q8_0", "-threads", "1", "-name", "tiny")
	require.NoError(t, err)
	assert.Contains(t, stdout, "(GGUF) -> "+q8+": Q8_0 in ")
	assert.Contains(t, stdout, "input:  17.96 MB of tensor data (f16 and f32)")
	assert.NotContains(t, stdout, "fallback")

	// Requantising warns.
	stdout, _, err = runQuiet(context.Background(), "-in", q8, "-out", filepath.Join(dir, "q4.gguf"), "-type", "Q4_0")
	require.NoError(t, err)
	assert.Contains(t, stdout, "warning: the source was quantised already")
	assert.Contains(t, stdout, "1 tensor has rows too short") // output.weight: Q6_K needs rows of 256
}

func TestRunTerminal(t *testing.T) {
	defer func(f func(io.Writer) bool) { isTerminal = f }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	dst := filepath.Join(t.TempDir(), "out.gguf")
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"-in", v1GGUF, "-out", dst, "-type", "Q6_K"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), "Q6_K token_embd.weight", "a progress bar")
	assert.Contains(t, stderr.String(), "%")
	assert.Contains(t, stdout.String(), "Q6_K in ")
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in.gguf")
	b, err := os.ReadFile(v1GGUF)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(input, b, 0o644))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		args []string
		want string
	}{
		{"no arguments", context.Background(), nil, "-in, -out and -type are required"},
		{"no type", context.Background(), []string{"-in", input, "-out", filepath.Join(dir, "x.gguf")}, "are required"},
		{"unknown type", context.Background(), []string{"-in", input, "-out", filepath.Join(dir, "x.gguf"), "-type", "Q4_K_X"},
			`unknown quantisation type "Q4_K_X" (want one of F32, F16, BF16, Q8_0,`},
		{"output is the input", context.Background(), []string{"-in", input, "-out", input, "-type", "Q4_0"}, "refusing to overwrite the input file"},
		{"unwritable destination", context.Background(), []string{"-in", input, "-out", filepath.Join(dir, "no", "x.gguf"), "-type", "Q4_0"},
			"no such file or directory"},
		{"missing input", context.Background(), []string{"-in", filepath.Join(dir, "none"), "-out", filepath.Join(dir, "x.gguf"), "-type", "Q4_0"},
			"no such file or directory"},
		{"extra argument", context.Background(), []string{"-in", input, "-out", filepath.Join(dir, "x.gguf"), "-type", "Q4_0", "more"},
			"unexpected arguments"},
		{"interrupted", cancelled, []string{"-in", input, "-out", filepath.Join(dir, "x.gguf"), "-type", "Q4_0"}, "interrupted: no file written"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stdout, _, err := runQuiet(tt.ctx, tt.args...)
			require.Error(t, err)
			assert.ErrorContains(t, err, tt.want)
			assert.Empty(t, stdout)
		})
	}
	after, err := os.ReadFile(input)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(b, after), "the input is untouched")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, "in.gguf", strings.Join(names, " "), "no other file left behind")
}
