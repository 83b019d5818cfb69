package gguf

import "runtime"

// memStats returns the bytes allocated so far.
func memStats() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}
