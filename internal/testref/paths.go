// Package testref finds the reference data the tests compare with, wherever
// the test runs from: the repository's own testdata/ and shipped model, and
// the larger files of ../shared/testdata beside the repository, which a
// fresh clone does not have (extended tests skip, saying so, without them).
package testref

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// Root returns the repository's root directory.
func Root() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		panic("testref: cannot locate the source file")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// Path returns the path of elem inside the repository.
func Path(elem ...string) string {
	return filepath.Join(append([]string{Root()}, elem...)...)
}

// Testdata returns the path of elem under the repository's testdata/.
func Testdata(elem ...string) string {
	return Path(append([]string{"testdata"}, elem...)...)
}

// TinyModel returns the path of the model that ships in the repository
// (tiny-mistral-v1 in F16, the reference converter's file).
func TinyModel() string {
	return Path("mistral", "models", "tiny-mistral-v1-f16.gguf")
}

// SharedDir returns the path of the shared reference folder beside the
// repository, ../shared/testdata; it may not exist.
func SharedDir() string {
	return filepath.Join(Root(), "..", "shared", "testdata")
}

// SharedPath returns the path of elem under SharedDir, and whether it exists.
func SharedPath(elem ...string) (string, bool) {
	p := filepath.Join(append([]string{SharedDir()}, elem...)...)
	_, err := os.Stat(p)
	return p, err == nil
}

// Shared returns the path of elem under SharedDir, or skips t when it is
// absent (a fresh clone has no ../shared beside it).
func Shared(t testing.TB, elem ...string) string {
	t.Helper()
	p, ok := SharedPath(elem...)
	if !ok {
		t.Skipf("extended test: needs %s (../shared/testdata beside the repository), absent here", filepath.Join(elem...))
	}
	return p
}
