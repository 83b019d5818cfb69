//go:build cgo && !linux

package ggml

import "unsafe"

// osZero sets memory from osAlloc to zeros.
func osZero(mem []byte) { clear(mem) }

// adviseHugePages does nothing outside Linux.
func adviseHugePages(unsafe.Pointer, int64) {}
