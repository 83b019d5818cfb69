package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// TestLevelsFromAnyDirectory runs levels from a directory outside the
// repository, on the repository's small model and a reference text given
// by flags: it needs nothing relative to the working directory and writes
// nothing there, and the 7B columns it skipped (-no-speed) read "n/a".
func TestLevelsFromAnyDirectory(t *testing.T) {
	text, _ := valText(t)
	src := testref.Testdata("tiny-mistral-v1") // its Hugging Face files
	elsewhere := t.TempDir()
	textFile := filepath.Join(t.TempDir(), "val.txt")
	require.NoError(t, os.WriteFile(textFile, []byte(text), 0o644))
	results := filepath.Join(t.TempDir(), "results")
	t.Chdir(elsewhere)

	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"levels"}, &stdout, &stderr)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "-src")
	assert.Contains(t, err.Error(), "-text")

	stdout.Reset()
	require.NoError(t, run(context.Background(), []string{"levels", "-src", src, "-text", textFile, "-types", "F16,Q8_0",
		"-tokens", "200", "-threads", "1", "-no-speed"}, &stdout, &stderr), "stderr: %s", stderr.String())
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	require.Len(t, lines, 3, "a header and two rows:\n%s", stdout.String())
	for _, row := range lines[1:] {
		f := strings.Fields(row)
		require.Len(t, f, 10, "row %q", row)
		assert.Equal(t, []string{"n/a", "n/a", "n/a", "n/a"}, f[6:], "the skipped 7B columns of %q", row)
		assert.NotEqual(t, "n/a", f[2], "the measured perplexity of %q", row)
	}
	left, err := os.ReadDir(elsewhere)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing written in the working directory without -out")

	stdout.Reset()
	require.NoError(t, run(context.Background(), []string{"levels", "-src", src, "-text", textFile, "-types", "Q8_0",
		"-tokens", "200", "-threads", "1", "-no-speed", "-out", results}, &stdout, &stderr), "stderr: %s", stderr.String())
	md, err := os.ReadFile(filepath.Join(results, "levels.md"))
	require.NoError(t, err)
	assert.Contains(t, string(md), "| n/a | n/a | n/a | n/a |")
	f, err := os.Open(filepath.Join(results, "levels.csv"))
	require.NoError(t, err)
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 2)
	assert.Equal(t, []string{"n/a", "n/a", "n/a", "n/a"}, records[1][6:])
	assert.FileExists(t, filepath.Join(results, "levels.svg"))
	left, err = os.ReadDir(elsewhere)
	require.NoError(t, err)
	assert.Empty(t, left, "nothing written in the working directory with -out elsewhere")
}
