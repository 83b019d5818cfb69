//go:build !linux

package mistral

// lowerThreadPriority is a no-op where thread priorities are not set here.
func lowerThreadPriority() {}
