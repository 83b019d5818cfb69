//go:build !unix

package mmap

import (
	"io"
	"os"
)

// mapFile reads the first n bytes of f into memory: this package maps
// nothing on this system.
func mapFile(f *os.File, n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Anon returns n bytes of zeroed Go memory (this package maps nothing on
// this system).
func Anon(n int) ([]byte, error) { return make([]byte, n), nil }

// Unmap does nothing: the garbage collector takes memory from File and Anon.
func Unmap([]byte) error { return nil }

// DontNeed does nothing on this system.
func DontNeed([]byte) error { return nil }
