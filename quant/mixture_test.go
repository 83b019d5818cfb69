package quant

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// mistral7BMix is what the rules know of Mistral 7B: 32 layers, 32 query heads
// over 8 key/value heads.
var mistral7BMix = mixtureModel{layers: 32, gqa: 4, hasOutput: true}

// layersOf returns, for the tensors of one role in every block, the layers
// that get each type.
func layersOf(ft FileType, role string, m mixtureModel, rowLen int64) map[gguf.Type][]int {
	out := map[gguf.Type][]int{}
	for l := range m.layers {
		typ, _ := ft.tensorType(fmt.Sprintf("blk.%d.%s.weight", l, role), rowLen, m)
		out[typ] = append(out[typ], l)
	}
	return out
}

// TestMixtureMistral7B spells out the mixtures for Mistral 7B's shapes (rows
// of 4096, ffn_down rows of 14336), the way users see them in the files
// they download.
func TestMixtureMistral7B(t *testing.T) {
	more := []int{0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 28, 29, 30, 31}
	var less []int
	for l := range 32 {
		if !contains(more, l) {
			less = append(less, l)
		}
	}
	all := make([]int, 32)
	for i := range all {
		all[i] = i
	}
	const dim, ffn = 4096, 14336
	q4, q5, q6, q3 := gguf.TypeQ4_K, gguf.TypeQ5_K, gguf.TypeQ6_K, gguf.TypeQ3_K
	tests := []struct {
		ft                 FileType
		output, embd       gguf.Type
		attnV, ffnDown, wo map[gguf.Type][]int
		other              gguf.Type // attn_q, attn_k, ffn_gate, ffn_up
	}{
		{FileTypeQ4_K_M, q6, q4, map[gguf.Type][]int{q6: more, q4: less}, map[gguf.Type][]int{q6: more, q4: less}, map[gguf.Type][]int{q4: all}, q4},
		{FileTypeQ5_K_M, q6, q5, map[gguf.Type][]int{q6: more, q5: less}, map[gguf.Type][]int{q6: more, q5: less}, map[gguf.Type][]int{q5: all}, q5},
		{FileTypeQ4_K_S, q6, q4, map[gguf.Type][]int{q5: all[:4], q4: all[4:]}, map[gguf.Type][]int{q5: all[:4], q4: all[4:]}, map[gguf.Type][]int{q4: all}, q4},
		{FileTypeQ5_K_S, q6, q5, map[gguf.Type][]int{q5: all}, map[gguf.Type][]int{q5: all}, map[gguf.Type][]int{q5: all}, q5},
		{FileTypeQ3_K_L, q6, q3, map[gguf.Type][]int{q5: all}, map[gguf.Type][]int{q5: all}, map[gguf.Type][]int{q5: all}, q3},
		{FileTypeQ3_K_M, q6, q3, map[gguf.Type][]int{q5: all[:2], q4: all[2:]}, map[gguf.Type][]int{q5: all[:2], q4: all[2:]}, map[gguf.Type][]int{q4: all}, q3},
		{FileTypeQ3_K_S, q6, q3, map[gguf.Type][]int{q3: all}, map[gguf.Type][]int{q3: all}, map[gguf.Type][]int{q3: all}, q3},
		{FileTypeQ2_K, q6, gguf.TypeQ2_K, map[gguf.Type][]int{q4: all}, map[gguf.Type][]int{q3: all}, map[gguf.Type][]int{q3: all}, gguf.TypeQ2_K},
		{FileTypeQ6_K, q6, q6, map[gguf.Type][]int{q6: all}, map[gguf.Type][]int{q6: all}, map[gguf.Type][]int{q6: all}, q6},
		{FileTypeQ8_0, gguf.TypeQ8_0, gguf.TypeQ8_0, map[gguf.Type][]int{gguf.TypeQ8_0: all}, map[gguf.Type][]int{gguf.TypeQ8_0: all}, map[gguf.Type][]int{gguf.TypeQ8_0: all}, gguf.TypeQ8_0},
		{FileTypeQ4_0, q6, gguf.TypeQ4_0, map[gguf.Type][]int{gguf.TypeQ4_0: all}, map[gguf.Type][]int{gguf.TypeQ4_0: all}, map[gguf.Type][]int{gguf.TypeQ4_0: all}, gguf.TypeQ4_0},
		{FileTypeF16, gguf.TypeF16, gguf.TypeF16, map[gguf.Type][]int{gguf.TypeF16: all}, map[gguf.Type][]int{gguf.TypeF16: all}, map[gguf.Type][]int{gguf.TypeF16: all}, gguf.TypeF16},
	}
	for _, tt := range tests {
		t.Run(tt.ft.String(), func(t *testing.T) {
			out, fb := tt.ft.tensorType("output.weight", dim, mistral7BMix)
			assert.Equal(t, tt.output, out, "output")
			assert.False(t, fb)
			embd, _ := tt.ft.tensorType("token_embd.weight", dim, mistral7BMix)
			assert.Equal(t, tt.embd, embd, "token_embd")
			assert.Equal(t, tt.attnV, layersOf(tt.ft, "attn_v", mistral7BMix, dim), "attn_v")
			assert.Equal(t, tt.ffnDown, layersOf(tt.ft, "ffn_down", mistral7BMix, ffn), "ffn_down")
			assert.Equal(t, tt.wo, layersOf(tt.ft, "attn_output", mistral7BMix, dim), "attn_output")
			for _, role := range []string{"attn_q", "attn_k", "ffn_gate", "ffn_up"} {
				assert.Equal(t, map[gguf.Type][]int{tt.other: all}, layersOf(tt.ft, role, mistral7BMix, dim), role)
			}
		})
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestMixtureFallbacks(t *testing.T) {
	m := mixtureModel{layers: 4, gqa: 2, hasOutput: true}
	for _, tt := range []struct {
		ft       FileType
		name     string
		rowLen   int64
		want     gguf.Type
		fallback bool
	}{
		{FileTypeQ4_K_M, "blk.0.attn_q.weight", 128, gguf.TypeQ5_0, true},
		{FileTypeQ4_K_M, "blk.3.ffn_down.weight", 384, gguf.TypeQ8_0, true}, // Q6_K in the last layers
		{FileTypeQ5_K_S, "blk.0.attn_q.weight", 128, gguf.TypeQ5_1, true},
		{FileTypeQ3_K_M, "blk.3.attn_q.weight", 128, gguf.TypeIQ4_NL, true},
		{FileTypeQ2_K, "blk.3.attn_q.weight", 128, gguf.TypeIQ4_NL, true},
		{FileTypeQ4_K_M, "output.weight", 128, gguf.TypeQ8_0, false}, // the output's own rule
		{FileTypeQ4_0, "output.weight", 128, gguf.TypeQ8_0, true},    // Q6_K, then its fallback
		{FileTypeQ4_K_M, "blk.0.attn_q.weight", 80, gguf.TypeF16, true},
		{FileTypeQ4_0, "blk.0.attn_q.weight", 80, gguf.TypeF16, true},
		{FileTypeQ8_0, "output.weight", 80, gguf.TypeF16, true},
		{FileTypeQ4_0, "blk.0.attn_q.weight", 96, gguf.TypeQ4_0, false},
		{FileTypeF16, "blk.0.attn_q.weight", 7, gguf.TypeF16, false},
		{FileTypeBF16, "output.weight", 7, gguf.TypeBF16, false},
	} {
		got, fb := tt.ft.tensorType(tt.name, tt.rowLen, m)
		assert.Equal(t, tt.want, got, "%v %s rows of %d", tt.ft, tt.name, tt.rowLen)
		assert.Equal(t, tt.fallback, fb, "%v %s rows of %d: fallback", tt.ft, tt.name, tt.rowLen)
	}
	// Tied embeddings: token_embd takes the output's rule.
	tied := mixtureModel{layers: 32, gqa: 4}
	got, _ := FileTypeQ4_K_M.tensorType("token_embd.weight", 4096, tied)
	assert.Equal(t, gguf.TypeQ6_K, got)
}

func TestWithFileType(t *testing.T) {
	keys := func(kv []gguf.KV) string {
		var s []string
		for _, p := range kv {
			s = append(s, p.Key)
		}
		return strings.Join(s, " ")
	}
	in := []gguf.KV{{Key: "general.architecture"}, {Key: "general.file_type", Value: gguf.Uint32(1)}, {Key: "llama.block_count"}}
	out := withFileType(in, FileTypeQ4_K_M)
	assert.Equal(t, "general.architecture general.file_type general.quantization_version llama.block_count", keys(out))
	assert.Equal(t, gguf.Uint32(15), out[1].Value)
	assert.Equal(t, gguf.Uint32(2), out[2].Value)
	assert.Equal(t, gguf.Uint32(1), in[1].Value, "the input is not modified")

	out = withFileType(append(in[:1:1], gguf.KV{Key: "general.quantization_version", Value: gguf.Uint32(1)}), FileTypeQ8_0)
	assert.Equal(t, "general.architecture general.file_type general.quantization_version", keys(out))
	assert.Equal(t, gguf.Uint32(7), out[1].Value)
}
