//go:build !linux

package safetensors

// dontNeed does nothing on systems where this package gives no paging advice.
func dontNeed(mapping []byte, start, end int64) {}
