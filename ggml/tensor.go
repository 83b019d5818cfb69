//go:build cgo

package ggml

// #include <stdlib.h>
// #include "api.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// Tensor is a GGML tensor: a pointer to GGML's opaque struct plus its type,
// shape and strides, which the Go side tracks itself. A Tensor belongs to the
// Context that made it.
type Tensor struct {
	c    *C.struct_ggml_tensor
	typ  Type
	dims int      // dimensions it was made with, 1 to 4
	ne   [4]int64 // elements along each dimension; ne[0] varies fastest
	nb   [4]int64 // stride of each dimension in bytes

	repacked bool // stored interleaved (Buffer.PlaceRepacked): MulMat only
}

// Type returns the tensor's element type.
func (t *Tensor) Type() Type { return t.typ }

// Dims returns the number of dimensions the tensor was made with.
func (t *Tensor) Dims() int { return t.dims }

// Dim returns the number of elements along dimension i (1 beyond Dims).
func (t *Tensor) Dim(i int) int64 { return t.ne[i] }

// Stride returns the distance in bytes between consecutive indices of
// dimension i.
func (t *Tensor) Stride(i int) int64 { return t.nb[i] }

// Shape returns the dimensions, ne[0] first.
func (t *Tensor) Shape() []int64 { return append([]int64(nil), t.ne[:t.dims]...) }

// Elements returns the number of elements.
func (t *Tensor) Elements() int64 { return t.ne[0] * t.ne[1] * t.ne[2] * t.ne[3] }

// Rows returns the number of rows (all dimensions but the first).
func (t *Tensor) Rows() int64 { return t.ne[1] * t.ne[2] * t.ne[3] }

// Bytes returns the size in bytes of the memory the tensor spans, as GGML
// counts it (ggml_nbytes): for a view with gaps, from its first byte to its last.
func (t *Tensor) Bytes() int64 {
	blck := int64(t.typ.BlockSize())
	var n int64
	if blck == 1 {
		n = int64(t.typ.BlockBytes())
		for i := 0; i < 4; i++ {
			n += (t.ne[i] - 1) * t.nb[i]
		}
		return n
	}
	n = t.ne[0] * t.nb[0] / blck
	for i := 1; i < 4; i++ {
		n += (t.ne[i] - 1) * t.nb[i]
	}
	return n
}

// Contiguous reports whether the elements are packed in order with no gaps
// (GGML's ggml_is_contiguous; dimensions of length 1 may have any stride).
func (t *Tensor) Contiguous() bool {
	next := int64(t.typ.BlockBytes())
	if t.ne[0] != int64(t.typ.BlockSize()) && t.nb[0] != next {
		return false
	}
	next *= t.ne[0] / int64(t.typ.BlockSize())
	for i := 1; i < 4; i++ {
		if t.ne[i] == 1 {
			continue
		}
		if t.nb[i] != next {
			return false
		}
		next *= t.ne[i]
	}
	return true
}

// String describes the tensor: type, shape and, for views, strides.
func (t *Tensor) String() string {
	if t.Contiguous() {
		return fmt.Sprintf("%v%v", t.typ, t.ne[:t.dims])
	}
	return fmt.Sprintf("%v%v strides %v", t.typ, t.ne[:t.dims], t.nb[:t.dims])
}

// SetName names the tensor (at most 63 bytes; longer names are cut). Names
// show in GGML's diagnostics.
func (t *Tensor) SetName(name string) *Tensor {
	if len(name) > 63 {
		name = name[:63]
	}
	cs := C.CString(name)
	defer C.free(unsafe.Pointer(cs))
	C.ggml_set_name(t.c, cs)
	return t
}

// SetInput marks the tensor as an input of its graph, so the graph allocator
// gives it memory of its own that nothing else overwrites before compute.
func (t *Tensor) SetInput() *Tensor { C.ggml_set_input(t.c); return t }

// SetOutput marks the tensor as an output of its graph, so the graph
// allocator never reuses its memory for later nodes.
func (t *Tensor) SetOutput() *Tensor { C.ggml_set_output(t.c); return t }

// Allocated reports whether the tensor's data has a place in a buffer.
func (t *Tensor) Allocated() bool { return t.data() != nil }

// data returns where t's data is (nil before it is placed).
func (t *Tensor) data() unsafe.Pointer { return C.ggml_get_data(t.c) }

