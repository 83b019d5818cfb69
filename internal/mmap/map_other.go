//go:build !unix

package mmap

import (
	"fmt"
	"io"
	"math"
	"os"
)

// File reads the first size bytes of f into memory: this package maps
// nothing on this system. A size of 0 gives nil.
func File(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return nil, nil
	}
	if size < 0 || size > math.MaxInt {
		return nil, fmt.Errorf("file of %d bytes is too large to read", size)
	}
	b := make([]byte, size)
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
