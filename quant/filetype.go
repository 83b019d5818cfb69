package quant

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// FileType is a named quantisation of a whole model, what llama.cpp calls
// an ftype: Q4_K_M, Q8_0, F16, ... It names the main tensor type of the
// file and, for the quantised ones, a mixture: rules that give some tensors
// more bits than others (see the mixture table in mixture.go). The values
// are those of llama.cpp's enum llama_ftype, which GGUF files carry in
// general.file_type.
//
// The zero value is FileTypeF32.
type FileType uint32

// The file types this package writes, numbered as llama.cpp numbers them.
// Numbers that llama.cpp retired (4 to 6) or that need an importance matrix
// (the IQ types) are left out.
const (
	FileTypeF32    FileType = 0  // LLAMA_FTYPE_ALL_F32
	FileTypeF16    FileType = 1  // LLAMA_FTYPE_MOSTLY_F16
	FileTypeQ4_0   FileType = 2  // LLAMA_FTYPE_MOSTLY_Q4_0
	FileTypeQ4_1   FileType = 3  // LLAMA_FTYPE_MOSTLY_Q4_1
	FileTypeQ8_0   FileType = 7  // LLAMA_FTYPE_MOSTLY_Q8_0
	FileTypeQ5_0   FileType = 8  // LLAMA_FTYPE_MOSTLY_Q5_0
	FileTypeQ5_1   FileType = 9  // LLAMA_FTYPE_MOSTLY_Q5_1
	FileTypeQ2_K   FileType = 10 // LLAMA_FTYPE_MOSTLY_Q2_K
	FileTypeQ3_K_S FileType = 11 // LLAMA_FTYPE_MOSTLY_Q3_K_S
	FileTypeQ3_K_M FileType = 12 // LLAMA_FTYPE_MOSTLY_Q3_K_M
	FileTypeQ3_K_L FileType = 13 // LLAMA_FTYPE_MOSTLY_Q3_K_L
	FileTypeQ4_K_S FileType = 14 // LLAMA_FTYPE_MOSTLY_Q4_K_S
	FileTypeQ4_K_M FileType = 15 // LLAMA_FTYPE_MOSTLY_Q4_K_M
	FileTypeQ5_K_S FileType = 16 // LLAMA_FTYPE_MOSTLY_Q5_K_S
	FileTypeQ5_K_M FileType = 17 // LLAMA_FTYPE_MOSTLY_Q5_K_M
	FileTypeQ6_K   FileType = 18 // LLAMA_FTYPE_MOSTLY_Q6_K
	FileTypeBF16   FileType = 32 // LLAMA_FTYPE_MOSTLY_BF16
)

// fileTypeInfo describes one file type: its name and the tensor type of
// the weights that no mixture rule singles out.
type fileTypeInfo struct {
	name string
	base gguf.Type
}

// fileTypeInfos lists the file types in the order FileTypes returns them:
// floats first, then from the most bits to the fewest within each family.
var fileTypeInfos = []struct {
	ft FileType
	fileTypeInfo
}{
	{FileTypeF32, fileTypeInfo{"F32", gguf.TypeF32}},
	{FileTypeF16, fileTypeInfo{"F16", gguf.TypeF16}},
	{FileTypeBF16, fileTypeInfo{"BF16", gguf.TypeBF16}},
	{FileTypeQ8_0, fileTypeInfo{"Q8_0", gguf.TypeQ8_0}},
	{FileTypeQ5_1, fileTypeInfo{"Q5_1", gguf.TypeQ5_1}},
	{FileTypeQ5_0, fileTypeInfo{"Q5_0", gguf.TypeQ5_0}},
	{FileTypeQ4_1, fileTypeInfo{"Q4_1", gguf.TypeQ4_1}},
	{FileTypeQ4_0, fileTypeInfo{"Q4_0", gguf.TypeQ4_0}},
	{FileTypeQ6_K, fileTypeInfo{"Q6_K", gguf.TypeQ6_K}},
	{FileTypeQ5_K_M, fileTypeInfo{"Q5_K_M", gguf.TypeQ5_K}},
	{FileTypeQ5_K_S, fileTypeInfo{"Q5_K_S", gguf.TypeQ5_K}},
	{FileTypeQ4_K_M, fileTypeInfo{"Q4_K_M", gguf.TypeQ4_K}},
	{FileTypeQ4_K_S, fileTypeInfo{"Q4_K_S", gguf.TypeQ4_K}},
	{FileTypeQ3_K_L, fileTypeInfo{"Q3_K_L", gguf.TypeQ3_K}},
	{FileTypeQ3_K_M, fileTypeInfo{"Q3_K_M", gguf.TypeQ3_K}},
	{FileTypeQ3_K_S, fileTypeInfo{"Q3_K_S", gguf.TypeQ3_K}},
	{FileTypeQ2_K, fileTypeInfo{"Q2_K", gguf.TypeQ2_K}},
}

func (ft FileType) info() (fileTypeInfo, bool) {
	for _, e := range fileTypeInfos {
		if e.ft == ft {
			return e.fileTypeInfo, true
		}
	}
	return fileTypeInfo{}, false
}

// FileTypes returns every file type this package writes: F32, F16, BF16,
// then the quantisations from the most bits per weight to the fewest within
// each family (Q8_0 ... Q4_0, then Q6_K ... Q2_K).
func FileTypes() []FileType {
	out := make([]FileType, len(fileTypeInfos))
	for i, e := range fileTypeInfos {
		out[i] = e.ft
	}
	return out
}

// Valid reports whether ft is one of the file types this package writes.
func (ft FileType) Valid() bool {
	_, ok := ft.info()
	return ok
}

// String returns the file type's name as users know it from llama.cpp
// ("Q4_K_M", "F16", ...), or "FileType(N)" for one this package does not
// write.
func (ft FileType) String() string {
	if info, ok := ft.info(); ok {
		return info.name
	}
	return "FileType(" + strconv.FormatUint(uint64(ft), 10) + ")"
}

// BaseType returns the tensor type of the weights that no mixture rule
// singles out: gguf.TypeQ4_K for Q4_K_M, gguf.TypeQ8_0 for Q8_0. It returns
// 0 (gguf.TypeF32) for an invalid file type.
func (ft FileType) BaseType() gguf.Type {
	info, _ := ft.info()
	return info.base
}

// quantized reports whether the file type's weights are quantised (rather
// than floats), so that the mixture rules apply.
func (ft FileType) quantized() bool {
	switch ft.BaseType() {
	case gguf.TypeF32, gguf.TypeF16, gguf.TypeBF16:
		return false
	}
	return true
}

// ParseFileType returns the file type named s, in any case: "Q4_K_M",
// "q4_k_m", "f16", "bf16". It fails with an error wrapping ErrUnsupported
// that lists the valid names.
func ParseFileType(s string) (FileType, error) {
	for _, e := range fileTypeInfos {
		if strings.EqualFold(s, e.name) {
			return e.ft, nil
		}
	}
	names := make([]string, len(fileTypeInfos))
	for i, e := range fileTypeInfos {
		names[i] = e.name
	}
	return 0, fmt.Errorf("quant: unknown quantisation type %q (want one of %s): %w", s, strings.Join(names, ", "), ErrUnsupported)
}
