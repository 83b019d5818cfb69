// Package bounded reads the small files of a model folder (configurations,
// indexes, tokenizers) without trusting them to be small.
package bounded

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// ErrTooLarge is wrapped by the error for a file beyond its bound.
var ErrTooLarge = errors.New("file too large")

// ReadFile reads the regular file at path, of at most limit bytes. A larger
// file (the error wraps ErrTooLarge), or one that is not a regular file (a
// device, a pipe, a folder), is an error before anything is read, so that
// a link to /dev/zero cannot fill memory. Errors name the file and carry
// no package prefix.
func ReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed: %w", path, st.Size(), limit, ErrTooLarge)
	}
	// One byte more than the file holds, to see whether it grew meanwhile.
	b := make([]byte, st.Size()+1)
	n, err := io.ReadFull(f, b)
	switch {
	case err == nil:
		return nil, fmt.Errorf("%s: it grows while it is read", path)
	case err != io.ErrUnexpectedEOF && err != io.EOF:
		return nil, err
	}
	return b[:n], nil
}
