//go:build cgo && unix

package ggml

import "golang.org/x/sys/unix"

// osAlloc maps n bytes of anonymous memory: zeros, backed by physical
// pages only once written.
func osAlloc(n int) ([]byte, error) {
	return unix.Mmap(-1, 0, n, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
}

// osFree unmaps memory from osAlloc.
func osFree(mem []byte) { _ = unix.Munmap(mem) }
