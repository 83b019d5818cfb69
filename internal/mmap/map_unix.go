//go:build unix

package mmap

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// File maps the first size bytes of f read-only and shared: the bytes are
// read from the file as they are touched, and writing to them crashes the
// program. A size of 0 gives nil. Unmap releases the mapping; closing f
// does not.
func File(f *os.File, size int64) ([]byte, error) {
	if size == 0 {
		return nil, nil
	}
	if size < 0 || size > math.MaxInt {
		return nil, fmt.Errorf("file of %d bytes is too large to map", size)
	}
	return unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
}

// Anon maps n > 0 bytes of private anonymous memory, readable and writable:
// it reads as zeros and takes physical pages only where it is written.
// Unmap releases it.
func Anon(n int) ([]byte, error) {
	return unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
}

// Unmap releases the whole of a mapping that File or Anon returned (nil is
// allowed). Nothing may use the memory afterwards.
func Unmap(b []byte) error {
	if b == nil {
		return nil
	}
	return unix.Munmap(b)
}

// DontNeed tells the system that the process will not read b, part of a
// mapping from File, for a while: the whole pages inside b leave the
// process's resident memory (they stay in the page cache, and reading them
// again maps them back). The bytes around b, in pages that b only partly
// covers, are left alone.
func DontNeed(b []byte) error {
	p := pages(b)
	if p == nil {
		return nil
	}
	return unix.Madvise(p, unix.MADV_DONTNEED)
}
