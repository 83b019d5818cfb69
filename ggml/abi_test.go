package ggml

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// TestTypeTableMatchesGGML checks every type of the Go table against what the
// linked GGML reports, and our declaration of struct ggml_type_traits against
// GGML's own functions.
func TestTypeTableMatchesGGML(t *testing.T) {
	types := gguf.Types()
	require.NotEmpty(t, types)
	for _, typ := range types {
		f := factsOf(typ)
		assert.Equal(t, f.name, typ.String(), "ggml_type_name(%d)", uint32(typ))
		assert.Equal(t, f.size, typ.BlockBytes(), "ggml_type_size(%v)", typ)
		assert.Equal(t, f.block, typ.BlockSize(), "ggml_blck_size(%v)", typ)
		assert.Equal(t, f.name, f.traitsName, "traits name of %v (struct layout)", typ)
		assert.Equal(t, f.size, f.traitsSize, "traits size of %v (struct layout)", typ)
		assert.Equal(t, f.block, f.traitsBlock, "traits block of %v (struct layout)", typ)
		assert.Equal(t, f.quantized, f.traitsQuantized, "traits is_quantized of %v (struct layout)", typ)
		assert.Equal(t, f.requiresImatrix, NeedsImportance(typ), "ggml_quantize_requires_imatrix(%v)", typ)
	}
}

// TestCanQuantize quantises random rows to every type the table says GGML
// can produce and checks the round trip stays near the input; the error
// bound is loose on purpose (two bits per weight is coarse) but catches a
// wrong layout or a type GGML does not really produce.
func TestCanQuantize(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const rows, rowLen = 4, 512
	src := make([]float32, rows*rowLen)
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	importance := make([]float32, rowLen)
	for i := range importance {
		importance[i] = 1
	}
	for _, typ := range gguf.Types() {
		if !CanQuantize(typ) {
			continue
		}
		t.Run(typ.String(), func(t *testing.T) {
			rb, err := typ.RowBytes(rowLen)
			require.NoError(t, err)
			dst := make([]byte, rows*rb)
			var imp []float32
			if NeedsImportance(typ) {
				imp = importance
				require.Error(t, Quantize(typ, dst, src, rows, rowLen, nil), "must refuse without importance")
			}
			require.NoError(t, Quantize(typ, dst, src, rows, rowLen, imp))
			back := make([]float32, len(src))
			require.NoError(t, Dequantize(typ, back, dst))
			want := make([]float64, len(src))
			for i, x := range src {
				want[i] = float64(x)
			}
			e := relL2(back, want)
			bound := 0.7 // 1 to 3 bits per weight
			if typ == TQ1_0 || typ == TQ2_0 {
				bound = 0.9 // ternary: {-1, 0, 1} times a scale
			}
			if bits := float64(typ.BlockBytes()*8) / float64(typ.BlockSize()); bits >= 4 {
				bound = 0.15
			}
			assert.Less(t, e, bound, "relative error of %v round trip", typ)
		})
	}
}

func TestQuantizeRejectsBadInput(t *testing.T) {
	src := make([]float32, 64)
	assert.ErrorIs(t, Quantize(Q8_K, make([]byte, 292), make([]float32, 256), 1, 256, nil), ErrUnsupportedType)
	assert.ErrorIs(t, Quantize(gguf.Type(4), nil, src, 1, 64, nil), ErrUnsupportedType)
	assert.Error(t, Quantize(Q4_0, make([]byte, 36), src[:48], 1, 48, nil), "row length not a multiple of 32")
	assert.Error(t, Quantize(Q4_0, make([]byte, 10), src, 1, 64, nil), "destination too small")
	assert.Error(t, Dequantize(Q4_0, make([]float32, 32), make([]byte, 17)))
	assert.ErrorIs(t, Dequantize(gguf.Type(77), nil, nil), ErrUnsupportedType)
}

func TestHalfConversionAgreesWithGGML(t *testing.T) {
	// Every half-precision pattern, widened by GGML and by the test's own
	// reference, which the F16 tests rely on.
	raw := make([]byte, 2*65536)
	for i := 0; i < 65536; i++ {
		raw[2*i] = byte(i)
		raw[2*i+1] = byte(i >> 8)
	}
	got := make([]float32, 65536)
	require.NoError(t, Dequantize(F16, got, raw))
	for i := 0; i < 65536; i++ {
		want := halfToFloat(uint16(i))
		if math.IsNaN(float64(want)) {
			assert.True(t, math.IsNaN(float64(got[i])), "%#04x", i)
			continue
		}
		require.Equal(t, want, got[i], "%#04x", i)
	}
}