// checkIO panics unless n bytes at offset fit in an allocated, contiguous tensor.
func (t *Tensor) checkIO(op string, offset, n int64) {
	if t.repacked {
		panic(fmt.Sprintf("ggml: %s on %v: the tensor is repacked; only MulMat reads it", op, t))
	}
	if !t.Allocated() {
		panic(fmt.Sprintf("ggml: %s on %v: tensor has no data (not allocated)", op, t))
	}
	if !t.Contiguous() {
		panic(fmt.Sprintf("ggml: %s on %v: tensor is not contiguous", op, t))
	}
	if offset < 0 || n < 0 || offset+n > t.Bytes() {
		panic(fmt.Sprintf("ggml: %s on %v: bytes [%d, %d) outside [0, %d)", op, t, offset, offset+n, t.Bytes()))
	}
}

// Write copies data into the tensor at the byte offset.
func (t *Tensor) Write(data []byte, offset int64) {
	t.checkIO("Write", offset, int64(len(data)))
	if len(data) == 0 {
		return
	}
	C.ggml_backend_tensor_set(t.c, unsafe.Pointer(&data[0]), C.size_t(offset), C.size_t(len(data)))
}

// Read copies the tensor's bytes from the byte offset into dst.
func (t *Tensor) Read(dst []byte, offset int64) {
	t.checkIO("Read", offset, int64(len(dst)))
	if len(dst) == 0 {
		return
	}
	C.ggml_backend_tensor_get(t.c, unsafe.Pointer(&dst[0]), C.size_t(offset), C.size_t(len(dst)))
}

// setRaw copies n elements of size elem from p; the type must match.
func (t *Tensor) setRaw(op string, want Type, p unsafe.Pointer, n, elem int) {
	if t.typ != want {
		panic(fmt.Sprintf("ggml: %s on %v tensor", op, t.typ))
	}
	t.checkIO(op, 0, int64(n*elem))
	if n == 0 {
		return
	}
	C.ggml_backend_tensor_set(t.c, p, 0, C.size_t(n*elem))
}

// getRaw copies n elements of size elem into p; the type must match.
func (t *Tensor) getRaw(op string, want Type, p unsafe.Pointer, n, elem int) {
	if t.typ != want {
		panic(fmt.Sprintf("ggml: %s on %v tensor", op, t.typ))
	}
	t.checkIO(op, 0, int64(n*elem))
	if n == 0 {
		return
	}
	C.ggml_backend_tensor_get(t.c, p, 0, C.size_t(n*elem))
}

// SetF32 copies v into the start of an F32 tensor.
func (t *Tensor) SetF32(v []float32) {
	if len(v) == 0 {
		t.setRaw("SetF32", F32, nil, 0, 4)
		return
	}
	t.setRaw("SetF32", F32, unsafe.Pointer(&v[0]), len(v), 4)
}

// SetF16 copies v, IEEE half-precision bit patterns, into the start of an F16 tensor.
func (t *Tensor) SetF16(v []uint16) {
	if len(v) == 0 {
		t.setRaw("SetF16", F16, nil, 0, 2)
		return
	}
	t.setRaw("SetF16", F16, unsafe.Pointer(&v[0]), len(v), 2)
}

// SetI32 copies v into the start of an I32 tensor.
func (t *Tensor) SetI32(v []int32) {
	if len(v) == 0 {
		t.setRaw("SetI32", I32, nil, 0, 4)
		return
	}
	t.setRaw("SetI32", I32, unsafe.Pointer(&v[0]), len(v), 4)
}

// SetI64 copies v into the start of an I64 tensor.
func (t *Tensor) SetI64(v []int64) {
	if len(v) == 0 {
		t.setRaw("SetI64", I64, nil, 0, 8)
		return
	}
	t.setRaw("SetI64", I64, unsafe.Pointer(&v[0]), len(v), 8)
}

// ReadF32 copies the first len(dst) elements of an F32 tensor into dst.
func (t *Tensor) ReadF32(dst []float32) {
	if len(dst) == 0 {
		t.getRaw("ReadF32", F32, nil, 0, 4)
		return
	}
	t.getRaw("ReadF32", F32, unsafe.Pointer(&dst[0]), len(dst), 4)
}

// ReadF16 copies the first len(dst) elements of an F16 tensor into dst.
func (t *Tensor) ReadF16(dst []uint16) {
	if len(dst) == 0 {
		t.getRaw("ReadF16", F16, nil, 0, 2)
		return
	}
	t.getRaw("ReadF16", F16, unsafe.Pointer(&dst[0]), len(dst), 2)
}
