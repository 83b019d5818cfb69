//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"fmt"
	"unsafe"
)

// The facts GGML itself reports about a type, for tests that check this
// package's declarations against the linked library.
type typeFacts struct {
	name            string // ggml_type_name
	size            int    // ggml_type_size
	block           int    // ggml_blck_size
	traitsName      string // ggml_get_type_traits(t)->type_name, to check our struct layout
	traitsSize      int
	traitsBlock     int
	traitsQuantized bool
	quantized       bool // ggml_is_quantized
	requiresImatrix bool // ggml_quantize_requires_imatrix
	vecDotType      Type // the CPU backend's vec_dot_type, or F32 when it has none
	hasCPUFromFloat bool
}

func factsOf(t Type) typeFacts {
	tr := C.ggml_get_type_traits(C.int(t))
	f := typeFacts{
		name:            C.GoString(C.ggml_type_name(C.int(t))),
		size:            int(C.ggml_type_size(C.int(t))),
		block:           int(C.ggml_blck_size(C.int(t))),
		traitsName:      C.GoString(tr.type_name),
		traitsSize:      int(tr.type_size),
		traitsBlock:     int(tr.blck_size),
		traitsQuantized: bool(tr.is_quantized),
		quantized:       bool(C.ggml_is_quantized(C.int(t))),
		requiresImatrix: bool(C.ggml_quantize_requires_imatrix(C.int(t))),
	}
	if ct := C.ggml_get_type_traits_cpu(C.int(t)); ct != nil {
		f.vecDotType = Type(ct.vec_dot_type)
		f.hasCPUFromFloat = ct.from_float != nil
	}
	return f
}

// VecDotType returns the type the CPU backend converts the activations to
// before multiplying them with weights of type t (for example Q8_0 for Q4_0
// weights, F16 for F16), so that a reference can round them the same way.
func VecDotType(t Type) Type {
	ct := C.ggml_get_type_traits_cpu(C.int(t))
	if ct == nil {
		return F32
	}
	return Type(ct.vec_dot_type)
}

// FromFloat converts float32 values to type t with the CPU backend's own
// conversion (the one applied to activations), writing whole blocks to dst.
func FromFloat(t Type, dst []byte, src []float32) error {
	ct := C.ggml_get_type_traits_cpu(C.int(t))
	if !t.Known() || ct == nil || ct.from_float == nil {
		return fmt.Errorf("ggml: from float to %v: %w", t, ErrUnsupportedType)
	}
	want, err := t.RowBytes(int64(len(src)))
	if err != nil || int64(len(dst)) != want {
		return fmt.Errorf("ggml: from float to %v: %d values into %d bytes", t, len(src), len(dst))
	}
	if len(src) == 0 {
		return nil
	}
	C.gm_from_float(ct, (*C.float)(unsafe.Pointer(&src[0])), unsafe.Pointer(&dst[0]), C.int64_t(len(src)))
	return nil
}

// tensorFacts returns what GGML computes for t, to check the Go-side shape
// tracking against it.
func tensorFacts(t *Tensor) (elements, rows, bytes int64, contiguous bool) {
	return int64(C.ggml_nelements(t.c)), int64(C.ggml_nrows(t.c)), int64(C.ggml_nbytes(t.c)), bool(C.ggml_is_contiguous(t.c))
}

// Computable reports whether the CPU backend can multiply with and gather
// rows from weights of type t.
func Computable(t Type) bool {
	if t == F32 {
		return true
	}
	if !t.Known() {
		return false
	}
	tr := C.ggml_get_type_traits(C.int(t))
	ct := C.ggml_get_type_traits_cpu(C.int(t))
	return tr != nil && tr.to_float != nil && ct != nil && ct.vec_dot != nil
}
