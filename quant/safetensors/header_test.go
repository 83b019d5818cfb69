package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseHeaderValid(t *testing.T) {
	b := encodeFile(t, []testTensor{
		{"a", F16, []int64{2, 3}, make([]byte, 12)},
		{"b", F32, []int64{}, make([]byte, 4)},
		{"empty", BF16, []int64{0, 7}, nil},
		{"c", U8, []int64{5}, make([]byte, 5)},
	}, map[string]string{"format": "pt"})
	h, err := ReadHeader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"format": "pt"}, h.Metadata)
	assert.Equal(t, int64(21), h.DataSize)
	assert.Equal(t, int64(len(b))-21, h.DataOffset)
	require.Len(t, h.Tensors, 4)
	byName := map[string]TensorInfo{}
	for _, ti := range h.Tensors {
		byName[ti.Name] = ti
	}
	assert.Equal(t, TensorInfo{Name: "a", DType: F16, Shape: []int64{2, 3}, Begin: 0, End: 12}, byName["a"])
	assert.Equal(t, int64(1), byName["b"].NumElements())
	assert.Equal(t, int64(0), byName["empty"].NumElements())
	assert.Equal(t, int64(5), byName["c"].Size())
}

func TestParseHeaderKeepsOrderAndPadding(t *testing.T) {
	// Offsets need not follow the order of the header; padding spaces after the
	// object are allowed (writers pad the header to 8 bytes).
	js := `{"z":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"y":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}   `
	h, err := ParseHeader([]byte(js), 8)
	require.NoError(t, err)
	require.Len(t, h.Tensors, 2)
	assert.Equal(t, "z", h.Tensors[0].Name)
	assert.Equal(t, "y", h.Tensors[1].Name)
	assert.Nil(t, h.Metadata)
}

