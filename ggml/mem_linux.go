//go:build cgo

package ggml

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// osZero sets memory from osAlloc to zeros by giving its pages back: they
// read as zeros and take no physical memory until written again.
func osZero(mem []byte) {
	if unix.Madvise(mem, unix.MADV_DONTNEED) != nil {
		clear(mem)
	}
}

// adviseHugePages asks Linux to back the whole 2 MiB pages of the n bytes
// at p with huge pages when they are first written (transparent huge pages
// in "madvise" mode, the common default, give them only to memory that asks).
// Streaming a few gigabytes of weights through fewer, larger pages costs
// fewer page faults when they are filled and fewer TLB misses when they are
// read. It is only advice: where the kernel has no huge pages to give,
// nothing changes.
func adviseHugePages(p unsafe.Pointer, n int64) {
	const page = 4096
	start := (uintptr(p) + page - 1) &^ (page - 1)
	end := (uintptr(p) + uintptr(n)) &^ (page - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(unsafe.Slice((*byte)(unsafe.Add(p, start-uintptr(p))), end-start), unix.MADV_HUGEPAGE)
}
