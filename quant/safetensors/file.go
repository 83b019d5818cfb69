package safetensors

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/gomistral/gomistral/internal/mmap"
)

// File is an open safetensors file. Its data is memory-mapped where the
// system allows it (read whole elsewhere), so opening a 14 GB file costs
// next to nothing and a tensor's data is a slice of the mapping.
//
// A File is safe for concurrent use by multiple goroutines, except that Close
// must not run concurrently with anything else; the data slices it hands out
// are valid until Close.
type File struct {
	Path   string
	Header *Header

	mapping []byte // the whole file
	byName  map[string]int
	once    sync.Once
	err     error
}

// Tensor is a tensor of an open File: its description and access to its data.
type Tensor struct {
	TensorInfo
	file *File
}

// Data returns the tensor's bytes, little-endian, row-major. The slice is part
// of the file's read-only mapping: it must not be modified, and it is valid
// only until the File is closed.
func (t Tensor) Data() []byte {
	start := t.file.Header.DataOffset + t.Begin
	end := t.file.Header.DataOffset + t.End
	return t.file.mapping[start:end:end]
}

// File returns the file that holds the tensor.
func (t Tensor) File() *File { return t.file }

// Release tells the operating system that the tensor's pages are not needed
// for now, so that streaming through a large model does not keep it all
// resident. The data stays readable (it is read again from disk); where the
// system offers no such advice, Release does nothing.
func (t Tensor) Release() {
	if len(t.file.mapping) > 0 && t.Size() > 0 {
		_ = mmap.DontNeed(t.Data()) // only advice
	}
}

// Open opens and maps the safetensors file at path and validates its header
// (see ReadHeader). Problems with the file's contents are *FormatError.
func Open(path string) (*File, error) { return Limits{}.Open(path) }

// Open is the package's Open within l (see Limits.ReadHeader).
func (l Limits) Open(path string) (*File, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("safetensors: %s: not a regular file", path)
	}
	size := st.Size()
	if size < prefixSize {
		return nil, &FormatError{File: path, Offset: 0, Reason: fmt.Sprintf("file is %d bytes, shorter than the %d-byte header length", size, prefixSize)}
	}
	data, err := mmap.File(fd, size)
	if err != nil {
		return nil, fmt.Errorf("safetensors: map %s: %w", path, err)
	}
	h, err := l.ReadHeader(bytes.NewReader(data), size)
	if err != nil {
		_ = mmap.Unmap(data)
		var fe *FormatError
		if errors.As(err, &fe) {
			fe.File = path
		}
		return nil, err
	}
	f := &File{Path: path, Header: h, mapping: data, byName: make(map[string]int, len(h.Tensors))}
	for i, t := range h.Tensors {
		f.byName[t.Name] = i
	}
	return f, nil
}

// Tensors returns the file's tensors in the order of its header.
func (f *File) Tensors() []Tensor {
	out := make([]Tensor, len(f.Header.Tensors))
	for i, t := range f.Header.Tensors {
		out[i] = Tensor{TensorInfo: t, file: f}
	}
	return out
}

// Tensor returns the tensor called name, and false if the file has none.
func (f *File) Tensor(name string) (Tensor, bool) {
	i, ok := f.byName[name]
	if !ok {
		return Tensor{}, false
	}
	return Tensor{TensorInfo: f.Header.Tensors[i], file: f}, true
}

// Metadata returns the file's "__metadata__" strings (nil when absent).
func (f *File) Metadata() map[string]string { return f.Header.Metadata }

// Close unmaps the file. Data slices obtained from its tensors must not be
// used afterwards. Close is idempotent and safe on a nil *File.
func (f *File) Close() error {
	if f == nil {
		return nil
	}
	f.once.Do(func() {
		if f.mapping != nil {
			f.err = mmap.Unmap(f.mapping)
		}
		f.mapping = nil
		if f.err != nil {
			f.err = fmt.Errorf("safetensors: close %s: %w", f.Path, f.err)
		}
	})
	return f.err
}
