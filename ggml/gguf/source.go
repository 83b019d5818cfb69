package gguf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// readChunk is how much a source reads ahead from an io.ReaderAt.
const readChunk = 64 << 10

// source reads a file front to back, keeping track of the offset and of how
// many bytes remain, so that every length can be checked before it is used.
type source struct {
	data   []byte      // the whole file when it is in memory, else nil
	r      io.ReaderAt // the file otherwise
	size   int64       // size of the file
	off    int64       // offset of the next byte to read
	buf    []byte      // r's bytes from bufOff on
	bufOff int64
	chunk  int64 // how much to read ahead from r
}

func newSource(r io.ReaderAt, size int64) *source {
	return &source{r: r, size: size, chunk: readChunk}
}

func newByteSource(data []byte) *source {
	return &source{data: data, size: int64(len(data))}
}

func (s *source) remaining() int64 { return s.size - s.off }

// formatErr returns a *FormatError for offset off.
func formatErr(off int64, sentinel error, format string, args ...any) *FormatError {
	return &FormatError{Offset: off, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}

// next returns the n bytes at the current offset and moves past them. The
// slice is valid until the next call; what names the field in errors.
func (s *source) next(n int64, what string) ([]byte, error) {
	if n < 0 || n > s.remaining() {
		return nil, formatErr(s.off, ErrTruncated, "%s: %d bytes needed, %d left in the file", what, n, s.remaining())
	}
	off := s.off
	s.off += n
	if s.data != nil {
		return s.data[off : off+n : off+n], nil
	}
	if rel := off - s.bufOff; off >= s.bufOff && rel+n <= int64(len(s.buf)) {
		return s.buf[rel : rel+n : rel+n], nil
	}
	// Read ahead from off; n is at most what remains of the file.
	want := max(n, min(s.chunk, s.size-off))
	if int64(cap(s.buf)) < want {
		s.buf = make([]byte, want)
	}
	got, err := s.r.ReadAt(s.buf[:want], off)
	s.buf, s.bufOff = s.buf[:got], off
	if int64(got) < n {
		if err == nil || errors.Is(err, io.EOF) {
			return nil, formatErr(off+int64(got), ErrTruncated, "%s: the file ends before its stated size %d", what, s.size)
		}
		return nil, fmt.Errorf("gguf: read at offset %d: %w", off, err)
	}
	return s.buf[:n:n], nil
}

func (s *source) u32(what string) (uint32, error) {
	b, err := s.next(4, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (s *source) u64(what string) (uint64, error) {
	b, err := s.next(8, what)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(b), nil
}

// str reads a GGUF string: a uint64 length and as many bytes.
func (s *source) str(what string) (string, error) {
	b, err := s.strBytes(what)
	return string(b), err
}

// strBytes is str without the copy: the slice is valid until the next call.
func (s *source) strBytes(what string) ([]byte, error) {
	off := s.off
	if s.remaining() < 8 {
		return nil, formatErr(off, ErrTruncated, "%s length: 8 bytes needed, %d left in the file", what, s.remaining())
	}
	b, err := s.next(8, what)
	if err != nil {
		return nil, err
	}
	n := binary.LittleEndian.Uint64(b)
	if n > uint64(s.remaining()) {
		return nil, formatErr(off, ErrTruncated, "%s: length %d exceeds the %d bytes left in the file", what, n, s.remaining())
	}
	return s.next(int64(n), what)
}
