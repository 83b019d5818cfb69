//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"encoding/binary"
	"fmt"
	"math"
	"unsafe"
)

// Quantize converts rows of float32 values (rows × rowLen, row-major) to type
// t with GGML's quantisers and writes them to dst, which must hold exactly
// t.RowBytes(rowLen) × rows bytes. importance, when not nil, holds one weight
// per column (rowLen values) telling the quantiser which columns matter most;
// types for which NeedsImportance is true require it. Quantize is safe for
// concurrent use on disjoint data.
func Quantize(t Type, dst []byte, src []float32, rows, rowLen int, importance []float32) error {
	if !CanQuantize(t) {
		return fmt.Errorf("ggml: quantize to %v: %w", t, ErrUnsupportedType)
	}
	if rows < 0 || rowLen <= 0 || rowLen%t.BlockSize() != 0 {
		return fmt.Errorf("ggml: quantize to %v: row length %d is not a positive multiple of the block size %d", t, rowLen, t.BlockSize())
	}
	rowBytes, err := t.RowBytes(int64(rowLen))
	if err != nil {
		return fmt.Errorf("ggml: quantize to %v: %w", t, err)
	}
	if int64(len(src)) != int64(rows)*int64(rowLen) || int64(len(dst)) != int64(rows)*rowBytes {
		return fmt.Errorf("ggml: quantize to %v: %d values and %d bytes for %d rows of %d", t, len(src), len(dst), rows, rowLen)
	}
	if importance != nil && len(importance) != rowLen {
		return fmt.Errorf("ggml: quantize to %v: %d importance weights for rows of %d", t, len(importance), rowLen)
	}
	if NeedsImportance(t) && importance == nil {
		return fmt.Errorf("ggml: quantize to %v: this type needs an importance matrix", t)
	}
	if rows == 0 {
		return nil
	}
	var imp *C.float
	if importance != nil {
		imp = (*C.float)(unsafe.Pointer(&importance[0]))
	}
	n := C.ggml_quantize_chunk(C.int(t), (*C.float)(unsafe.Pointer(&src[0])), unsafe.Pointer(&dst[0]),
		0, C.int64_t(rows), C.int64_t(rowLen), imp)
	if int64(n) != int64(len(dst)) {
		return fmt.Errorf("ggml: quantize to %v: GGML wrote %d bytes, want %d", t, n, len(dst))
	}
	return nil
}

// Dequantize converts data of type t (a whole number of blocks) to float32
// values in dst, which must hold exactly the number of elements the data
// encodes. It uses GGML's own conversion routines.
func Dequantize(t Type, dst []float32, src []byte) error {
	if !t.Known() {
		return fmt.Errorf("ggml: dequantize %v: %w", t, ErrUnsupportedType)
	}
	tr := C.ggml_get_type_traits(C.int(t))
	if t == F32 {
		if len(src) != 4*len(dst) {
			return fmt.Errorf("ggml: dequantize %v: %d bytes do not make %d values", t, len(src), len(dst))
		}
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
		return nil
	}
	if tr == nil || tr.to_float == nil {
		return fmt.Errorf("ggml: dequantize %v: %w", t, ErrUnsupportedType)
	}
	bb, bs := t.BlockBytes(), t.BlockSize()
	if len(src)%bb != 0 || len(src)/bb*bs != len(dst) {
		return fmt.Errorf("ggml: dequantize %v: %d bytes do not make %d values", t, len(src), len(dst))
	}
	if len(dst) == 0 {
		return nil
	}
	C.gm_dequantize(tr, unsafe.Pointer(&src[0]), (*C.float)(unsafe.Pointer(&dst[0])), C.int64_t(len(dst)))
	return nil
}
