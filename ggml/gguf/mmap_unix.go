//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package gguf

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only.
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	data, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, false, err
	}
	return data, true, nil
}

func unmapFile(data []byte) error { return syscall.Munmap(data) }

// dropPages tells the kernel the process no longer needs the pages of a
// read-only file mapping (they stay in the page cache; reading them again
// maps them back).
func dropPages(page []byte) error { return syscall.Madvise(page, syscall.MADV_DONTNEED) }
