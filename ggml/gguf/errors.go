package gguf

import (
	"errors"
	"strconv"
)

// Sentinel errors. A *FormatError wraps one of the first four where it
// applies, so that errors.Is(err, ErrTruncated) and the like work; the
// convenience getters of File wrap one of the last two.
var (
	// ErrBadMagic means the file does not start with "GGUF".
	ErrBadMagic = errors.New("gguf: bad magic")
	// ErrUnsupportedVersion means the version is not 2 or 3 (this includes
	// version 1 and big-endian files).
	ErrUnsupportedVersion = errors.New("gguf: unsupported version")
	// ErrTruncated means the file ends before something it declares: a field,
	// a string, an array, the counted key-value pairs or tensor infos, the
	// padding before the data section, or tensor data.
	ErrTruncated = errors.New("gguf: truncated file")
	// ErrUnknownType means a tensor has a type that GGML does not define.
	ErrUnknownType = errors.New("gguf: unknown tensor type")

	// ErrKeyNotFound means a metadata key is absent.
	ErrKeyNotFound = errors.New("gguf: key not found")
	// ErrKeyType means a metadata value is not of the requested type.
	ErrKeyType = errors.New("gguf: wrong value type")
)

// FormatError reports a malformed GGUF file.
type FormatError struct {
	Offset int64  // absolute byte offset of the offending field in the file
	Reason string // what is wrong, for people
	Err    error  // one of the sentinel errors above, or nil
}

// Error returns "gguf: offset N: reason".
func (e *FormatError) Error() string {
	return "gguf: offset " + strconv.FormatInt(e.Offset, 10) + ": " + e.Reason
}

// Unwrap returns e.Err.
func (e *FormatError) Unwrap() error { return e.Err }
