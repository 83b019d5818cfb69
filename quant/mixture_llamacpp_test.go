package quant

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// syntheticModel describes a made-up llama-architecture model whose F16
// GGUF file tests the mixture rules on shapes the tiny models lack: 32
// layers like Mistral 7B, tied embeddings. The rules look at tensor names,
// row lengths and a few hyper-parameters only, as does llama.cpp's
// quantizer, which loads no weights but those it quantises: each matrix has
// the row length of a real model, but only a few rows, to be quick.
type syntheticModel struct {
	layers, heads, kvHeads int
	dim, ffn               int  // row lengths of the matrices (ffn for ffn_down)
	rows                   int  // rows of every matrix
	tied                   bool // no output.weight
}

// write writes the model as an F16 GGUF file at path, with random weights.
func (sm syntheticModel) write(t testing.TB, path string) {
	t.Helper()
	u32 := func(v int) gguf.Value { return gguf.Uint32(uint32(v)) }
	kv := []gguf.KV{
		{Key: "general.architecture", Value: gguf.String("llama")},
		{Key: "general.name", Value: gguf.String("synthetic")},
		{Key: "general.file_type", Value: u32(int(FileTypeF16))},
		{Key: "llama.context_length", Value: u32(4096)},
		{Key: "llama.embedding_length", Value: u32(sm.dim)},
		{Key: "llama.block_count", Value: u32(sm.layers)},
		{Key: "llama.feed_forward_length", Value: u32(sm.ffn)},
		{Key: "llama.rope.dimension_count", Value: u32(sm.dim / sm.heads)},
		{Key: "llama.attention.head_count", Value: u32(sm.heads)},
		{Key: "llama.attention.head_count_kv", Value: u32(sm.kvHeads)},
		{Key: "llama.attention.layer_norm_rms_epsilon", Value: gguf.Float32(1e-5)},
		{Key: "llama.rope.freq_base", Value: gguf.Float32(10000)},
	}
	type tensor struct {
		name  string
		shape []int64
	}
	matrix := func(name string, rowLen int) tensor { return tensor{name, []int64{int64(rowLen), int64(sm.rows)}} }
	vector := func(name string) tensor { return tensor{name, []int64{int64(sm.dim)}} }
	ts := []tensor{matrix("token_embd.weight", sm.dim), vector("output_norm.weight")}
	if !sm.tied {
		ts = append(ts, matrix("output.weight", sm.dim))
	}
	for b := range sm.layers {
		name := func(s string) string { return fmt.Sprintf("blk.%d.%s.weight", b, s) }
		ts = append(ts, vector(name("attn_norm")))
		for _, m := range []string{"attn_q", "attn_k", "attn_v", "attn_output"} {
			ts = append(ts, matrix(name(m), sm.dim))
		}
		ts = append(ts, vector(name("ffn_norm")), matrix(name("ffn_gate"), sm.dim), matrix(name("ffn_up"), sm.dim), matrix(name("ffn_down"), sm.ffn))
	}
	infos := make([]gguf.TensorInfo, len(ts))
	for i, tt := range ts {
		typ := gguf.TypeF16
		if len(tt.shape) == 1 {
			typ = gguf.TypeF32
		}
		infos[i] = gguf.TensorInfo{Name: tt.name, Type: typ, Shape: tt.shape}
	}
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	bw := bufio.NewWriter(f)
	w, err := gguf.NewWriter(bw, kv, infos, gguf.WriterOptions{})
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, ti := range infos {
		n := ti.Elements()
		var data []byte
		for range n {
			v := float32(rng.NormFloat64() * 0.05)
			if ti.Type == gguf.TypeF32 {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(1+v))
			} else {
				data = binary.LittleEndian.AppendUint16(data, safetensors.Float32ToFloat16(v))
			}
		}
		require.NoError(t, w.WriteTensor(ti.Name, data))
	}
	require.NoError(t, w.Close())
	require.NoError(t, bw.Flush())
}

// TestMixtureMatchesLlamaCpp quantises the same F16 files with llama.cpp's
// quantizer and with Quantize, in every quantised file type: every tensor
// must get the same type and the same bytes. The files are made up (see
// syntheticModel) for the rules of Mistral 7B (32 layers, grouped-query
// attention by 4), the fallbacks of rows of 128 (as in the tiny v1 model)
// and tied embeddings. TestQuantizeV3Quality compares whole real files with
// llama.cpp's.
func TestMixtureMatchesLlamaCpp(t *testing.T) {
	bin := llamaref(t)
	dir := t.TempDir()
	for _, model := range []struct {
		name string
		sm   syntheticModel
	}{
		// Mistral 7B's rules: 32 layers, 4 query heads per key/value head.
		{"32 layers", syntheticModel{layers: 32, heads: 32, kvHeads: 8, dim: 256, ffn: 512, rows: 16}},
		// The tiny v1 model's rows of 128 and 384: fallbacks in every K type.
		{"rows of 128", syntheticModel{layers: 4, heads: 4, kvHeads: 2, dim: 128, ffn: 384, rows: 16}},
		// No output.weight: token_embd takes the output's rule.
		{"tied", syntheticModel{layers: 8, heads: 8, kvHeads: 4, dim: 256, ffn: 768, rows: 16, tied: true}},
	} {
		src := filepath.Join(dir, model.name+".gguf")
		model.sm.write(t, src)
		name := model.name
		for _, ft := range FileTypes() {
			if !ft.quantized() {
				continue
			}
			t.Run(name+"/"+ft.String(), func(t *testing.T) {
				theirs := filepath.Join(t.TempDir(), "llama.gguf")
				llamaQuantize(t, bin, src, theirs, ft)
				ours, res := quantizeInto(t, src, QuantizeOptions{Type: ft})
				want, got := openGGUF(t, theirs), openGGUF(t, ours)
				v, _ := want.Lookup("general.file_type")
				assert.Equal(t, gguf.Uint32(uint32(ft)), v, "llama.cpp's file type number")
				require.Len(t, got.Tensors, len(want.Tensors))
				for _, wt := range want.Tensors {
					gt, ok := got.Tensor(wt.Name)
					require.True(t, ok, wt.Name)
					if !assert.Equal(t, wt.Type, gt.Type, "type of %s", wt.Name) {
						continue
					}
					assert.True(t, equalBytes(want.TensorData(wt), got.TensorData(gt)), "data of %s differs from llama.cpp's", wt.Name)
				}
				assert.False(t, res.Requantized)
			})
		}
	}
}
