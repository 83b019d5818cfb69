package mmap

import "golang.org/x/sys/unix"

// Zero sets b, the whole of the memory from one call of Anon, to zeros by
// giving its pages back to the system: they read as zeros and take no physical memory until written
// again. Where the system refuses, Zero writes the zeros.
func Zero(b []byte) {
	if len(b) > 0 && unix.Madvise(b, unix.MADV_DONTNEED) != nil {
		clear(b)
	}
}

// HugePages asks Linux to back the whole 2 MiB pages inside b with huge
// pages when they are first written (transparent huge pages in "madvise"
// mode, the common default, give them only to memory that asks). Memory
// that is filled once and streamed through often then costs fewer page
// faults and fewer TLB misses. It is only advice: where the kernel has no
// huge pages to give, nothing changes.
func HugePages(b []byte) {
	if p := pages(b); p != nil {
		_ = unix.Madvise(p, unix.MADV_HUGEPAGE)
	}
}
