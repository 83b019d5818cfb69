// Package models ships the small model that the examples run when they are
// given no model: tiny-mistral-v1, a 9-million-parameter model of the exact
// Mistral architecture (sliding window of 128 tokens) trained on War and
// Peace, in F16. Its output is English-looking prose, not answers; it is
// here so that every program works on a fresh machine without a download.
package models

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
)

//go:embed tiny-mistral-v1-f16.gguf
var tinyV1 string

// TinyName is the file name of the shipped model.
const TinyName = "tiny-mistral-v1-f16.gguf"

// TinyPath returns the path of a file holding the shipped model, which the
// library can map like any other GGUF file. The model is embedded in the
// program; the first call writes it to the user's cache directory (or the
// temporary directory), and later calls reuse that file.
func TinyPath() (string, error) {
	sum := sha256.Sum256([]byte(tinyV1))
	name := hex.EncodeToString(sum[:6]) + "-" + TinyName
	var lastErr error
	for _, dir := range cacheDirs() {
		path := filepath.Join(dir, name)
		if fi, err := os.Stat(path); err == nil && fi.Size() == int64(len(tinyV1)) {
			return path, nil
		}
		if err := writeAtomic(path, tinyV1); err != nil {
			lastErr = err
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("models: cannot write the shipped model: %w", lastErr)
}

func cacheDirs() []string {
	var dirs []string
	if d, err := os.UserCacheDir(); err == nil {
		dirs = append(dirs, filepath.Join(d, "gomistral"))
	}
	return append(dirs, filepath.Join(os.TempDir(), "gomistral"))
}

// writeAtomic writes data to path through a temporary file and a rename, so
// that a concurrent reader never sees half a file.
func writeAtomic(path, data string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.WriteString(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
