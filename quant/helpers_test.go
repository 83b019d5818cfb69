package quant

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// Test data: the tiny Mistral shipped with the repository, the GGUF file a
// reference converter made from it, and the larger data of ../../shared.
var (
	tinyV1     = testref.Testdata("tiny-mistral-v1")
	refV1      = testref.TinyModel()
	sharedData = testref.SharedDir()
)

const (
	refName = "tiny-mistral" // general.name of the reference files
	shard1  = "model-00001-of-00002.safetensors"
	shard2  = "model-00002-of-00002.safetensors"
)

// shared returns the path of name under ../../shared/testdata, skipping the
// test when that folder is absent.
func shared(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(sharedData, name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("extended test: %s is absent (%v)", p, err)
	}
	return p
}

// linkDir makes a temporary folder with symbolic links to the files of src,
// except those in skip, and returns it.
func linkDir(t testing.TB, src string, skip ...string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	require.NoError(t, err)
	abs, err := filepath.Abs(src)
	require.NoError(t, err)
outer:
	for _, e := range entries {
		for _, s := range skip {
			if e.Name() == s {
				continue outer
			}
		}
		require.NoError(t, os.Symlink(filepath.Join(abs, e.Name()), filepath.Join(dir, e.Name())))
	}
	return dir
}

// replaceFile replaces the link dir/name by a file holding b.
func replaceFile(t testing.TB, dir, name string, b []byte) {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.Remove(p))
	require.NoError(t, os.WriteFile(p, b, 0o644))
}

// editJSON replaces the link dir/name by a copy of its JSON object, changed
// by edit.
func editJSON(t testing.TB, dir, name string, edit func(m map[string]any)) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b, &m))
	edit(m)
	b, err = json.Marshal(m)
	require.NoError(t, err)
	replaceFile(t, dir, name, b)
}

// splitSafetensors returns the decoded header and the data section of a
// safetensors file.
func splitSafetensors(t testing.TB, path string) (map[string]any, []byte) {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	n := binary.LittleEndian.Uint64(b)
	var header map[string]any
	require.NoError(t, json.Unmarshal(b[8:8+n], &header))
	return header, b[8+n:]
}

// joinSafetensors builds a safetensors file from a header and a data section.
func joinSafetensors(t testing.TB, header map[string]any, data []byte) []byte {
	t.Helper()
	js, err := json.Marshal(header)
	require.NoError(t, err)
	out := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(out, js...), data...)
}

// editSafetensors replaces the link dir/name by a copy of the safetensors
// file whose header and data edit may change.
func editSafetensors(t testing.TB, dir, name string, edit func(header map[string]any, data []byte) []byte) {
	t.Helper()
	header, data := splitSafetensors(t, filepath.Join(dir, name))
	data = edit(header, data)
	replaceFile(t, dir, name, joinSafetensors(t, header, data))
}

// tensorEntry returns the header entry of a tensor.
func tensorEntry(header map[string]any, name string) map[string]any {
	return header[name].(map[string]any)
}

// convertInto converts src into a fresh folder and returns the folder, the
// output path and the result.
func convertInto(t testing.TB, src string, opts ConvertOptions) (string, string, *ConvertResult, error) {
	t.Helper()
	outDir := t.TempDir()
	dst := filepath.Join(outDir, "out.gguf")
	res, err := Convert(context.Background(), src, dst, opts)
	return outDir, dst, res, err
}

// openGGUF opens a GGUF file for the duration of the test.
func openGGUF(t testing.TB, path string) *gguf.Mapped {
	t.Helper()
	m, err := gguf.Open(path)
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// assertEmptyDir checks that a conversion left nothing in dir.
func assertEmptyDir(t testing.TB, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Empty(t, names, "files left behind in %s", dir)
}
