//go:build !linux

package mmap

// Zero sets b, the whole of the memory from one call of Anon, to zeros.
func Zero(b []byte) { clear(b) }

// HugePages does nothing outside Linux.
func HugePages([]byte) {}