func TestParseHeaderErrors(t *testing.T) {
	tensor := func(name, body string) string { return `"` + name + `":` + body }
	f16x4 := `{"dtype":"F16","shape":[2,2],"data_offsets":[0,8]}`
	tests := []struct {
		name     string
		header   string
		dataSize int64
		want     string // part of the error message
	}{
		{"empty", ``, 0, "does not start with '{'"},
		{"not object", `[1]`, 0, "does not start with '{'"},
		{"syntax", `{"a":`, 0, "invalid JSON"},
		{"trailing", `{} {}`, 0, "trailing data"},
		{"trailing garbage", `{}x`, 0, "invalid JSON"},
		{"invalid utf8", "{\"\xff\":1}", 0, "UTF-8"},
		{"duplicate", `{` + tensor("a", f16x4) + `,` + tensor("a", f16x4) + `}`, 8, `duplicate entry "a"`},
		{"empty name", `{` + tensor("", f16x4) + `}`, 8, "empty name"},
		{"unknown dtype", `{"a":{"dtype":"F17","shape":[1],"data_offsets":[0,2]}}`, 2, `unknown dtype "F17"`},
		{"sub-byte dtype", `{"a":{"dtype":"F4","shape":[2],"data_offsets":[0,1]}}`, 1, `unknown dtype "F4"`},
		{"dtype case", `{"a":{"dtype":"f16","shape":[1],"data_offsets":[0,2]}}`, 2, `unknown dtype "f16"`},
		{"dtype not string", `{"a":{"dtype":16,"shape":[1],"data_offsets":[0,2]}}`, 2, "dtype is not a string"},
		{"missing dtype", `{"a":{"shape":[1],"data_offsets":[0,2]}}`, 2, `missing field "dtype"`},
		{"missing shape", `{"a":{"dtype":"F16","data_offsets":[0,2]}}`, 2, `missing field "shape"`},
		{"missing offsets", `{"a":{"dtype":"F16","shape":[1]}}`, 2, `missing field "data_offsets"`},
		{"unknown field", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2],"x":1}}`, 2, `unknown field "x"`},
		{"field case", `{"a":{"DType":"F16","shape":[1],"data_offsets":[0,2]}}`, 2, `unknown field "DType"`},
		{"entry not object", `{"a":[1]}`, 0, "entry is not an object"},
		{"negative dim", `{"a":{"dtype":"F16","shape":[-1],"data_offsets":[0,2]}}`, 2, "shape: value \"-1\""},
		{"fractional dim", `{"a":{"dtype":"F16","shape":[1.5],"data_offsets":[0,2]}}`, 2, "shape: value \"1.5\""},
		{"string dim", `{"a":{"dtype":"F16","shape":["1"],"data_offsets":[0,2]}}`, 2, "shape: value"},
		{"shape null", `{"a":{"dtype":"F16","shape":null,"data_offsets":[0,2]}}`, 2, "shape: not an array"},
		{"huge dim", `{"a":{"dtype":"F16","shape":[18446744073709551616],"data_offsets":[0,2]}}`, 2, "shape: value"},
		{"overflow", `{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}`, 0, "overflows"},
		{"overflow by dtype", `{"a":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}`, 0, "overflows"},
		{"three offsets", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2,4]}}`, 4, "has 3 values, want 2"},
		{"reversed offsets", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[2,0]}}`, 2, "end before they begin"},
		{"size mismatch", `{"a":{"dtype":"F16","shape":[2,2],"data_offsets":[0,6]}}`, 6, "needs 8 bytes"},
		{"past the end", `{` + tensor("a", f16x4) + `}`, 4, "run past the 4-byte data section"},
		{"gap at start", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[2,4]}}`, 4, "gap of 2 bytes"},
		{"gap between", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F16","shape":[1],"data_offsets":[4,6]}}`, 6, "gap of 2 bytes"},
		{"overlap", `{"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},"b":{"dtype":"F16","shape":[1],"data_offsets":[2,4]}}`, 4, "overlap"},
		{"same range", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"b":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 2, "overlap"},
		{"data left over", `{"a":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}`, 6, "4 bytes in the data section after the last tensor"},
		{"metadata not object", `{"__metadata__":"x"}`, 0, "__metadata__ is not an object"},
		{"metadata not string", `{"__metadata__":{"a":1}}`, 0, `metadata "a" is not a string`},
		{"metadata duplicate key", `{"__metadata__":{"a":"1","a":"2"}}`, 0, `duplicate metadata key "a"`},
		{"metadata twice", `{"__metadata__":{},"__metadata__":{}}`, 0, `duplicate entry "__metadata__"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseHeader([]byte(tt.header), tt.dataSize)
			require.Error(t, err)
			assert.Nil(t, h)
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "error %v is not a *FormatError", err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), "safetensors: ")
		})
	}
}

func TestReadHeaderErrors(t *testing.T) {
	good := encodeFile(t, []testTensor{{"a", F16, []int64{4}, make([]byte, 8)}}, nil)
	lengthSays := func(n uint64) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint64(b, n)
		return b
	}
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty file", nil, "shorter than the 8-byte header length"},
		{"short file", []byte{1, 2, 3}, "shorter than the 8-byte header length"},
		{"header too long for file", lengthSays(uint64(len(good))), "exceeds the"},
		{"header over limit", lengthSays(MaxHeaderSize + 1), "exceeds the limit"},
		{"header length huge", lengthSays(1 << 63), "exceeds the limit"},
		{"truncated data", good[:len(good)-1], "run past the 7-byte data section"},
		{"header cut short", lengthSays(10), "invalid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadHeader(bytes.NewReader(tt.file), int64(len(tt.file)))
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "error %v is not a *FormatError", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestReadHeaderRealFiles(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(tinyDir, "*.safetensors"))
	require.NoError(t, err)
	require.Len(t, paths, 2)
	for _, p := range paths {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		h, err := ReadHeader(bytes.NewReader(b), int64(len(b)))
		require.NoError(t, err, p)
		assert.Equal(t, map[string]string{"format": "pt"}, h.Metadata)
		assert.Equal(t, int64(len(b)), h.DataOffset+h.DataSize)
	}
}

func TestFormatErrorMessage(t *testing.T) {
	err := &FormatError{File: "m.safetensors", Offset: 8, Tensor: "w", Reason: "bad", Err: errors.New("cause")}
	assert.Equal(t, `safetensors: m.safetensors: offset 8: tensor "w": bad: cause`, err.Error())
	assert.Equal(t, "safetensors: bad", (&FormatError{Offset: -1, Reason: "bad"}).Error())
	assert.EqualError(t, errors.Unwrap(err), "cause")
}
