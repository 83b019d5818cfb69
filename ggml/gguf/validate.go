package gguf

import (
	"fmt"
	"unicode/utf8"
)

// checkKey returns why key cannot be a metadata key, or "".
func checkKey(key string) string {
	switch {
	case key == "":
		return "empty key"
	case len(key) > maxKeyLen:
		return fmt.Sprintf("key of %d bytes is longer than %d", len(key), maxKeyLen)
	case !utf8.ValidString(key):
		return fmt.Sprintf("key %q is not valid UTF-8", short(key))
	}
	return ""
}

// checkName returns why name cannot be a tensor name, or "".
func checkName(name string) string {
	switch {
	case name == "":
		return "empty tensor name"
	case len(name) > maxNameLen:
		return fmt.Sprintf("tensor name %q... is %d bytes long, more than GGML's %d", name[:maxNameLen], len(name), maxNameLen)
	case !utf8.ValidString(name):
		return fmt.Sprintf("tensor name %q is not valid UTF-8", name)
	}
	return ""
}

// checkAlignment returns why v cannot be the value of general.alignment,
// or "".
func checkAlignment(v Value) string {
	if v.typ != ValueUint32 {
		return fmt.Sprintf("%s has type %v, want uint32", alignmentKey, v.typ)
	}
	if a := v.num; a == 0 || a&(a-1) != 0 {
		return fmt.Sprintf("%s %d is not a power of two", alignmentKey, a)
	}
	return ""
}

// short returns s, cut to at most 64 bytes, for error messages.
func short(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}
