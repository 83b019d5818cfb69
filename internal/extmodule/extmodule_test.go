package extmodule

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const consumerMain = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/models"
)

func main() {
	path, err := models.TinyPath()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	m, err := mistral.Load(context.Background(), path, mistral.Config{Threads: 1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer m.Close()
	s, err := m.NewSession(mistral.SessionConfig{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer s.Close()
	for tok, err := range s.Generate(context.Background(), "The French army", mistral.GenerateConfig{MaxTokens: 12}) {
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Print(tok.Text)
	}
}
`

// TestLibraryAsADependency writes a module in a temporary directory that
// requires gomistral, replaced by this checkout, and runs it.
func TestLibraryAsADependency(t *testing.T) {
	text := runConsumer(t, consumerMain)
	t.Logf("the consumer module generated %q", text)
	assert.NotEmpty(t, strings.TrimSpace(text))
}

// TestREADMEFirstProgram runs the program of the README's "A first program"
// section, as a newcomer copies it: in a module of its own, with nothing
// else from the repository.
func TestREADMEFirstProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	program, err := firstProgram(string(readme))
	require.NoError(t, err)
	text := runConsumer(t, program)
	t.Logf("the README's first program printed %q", text)
	assert.True(t, utf8.ValidString(text), "not UTF-8: %q", text)
	assert.True(t, strings.HasSuffix(text, "\n"), "the program ends with a newline: %q", text)
}

// firstProgram returns the first Go code block after the README heading
// "## A first program".
func firstProgram(readme string) (string, error) {
	_, after, ok := strings.Cut(readme, "\n## A first program\n")
	if !ok {
		return "", errors.New(`the README has no "## A first program" section`)
	}
	_, after, ok = strings.Cut(after, "```go\n")
	if !ok {
		return "", errors.New("no go code block in the README's first program section")
	}
	code, _, ok := strings.Cut(after, "```")
	if !ok {
		return "", errors.New("the README's first program code block is not closed")
	}
	return code, nil
}

// runConsumer writes program as the main package of a module that requires
// gomistral, replaced by this checkout, runs it and returns its standard
// output.
func runConsumer(t *testing.T, program string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a separate module; skipped with -short")
	}
	gobin, err := exec.LookPath("go") // the go command running these tests is on PATH
	require.NoError(t, err)
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir := t.TempDir()
	goMod := "module example.com/consumer\n\ngo 1.26\n\n" +
		"require github.com/gomistral/gomistral v0.0.0\n\n" +
		"replace github.com/gomistral/gomistral => " + root + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte(goMod), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o644))

	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	env := append(os.Environ(), "GOFLAGS=-mod=mod")
	tidy := exec.CommandContext(ctx, gobin, "mod", "tidy")
	tidy.Dir, tidy.Env = dir, env
	out, err := tidy.CombinedOutput()
	require.NoError(t, err, "go mod tidy: %s", out)

	// The program writes the shipped model to the user cache directory:
	// point that at a temporary one, keeping Go's build cache where it is.
	gocache, err := exec.Command(gobin, "env", "GOCACHE").Output()
	require.NoError(t, err)
	run := exec.CommandContext(ctx, gobin, append(append([]string{"run"}, buildFlags...), ".")...)
	run.Dir = dir
	run.Env = append(env, "XDG_CACHE_HOME="+t.TempDir(), "GOCACHE="+strings.TrimSpace(string(gocache)))
	var stdout, stderr bytes.Buffer
	run.Stdout, run.Stderr = &stdout, &stderr
	require.NoError(t, run.Run(), "go run: %s", stderr.String())
	return stdout.String()
}
