// Package mmap maps files and anonymous memory and passes paging advice to
// the operating system, for the packages of this module that hold large
// weights: ggml/gguf and quant/safetensors map their files read-only, ggml
// takes memory for caches and repacked weights from the system.
//
// On Unix systems the memory comes from mmap(2) and the advice goes to
// madvise(2). Elsewhere File reads the file into Go memory, Anon returns Go
// memory, and Unmap and the advice do nothing, so that callers need no
// build tags of their own. The functions are safe for concurrent use; the
// memory they return is the caller's to synchronise.
package mmap

import (
	"fmt"
	"math"
	"os"
	"unsafe"
)

// File maps the first size bytes of f read-only and shared: the bytes are
// read from the file as they are touched, and writing to them crashes the
// program. (Where this package maps nothing, it reads them into memory.) A
// size of 0 gives nil. Unmap releases the mapping; closing f does not.
func File(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return nil, nil
	}
	if size < 0 || size > math.MaxInt {
		return nil, fmt.Errorf("file of %d bytes is too large to map", size)
	}
	return mapFile(f, int(size))
}

// pages returns the whole pages of memory inside b (nil when there are
// none): the part that paging advice can apply to without touching the
// bytes around b.
func pages(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	page := uintptr(os.Getpagesize())
	addr := addrOf(b)
	lo := (addr + page - 1) &^ (page - 1)
	hi := (addr + uintptr(len(b))) &^ (page - 1)
	if hi <= lo {
		return nil
	}
	return b[lo-addr : hi-addr : hi-addr]
}

// addrOf returns the address of b's first byte; b must not be empty.
func addrOf(b []byte) uintptr { return uintptr(unsafe.Pointer(&b[0])) }
