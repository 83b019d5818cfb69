//go:build unix

package mmap

import (
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first n > 0 bytes of f read-only and shared.
func mapFile(f *os.File, n int) ([]byte, error) {
	return unix.Mmap(int(f.Fd()), 0, n, unix.PROT_READ, unix.MAP_SHARED)
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
