package gguf

import (
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTypes(t *testing.T) {
	ts := Types()
	assert.Len(t, ts, 32)
	assert.True(t, slices.IsSorted(ts))
	for _, typ := range ts {
		assert.True(t, typ.Known(), "%d", uint32(typ))
		assert.NotContains(t, typ.String(), "Type(")
		assert.Positive(t, typ.BlockSize())
		assert.Positive(t, typ.BlockBytes())
	}
}

// TestTypeBitsPerWeight checks the table against the bits per weight that
// llama.cpp's documentation and quantize tool publish for each type.
func TestTypeBitsPerWeight(t *testing.T) {
	cases := []struct {
		typ  Type
		name string
		bpw  float64
	}{
		{TypeF32, "f32", 32}, {TypeF16, "f16", 16}, {TypeBF16, "bf16", 16}, {TypeF64, "f64", 64},
		{TypeI8, "i8", 8}, {TypeI16, "i16", 16}, {TypeI32, "i32", 32}, {TypeI64, "i64", 64},
		{TypeQ4_0, "q4_0", 4.5}, {TypeQ4_1, "q4_1", 5}, {TypeQ5_0, "q5_0", 5.5}, {TypeQ5_1, "q5_1", 6},
		{TypeQ8_0, "q8_0", 8.5}, {TypeQ8_1, "q8_1", 9},
		{TypeQ2_K, "q2_K", 2.625}, {TypeQ3_K, "q3_K", 3.4375}, {TypeQ4_K, "q4_K", 4.5},
		{TypeQ5_K, "q5_K", 5.5}, {TypeQ6_K, "q6_K", 6.5625}, {TypeQ8_K, "q8_K", 9.125},
		{TypeIQ2_XXS, "iq2_xxs", 2.0625}, {TypeIQ2_XS, "iq2_xs", 2.3125}, {TypeIQ2_S, "iq2_s", 2.5625},
		{TypeIQ3_XXS, "iq3_xxs", 3.0625}, {TypeIQ3_S, "iq3_s", 3.4375},
		{TypeIQ1_S, "iq1_s", 1.5625}, {TypeIQ1_M, "iq1_m", 1.75},
		{TypeIQ4_NL, "iq4_nl", 4.5}, {TypeIQ4_XS, "iq4_xs", 4.25},
		{TypeTQ1_0, "tq1_0", 1.6875}, {TypeTQ2_0, "tq2_0", 2.0625}, {TypeMXFP4, "mxfp4", 4.25},
	}
	require.Len(t, cases, len(Types()))
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.name, tc.typ.String())
			assert.Equal(t, tc.bpw, float64(tc.typ.BlockBytes()*8)/float64(tc.typ.BlockSize()))
		})
	}
}

func TestUnknownTypes(t *testing.T) {
	for _, typ := range []Type{4, 5, 31, 32, 33, 36, 37, 38, 40, 1 << 31} {
		assert.False(t, typ.Known())
		assert.Equal(t, "Type("+strconv.FormatUint(uint64(typ), 10)+")", typ.String())
		assert.Zero(t, typ.BlockSize())
		assert.Zero(t, typ.BlockBytes())
		_, err := typ.RowBytes(32)
		assert.ErrorContains(t, err, "unknown tensor type")
	}
}

func TestRowBytes(t *testing.T) {
	cases := []struct {
		typ  Type
		n    int64
		want int64
		err  string
	}{
		{TypeF32, 0, 0, ""},
		{TypeF32, 10, 40, ""},
		{TypeF16, 4096, 8192, ""},
		{TypeQ4_0, 64, 36, ""},
		{TypeQ4_K, 4096, 16 * 144, ""},
		{TypeQ6_K, 14336, 56 * 210, ""},
		{TypeQ4_0, 33, 0, "not a multiple of the block size 32"},
		{TypeQ2_K, 128, 0, "not a multiple of the block size 256"},
		{TypeF32, -1, 0, "negative"},
		{TypeF64, math.MaxInt64, 0, "overflows"},
		{TypeF32, math.MaxInt64 / 4, math.MaxInt64 / 4 * 4, ""},
		{TypeQ8_0, math.MaxInt64 / 32 * 32, 0, "overflows"},
	}
	for _, tc := range cases {
		got, err := tc.typ.RowBytes(tc.n)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, "%v %d", tc.typ, tc.n)
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, tc.want, got, "%v %d", tc.typ, tc.n)
	}
}

func TestTensorInfoSizes(t *testing.T) {
	cases := []struct {
		typ   Type
		shape []int64
		elems int64
		bytes int64
	}{
		{TypeF16, []int64{128, 32000}, 128 * 32000, 2 * 128 * 32000},
		{TypeQ4_K, []int64{4096, 14336}, 4096 * 14336, 4096 / 256 * 144 * 14336},
		{TypeQ8_0, []int64{32, 2, 3, 4}, 768, 24 * 34},
		{TypeQ4_0, []int64{33}, 33, 0},            // row not a multiple of the block
		{Type(4), []int64{32}, 32, 0},             // unknown type
		{TypeF32, nil, 0, 0},                      // no dimensions
		{TypeF32, []int64{4, 0}, 0, 0},            // empty
		{TypeF32, []int64{-1}, 0, 0},              // negative
		{TypeI8, []int64{1 << 32, 1 << 31}, 0, 0}, // overflow
	}
	for _, tc := range cases {
		ti := TensorInfo{Name: "w", Type: tc.typ, Shape: tc.shape}
		assert.Equal(t, tc.elems, ti.Elements(), "%v %v", tc.typ, tc.shape)
		assert.Equal(t, tc.bytes, ti.Bytes(), "%v %v", tc.typ, tc.shape)
	}
}
