package gguf

import (
	"fmt"
	"os"

	"github.com/gomistral/gomistral/internal/mmap"
)

// Mapped is a GGUF file mapped read-only into memory: with mmap on Unix
// systems, read into memory elsewhere. Its File is the decoded header.
//
// The mapping is read-only: writing to the slices that Bytes and TensorData
// return crashes the program. A Mapped is safe for concurrent use by
// multiple goroutines, except Close, after which nothing may use the
// mapping any more.
type Mapped struct {
	*File
	data []byte // from mmap.File
}

// Open maps the GGUF file at path and decodes its header. Close releases
// the mapping.
func Open(path string) (*Mapped, error) {
	fd, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	defer fd.Close()
	st, err := fd.Stat()
	if err != nil {
		return nil, fmt.Errorf("gguf: %w", err)
	}
	m := &Mapped{}
	if m.data, err = mmap.File(fd, st.Size()); err != nil {
		return nil, fmt.Errorf("gguf: map %s: %w", path, err)
	}
	if m.File, err = decodeBytes(m.data); err != nil {
		m.Close()
		return nil, fmt.Errorf("%w (in %s)", err, path)
	}
	return m, nil
}

// Bytes returns the whole mapped file. It is read-only.
func (m *Mapped) Bytes() []byte {
	m.check()
	return m.data
}

// TensorData returns the data of a tensor of the file: Bytes() bytes from
// its Offset in the data section. It is read-only. TensorData panics if ti
// does not describe data inside the file (a TensorInfo of another file, for
// example).
func (m *Mapped) TensorData(ti TensorInfo) []byte {
	m.check()
	n := ti.Bytes()
	start := m.DataOffset + ti.Offset
	if n == 0 || ti.Offset < 0 || start < m.DataOffset || start > int64(len(m.data)) || n > int64(len(m.data))-start {
		panic(fmt.Sprintf("gguf: TensorData: tensor %q (offset %d, %d bytes) is not in the file", ti.Name, ti.Offset, n))
	}
	return m.data[start : start+n : start+n]
}

// Release tells the system that the process will not read the n bytes at
// offset start of the mapping for a while (for example a tensor whose data
// was copied elsewhere): the whole pages among them leave the process's
// resident memory, staying in the page cache. Reading them again is
// allowed and maps them back. Release is a no-op where the file is not
// mapped, and panics if the range is not inside the file.
func (m *Mapped) Release(start, n int64) error {
	m.check()
	if start < 0 || n < 0 || start > int64(len(m.data)) || n > int64(len(m.data))-start {
		panic(fmt.Sprintf("gguf: Release: bytes [%d, +%d) outside a %d-byte file", start, n, len(m.data)))
	}
	if err := mmap.DontNeed(m.data[start : start+n]); err != nil {
		return fmt.Errorf("gguf: Release: %w", err)
	}
	return nil
}

func (m *Mapped) check() {
	if m == nil || m.File == nil {
		panic("gguf: use of a closed or nil Mapped")
	}
}

// Close releases the mapping. It is idempotent, and a nil *Mapped is
// closed already.
func (m *Mapped) Close() error {
	if m == nil || m.data == nil && m.File == nil {
		return nil
	}
	data := m.data
	m.data, m.File = nil, nil
	if err := mmap.Unmap(data); err != nil {
		return fmt.Errorf("gguf: unmap: %w", err)
	}
	return nil
}
