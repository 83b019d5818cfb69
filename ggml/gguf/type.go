package gguf

import (
	"fmt"
	"math"
	"strconv"
)

// Type is a GGML tensor type as stored in a GGUF tensor info (the values of
// GGML's enum ggml_type).
//
// Values that GGML removed (4, 5, 31 to 33, 36 to 38) or does not define
// (40 and above) are not Known; Decode rejects tensors of such types with
// ErrUnknownType.
type Type uint32

// The GGML tensor types. The values are those of enum ggml_type.
const (
	TypeF32     Type = 0
	TypeF16     Type = 1
	TypeQ4_0    Type = 2
	TypeQ4_1    Type = 3
	TypeQ5_0    Type = 6
	TypeQ5_1    Type = 7
	TypeQ8_0    Type = 8
	TypeQ8_1    Type = 9
	TypeQ2_K    Type = 10
	TypeQ3_K    Type = 11
	TypeQ4_K    Type = 12
	TypeQ5_K    Type = 13
	TypeQ6_K    Type = 14
	TypeQ8_K    Type = 15
	TypeIQ2_XXS Type = 16
	TypeIQ2_XS  Type = 17
	TypeIQ3_XXS Type = 18
	TypeIQ1_S   Type = 19
	TypeIQ4_NL  Type = 20
	TypeIQ3_S   Type = 21
	TypeIQ2_S   Type = 22
	TypeIQ4_XS  Type = 23
	TypeI8      Type = 24
	TypeI16     Type = 25
	TypeI32     Type = 26
	TypeI64     Type = 27
	TypeF64     Type = 28
	TypeIQ1_M   Type = 29
	TypeBF16    Type = 30
	TypeTQ1_0   Type = 34
	TypeTQ2_0   Type = 35
	TypeMXFP4   Type = 39
)

// Block sizes of GGML's quantisation formats (elements per block).
const (
	qk32 = 32  // QK4_0, QK4_1, QK5_0, QK5_1, QK8_0, QK8_1, QK4_NL, QK_MXFP4
	qkK  = 256 // QK_K, the super-block of the k-quants, i-quants and t-quants
)

// typeTraits describes the storage of one tensor type.
type typeTraits struct {
	name       string // ggml_type_name
	blockSize  int    // elements per block (ggml_blck_size)
	blockBytes int    // bytes per block (ggml_type_size)
}

