//go:build cgo && !linux

package ggml

import "testing"

// residentPages is only implemented on Linux; callers check the system.
func residentPages(t *testing.T, _ []byte) int {
	t.Fatal("residentPages: Linux only")
	return 0
}
