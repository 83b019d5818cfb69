package synth

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml"
	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
)

func TestWriteSmallShape(t *testing.T) {
	s := arch.Params{Name: "small", Vocab: 32000, Layers: 2, Dim: 256, FFN: 512, Heads: 4, KVHeads: 2, HeadDim: 64, RopeDims: 64,
		RopeBase: 10000, NormEps: 1e-5, Window: 64, ContextLength: 512}
	var buf bytes.Buffer
	require.NoError(t, Write(context.Background(), &buf, s, Uniform(ggml.Q4_0), nil))
	f, err := gguf.Decode(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	require.NoError(t, err)
	emb, ok := f.Tensor("token_embd.weight")
	require.True(t, ok)
	assert.Equal(t, []int64{256, 32000}, emb.Shape)
	assert.Equal(t, ggml.Q4_0, emb.Type)
	norm, ok := f.Tensor("blk.1.ffn_norm.weight")
	require.True(t, ok)
	assert.Equal(t, ggml.F32, norm.Type)
	w, err := f.Uint("llama.attention.sliding_window")
	require.NoError(t, err)
	assert.Equal(t, uint64(64), w)
	assert.Len(t, f.Tensors, 3+9*2)
}
