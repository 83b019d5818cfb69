//go:build cgo && !unix

package ggml

// osAlloc returns n bytes of Go memory (pinned by the Buffer holding it).
func osAlloc(n int) ([]byte, error) { return make([]byte, n), nil }

// osFree leaves memory from osAlloc to the garbage collector.
func osFree([]byte) {}
