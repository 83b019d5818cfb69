//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/gomistral/gomistral/internal/mmap"
)

// CanRepack reports whether GGML's CPU backend, as built, has an interleaved
// layout for a 2-D matrix of this type and shape whose products it computes
// faster than the plain layout's: Q4_0, Q4_K and IQ4_NL matrices with a
// multiple of 8 rows, on x86-64 with AVX2. (GGML has such layouts for ARM
// too; they are not offered here because nothing here has tested them.)
func CanRepack(typ Type, shape []int64) bool {
	if runtime.GOARCH != "amd64" || !Built().AVX2 || len(shape) != 2 {
		return false
	}
	switch typ {
	case Q4_0, Q4_K, IQ4_NL:
	default:
		return false
	}
	return shape[1] > 0 && shape[1]%8 == 0 && shape[0]%8 == 0 && shape[0]%int64(typ.BlockSize()) == 0
}

// NewRepackBuffer allocates size bytes of the CPU backend's repacking memory.
// Matrices are put in it with PlaceRepacked, which stores them interleaved;
// the CPU backend then multiplies them (MulMat with an F32 right operand)
// with its interleaved kernels. A repacked tensor can only be the left
// operand of MulMat: it cannot be read back, viewed or used by other
// operations. On Linux the memory asks for transparent huge pages (the
// weights are streamed through on every token, and filled once).
func NewRepackBuffer(size int64) (*Buffer, error) {
	if size <= 0 {
		return nil, fmt.Errorf("ggml: NewRepackBuffer: size %d", size)
	}
	buft := C.gm_repack_buffer_type()
	if buft == nil {
		return nil, errors.New("ggml: NewRepackBuffer: GGML has no repacking buffer type")
	}
	c := C.ggml_backend_buft_alloc_buffer(buft, C.size_t(size))
	if c == nil {
		return nil, fmt.Errorf("ggml: NewRepackBuffer: out of memory (%d bytes)", size)
	}
	buf := &Buffer{c: c, base: C.ggml_backend_buffer_get_base(c), size: int64(C.ggml_backend_buffer_get_size(c)),
		repack: true}
	mmap.HugePages(unsafe.Slice((*byte)(buf.base), buf.size))
	return buf, nil
}

// PlaceRepacked puts t at the byte offset of a repacking buffer and stores
// data, the whole matrix in GGML's plain layout, interleaved. t must satisfy
// CanRepack and data must be exactly its bytes.
func (buf *Buffer) PlaceRepacked(t *Tensor, offset int64, data []byte) error {
	if buf.c == nil {
		panic("ggml: use of a closed Buffer")
	}
	if !buf.repack {
		return fmt.Errorf("ggml: PlaceRepacked %v: not a repacking buffer", t)
	}
	if !CanRepack(t.typ, t.Shape()) || !t.Contiguous() {
		return fmt.Errorf("ggml: PlaceRepacked %v: no interleaved layout for this type and shape", t)
	}
	if int64(len(data)) != t.Bytes() {
		return fmt.Errorf("ggml: PlaceRepacked %v: %d bytes of data, want %d", t, len(data), t.Bytes())
	}
	if err := buf.Place(t, offset); err != nil {
		return err
	}
	C.ggml_backend_tensor_set(t.c, unsafe.Pointer(&data[0]), 0, C.size_t(len(data)))
	t.repacked = true
	return nil
}