// traits is indexed by Type; a zero entry is an unknown type. The block
// layouts are those of GGML's ggml-common.h (sizes in the comments).
var traits = [...]typeTraits{
	TypeF32:     {"f32", 1, 4},
	TypeF16:     {"f16", 1, 2},
	TypeQ4_0:    {"q4_0", qk32, 18},   // f16 d, 16 bytes of nibbles
	TypeQ4_1:    {"q4_1", qk32, 20},   // f16 d, f16 m, 16 bytes of nibbles
	TypeQ5_0:    {"q5_0", qk32, 22},   // f16 d, 4 bytes of high bits, 16 bytes of nibbles
	TypeQ5_1:    {"q5_1", qk32, 24},   // f16 d, f16 m, 4 bytes of high bits, 16 bytes of nibbles
	TypeQ8_0:    {"q8_0", qk32, 34},   // f16 d, 32 int8
	TypeQ8_1:    {"q8_1", qk32, 36},   // f16 d, f16 s, 32 int8
	TypeQ2_K:    {"q2_K", qkK, 84},    // 2 f16, 16 scales, 64 bytes of quants
	TypeQ3_K:    {"q3_K", qkK, 110},   // f16 d, 32 bytes hmask, 64 bytes quants, 12 scales
	TypeQ4_K:    {"q4_K", qkK, 144},   // 2 f16, 12 scales, 128 bytes of quants
	TypeQ5_K:    {"q5_K", qkK, 176},   // 2 f16, 12 scales, 32 bytes high bits, 128 bytes quants
	TypeQ6_K:    {"q6_K", qkK, 210},   // f16 d, 16 scales, 192 bytes of quants
	TypeQ8_K:    {"q8_K", qkK, 292},   // f32 d, 256 int8, 16 int16 sums
	TypeIQ2_XXS: {"iq2_xxs", qkK, 66}, // f16 d, 32 uint16
	TypeIQ2_XS:  {"iq2_xs", qkK, 74},  // f16 d, 32 uint16, 8 scales
	TypeIQ3_XXS: {"iq3_xxs", qkK, 98}, // f16 d, 96 bytes
	TypeIQ1_S:   {"iq1_s", qkK, 50},   // f16 d, 32 bytes qs, 16 bytes qh
	TypeIQ4_NL:  {"iq4_nl", qk32, 18}, // f16 d, 16 bytes of nibbles
	TypeIQ3_S:   {"iq3_s", qkK, 110},  // f16 d, 64 qs, 8 qh, 32 signs, 4 scales
	TypeIQ2_S:   {"iq2_s", qkK, 82},   // f16 d, 64 qs, 8 qh, 8 scales
	TypeIQ4_XS:  {"iq4_xs", qkK, 136}, // f16 d, uint16 scales_h, 4 scales_l, 128 qs
	TypeI8:      {"i8", 1, 1},
	TypeI16:     {"i16", 1, 2},
	TypeI32:     {"i32", 1, 4},
	TypeI64:     {"i64", 1, 8},
	TypeF64:     {"f64", 1, 8},
	TypeIQ1_M:   {"iq1_m", qkK, 56}, // 32 qs, 16 qh, 8 scales
	TypeBF16:    {"bf16", 1, 2},
	TypeTQ1_0:   {"tq1_0", qkK, 54},  // 48 qs, 4 qh, f16 d
	TypeTQ2_0:   {"tq2_0", qkK, 66},  // 64 qs, f16 d
	TypeMXFP4:   {"mxfp4", qk32, 17}, // e8m0 scale, 16 bytes of nibbles
}

func (t Type) traits() typeTraits {
	if uint64(t) >= uint64(len(traits)) {
		return typeTraits{}
	}
	return traits[t]
}

// Known reports whether t is a tensor type that GGML defines (and that
// this package can size).
func (t Type) Known() bool { return t.traits().blockSize != 0 }

// String returns GGML's name of the type ("f32", "q4_K", "iq2_xxs", ...),
// or "Type(N)" for an unknown type.
func (t Type) String() string {
	if tr := t.traits(); tr.blockSize != 0 {
		return tr.name
	}
	return "Type(" + strconv.FormatUint(uint64(t), 10) + ")"
}

// BlockSize returns the number of elements in one block of the type, or 0
// for an unknown type.
func (t Type) BlockSize() int { return t.traits().blockSize }

// BlockBytes returns the number of bytes in one block of the type, or 0 for
// an unknown type.
func (t Type) BlockBytes() int { return t.traits().blockBytes }

// RowBytes returns the number of bytes that n elements of type t occupy.
// It fails if t is unknown, n is negative, n is not a multiple of the block
// size, or the result does not fit an int64.
func (t Type) RowBytes(n int64) (int64, error) {
	tr := t.traits()
	switch {
	case tr.blockSize == 0:
		return 0, fmt.Errorf("gguf: unknown tensor type %v", t)
	case n < 0:
		return 0, fmt.Errorf("gguf: negative element count %d", n)
	case n%int64(tr.blockSize) != 0:
		return 0, fmt.Errorf("gguf: %d elements of type %v: not a multiple of the block size %d", n, t, tr.blockSize)
	}
	blocks := n / int64(tr.blockSize)
	if blocks > math.MaxInt64/int64(tr.blockBytes) {
		return 0, fmt.Errorf("gguf: %d elements of type %v: byte size overflows int64", n, t)
	}
	return blocks * int64(tr.blockBytes), nil
}

// Types returns every known tensor type in ascending order.
func Types() []Type {
	ts := make([]Type, 0, len(traits))
	for i := range traits {
		if t := Type(i); t.Known() {
			ts = append(ts, t)
		}
	}
	return ts
}
