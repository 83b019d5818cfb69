package safetensors

import (
	"fmt"
	"strings"
)

// FormatError reports a safetensors file (or shard index) that breaks the
// format. It carries where the problem was found.
type FormatError struct {
	File   string // path of the file, empty when parsing bytes that came from elsewhere
	Offset int64  // byte offset in the file where the problem was found, or -1 when it has none
	Tensor string // name of the tensor concerned, empty when none
	Reason string // what is wrong, in words
	Err    error  // underlying error (a JSON syntax error, say), or nil
}

// Error formats the error as "safetensors: FILE: offset N: tensor "T": REASON".
func (e *FormatError) Error() string {
	var b strings.Builder
	b.WriteString("safetensors: ")
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "offset %d: ", e.Offset)
	}
	if e.Tensor != "" {
		fmt.Fprintf(&b, "tensor %q: ", e.Tensor)
	}
	b.WriteString(e.Reason)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *FormatError) Unwrap() error { return e.Err }

// errorf builds a *FormatError at offset off (-1 for none) about tensor name
// (empty for none).
func errorf(off int64, name, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Tensor: name, Reason: fmt.Sprintf(format, args...)}
}
