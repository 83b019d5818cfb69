package ggml

import "github.com/gomistral/gomistral/ggml/gguf"

// Type is a GGML tensor type (enum ggml_type). It is the type GGUF files
// store, so the table of names and sizes lives in package gguf; this package
// adds what GGML can do with each type.
type Type = gguf.Type

// The GGML tensor types of the pinned GGML version.
const (
	F32     = gguf.TypeF32
	F16     = gguf.TypeF16
	Q4_0    = gguf.TypeQ4_0
	Q4_1    = gguf.TypeQ4_1
	Q5_0    = gguf.TypeQ5_0
	Q5_1    = gguf.TypeQ5_1
	Q8_0    = gguf.TypeQ8_0
	Q8_1    = gguf.TypeQ8_1
	Q2_K    = gguf.TypeQ2_K
	Q3_K    = gguf.TypeQ3_K
	Q4_K    = gguf.TypeQ4_K
	Q5_K    = gguf.TypeQ5_K
	Q6_K    = gguf.TypeQ6_K
	Q8_K    = gguf.TypeQ8_K
	IQ2_XXS = gguf.TypeIQ2_XXS
	IQ2_XS  = gguf.TypeIQ2_XS
	IQ3_XXS = gguf.TypeIQ3_XXS
	IQ1_S   = gguf.TypeIQ1_S
	IQ4_NL  = gguf.TypeIQ4_NL
	IQ3_S   = gguf.TypeIQ3_S
	IQ2_S   = gguf.TypeIQ2_S
	IQ4_XS  = gguf.TypeIQ4_XS
	I8      = gguf.TypeI8
	I16     = gguf.TypeI16
	I32     = gguf.TypeI32
	I64     = gguf.TypeI64
	F64     = gguf.TypeF64
	IQ1_M   = gguf.TypeIQ1_M
	BF16    = gguf.TypeBF16
	TQ1_0   = gguf.TypeTQ1_0
	TQ2_0   = gguf.TypeTQ2_0
	MXFP4   = gguf.TypeMXFP4
)

// quantizable lists the types GGML's ggml_quantize_chunk can produce from
// float32 rows, and whether it needs an importance matrix to do so.
var quantizable = map[Type]bool{
	F32: false, F16: false, BF16: false,
	Q4_0: false, Q4_1: false, Q5_0: false, Q5_1: false, Q8_0: false, MXFP4: false,
	Q2_K: false, Q3_K: false, Q4_K: false, Q5_K: false, Q6_K: false,
	TQ1_0: false, TQ2_0: false,
	IQ2_XXS: true, IQ2_XS: true, IQ1_S: true,
	IQ3_XXS: false, IQ3_S: false, IQ2_S: false, IQ1_M: false, IQ4_NL: false, IQ4_XS: false,
}

// CanQuantize reports whether GGML can convert float32 rows to type t.
func CanQuantize(t Type) bool {
	_, ok := quantizable[t]
	return ok
}

// NeedsImportance reports whether quantising to t requires an importance
// matrix (GGML's ggml_quantize_requires_imatrix).
func NeedsImportance(t Type) bool {
	return quantizable[t]
}
