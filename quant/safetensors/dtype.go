package safetensors

// DType is the element type of a tensor, spelled as in the header ("F16").
type DType string

// The element types this package knows. A header naming any other type is
// rejected with a *FormatError.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
	F8E8M0 DType = "F8_E8M0"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	I64    DType = "I64"
	U64    DType = "U64"
	F64    DType = "F64"
	C64    DType = "C64"
)

// dtypeSizes maps each known element type to its size in bytes.
var dtypeSizes = map[DType]int{
	BOOL: 1, U8: 1, I8: 1, F8E4M3: 1, F8E5M2: 1, F8E8M0: 1,
	I16: 2, U16: 2, F16: 2, BF16: 2,
	I32: 4, U32: 4, F32: 4,
	I64: 8, U64: 8, F64: 8, C64: 8,
}

// Size returns the size of one element in bytes, or 0 for an unknown type.
func (d DType) Size() int { return dtypeSizes[d] }

// Known reports whether d is one of the element types this package knows.
func (d DType) Known() bool { return d.Size() > 0 }

// String returns the type as spelled in headers.
func (d DType) String() string { return string(d) }
