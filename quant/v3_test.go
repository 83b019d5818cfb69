package quant

import (
	"encoding/binary"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// q8Block is the layout of GGML's Q8_0: 32 int8 values after an F16 scale.
const (
	q8BlockValues = 32
	q8BlockBytes  = 2 + q8BlockValues
)

// dequantQ8 decodes Q8_0 data, returning the values and each block's scale.
func dequantQ8(data []byte) (values, scales []float32) {
	for off := 0; off+q8BlockBytes <= len(data); off += q8BlockBytes {
		d := safetensors.Float16ToFloat32(binary.LittleEndian.Uint16(data[off:]))
		scales = append(scales, d)
		for _, q := range data[off+2 : off+q8BlockBytes] {
			values = append(values, d*float32(int8(q)))
		}
	}
	return values, scales
}

// q8Excess returns by how much ours (a rows×cols matrix, its rows taken in
// the order rowOf gives) strays from Q8_0 data beyond the rounding error of
// Q8_0 (half a step, plus the rounding of the scale to F16).
func q8Excess(ours []float32, rows, cols int, rowOf func(int) int, q8 []byte) float64 {
	values, scales := dequantQ8(q8)
	worst := 0.0
	for r := range rows {
		src := ours[rowOf(r)*cols : (rowOf(r)+1)*cols]
		for c, v := range src {
			i := r*cols + c
			tol := 0.6*math.Abs(float64(scales[i/q8BlockValues])) + 1e-7
			if d := math.Abs(float64(v-values[i])) - tol; d > worst {
				worst = d
			}
		}
	}
	return worst
}

func TestConvertV3AgainstLlamaCpp(t *testing.T) {
	src := shared(t, "tiny-mistral-v3")
	_, dst, res, err := convertInto(t, src, ConvertOptions{Type: gguf.TypeF16, Name: refName})
	require.NoError(t, err)
	assert.Equal(t, 1e6, res.Params.RopeBase)
	assert.Equal(t, 96, res.Params.Window)
	got := openGGUF(t, dst)
	tmpl, _ := got.Lookup("tokenizer.chat_template")
	assert.Equal(t, gguf.String(ChatTemplateV3), tmpl, "[INST] is a control token of the v3 tokenizer")

	for _, quant := range []string{"Q8_0", "Q6_K", "Q4_K_M", "Q4_0"} {
		ref := openGGUF(t, filepath.Join(src, "tiny-mistral-v3-"+quant+".gguf"))
		t.Run(quant, func(t *testing.T) {
			// Metadata: the same, except what quantising changed.
			for _, kv := range ref.KV {
				if kv.Key == "general.file_type" || kv.Key == "general.quantization_version" {
					continue
				}
				v, ok := got.Lookup(kv.Key)
				if !assert.True(t, ok, "missing key %s", kv.Key) {
					continue
				}
				if kv.Key == "tokenizer.ggml.token_type" {
					assertTokenTypes(t, kv.Value, v)
					continue
				}
				assert.Equal(t, kv.Value, v, kv.Key)
			}
			// Tensors: same names and shapes; the F32 norms byte for byte.
			require.Len(t, got.Tensors, len(ref.Tensors))
			for _, rt := range ref.Tensors {
				gt, ok := got.Tensor(rt.Name)
				require.True(t, ok, rt.Name)
				assert.Equal(t, rt.Shape, gt.Shape, rt.Name)
				if len(rt.Shape) == 1 {
					require.Equal(t, gguf.TypeF32, rt.Type)
					assert.True(t, equalBytes(ref.TensorData(rt), got.TensorData(gt)), "norm %s", rt.Name)
				}
			}
		})
	}

	// Every matrix against llama.cpp's Q8_0, and the RoPE permutation of Q and
	// K with it: our rows agree within Q8_0's rounding, and would not without
	// the permutation.
	ref := openGGUF(t, filepath.Join(src, "tiny-mistral-v3-Q8_0.gguf"))
	for _, rt := range ref.Tensors {
		if len(rt.Shape) == 1 {
			continue
		}
		require.Equal(t, gguf.TypeQ8_0, rt.Type, rt.Name)
		gt, _ := got.Tensor(rt.Name)
		cols, rows := int(gt.Shape[0]), int(gt.Shape[1])
		ours := make([]float32, rows*cols)
		require.NoError(t, safetensors.DecodeFloat32(ours, got.TensorData(gt), safetensors.F16))
		identity := func(r int) int { return r }
		assert.LessOrEqual(t, q8Excess(ours, rows, cols, identity, ref.TensorData(rt)), 0.0, rt.Name)

		heads := map[string]int{"attn_q": res.Params.Heads, "attn_k": res.Params.KVHeads}[ggufRole(rt.Name)]
		if heads == 0 {
			continue
		}
		// Undo our permutation: the rows in Hugging Face order disagree.
		inverse := make([]int, rows)
		for r := range rows {
			inverse[ropeSourceRow(r, rows, heads)] = r
		}
		undone := func(r int) int { return inverse[r] }
		assert.Greater(t, q8Excess(ours, rows, cols, undone, ref.TensorData(rt)), 1e-3, "%s without the permutation", rt.Name)
	}
}

// assertTokenTypes compares token types with those of llama.cpp's converter,
// which writes SentencePiece's user-defined pieces (the 20 [REFERENCE_DOC_n]
// of the v3 tokenizer) as normal: we keep them user-defined, as SentencePiece
// has them, so that llama.cpp matches them whole in text as SentencePiece does.
func assertTokenTypes(t *testing.T, want, got gguf.Value) {
	t.Helper()
	w, ok := want.Int32s()
	require.True(t, ok)
	g, ok := got.Int32s()
	require.True(t, ok)
	require.Len(t, g, len(w))
	userDefined := 0
	for i := range w {
		if g[i] == int32(tokenizer.UserDefined) && w[i] == int32(tokenizer.Normal) {
			userDefined++
			continue
		}
		require.Equal(t, w[i], g[i], "type of token %d", i)
	}
	assert.Equal(t, 20, userDefined)
}

// ggufRole returns the role of a block tensor: "attn_q" for
// "blk.0.attn_q.weight".
func ggufRole(name string) string {
	parts := strings.Split(name, ".")
	if len(parts) != 4 || parts[0] != "blk" {
		return ""
	}
	return parts[2]
}
