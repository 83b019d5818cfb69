package quant

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// keysNotInReference are the keys we write that the reference converter did
// not: both asked of this converter (llama.vocab_size, the chat template).
var keysNotInReference = map[string]bool{"llama.vocab_size": true, "tokenizer.chat_template": true}

// assertSameAsReference checks a converted file against the reference-made
// one: the same tensors in the same order with the same names, shapes, types
// and bytes, and every reference key with the same type and value.
func assertSameAsReference(t *testing.T, got, want *gguf.Mapped) {
	t.Helper()
	require.Len(t, got.Tensors, len(want.Tensors))
	for i, w := range want.Tensors {
		g := got.Tensors[i]
		assert.Equal(t, w.Name, g.Name, "tensor %d", i)
		assert.Equal(t, w.Shape, g.Shape, w.Name)
		assert.Equal(t, w.Type, g.Type, w.Name)
		assert.True(t, equalBytes(want.TensorData(w), got.TensorData(g)), "data of %s differs", w.Name)
	}
	for _, kv := range want.KV {
		v, ok := got.Lookup(kv.Key)
		if assert.True(t, ok, "missing key %s", kv.Key) {
			assert.Equal(t, kv.Value.Type(), v.Type(), kv.Key)
			assert.Equal(t, kv.Value, v, kv.Key)
		}
	}
	for _, kv := range got.KV {
		if _, ok := want.Lookup(kv.Key); !ok {
			assert.True(t, keysNotInReference[kv.Key], "key %s is not in the reference", kv.Key)
		}
	}
}

// equalBytes compares two byte slices without printing them on failure.
func equalBytes(a, b []byte) bool { return string(a) == string(b) }

func TestConvertHuggingFaceMatchesReference(t *testing.T) {
	_, dst, res, err := convertInto(t, tinyV1, ConvertOptions{Type: gguf.TypeF16, Name: refName})
	require.NoError(t, err)
	assert.Equal(t, LayoutHuggingFace, res.Layout)
	assert.Equal(t, 39, res.Tensors)
	assert.Equal(t, int64(17959168), res.InputBytes) // total_size of the index
	assertSameAsReference(t, openGGUF(t, dst), openGGUF(t, refV1))

	got := openGGUF(t, dst)
	v, _ := got.Lookup("llama.vocab_size")
	assert.Equal(t, gguf.Uint32(32000), v)
	v, _ = got.Lookup("tokenizer.chat_template")
	assert.Equal(t, gguf.String(ChatTemplateV1), v)
}

func TestConvertConsolidatedMatchesReference(t *testing.T) {
	src := shared(t, "tiny-mistral-v1-consolidated")
	// params.json does not carry the context length (the reference took 4096
	// from config.json's max_position_embeddings): give it.
	_, dst, res, err := convertInto(t, src, ConvertOptions{Type: gguf.TypeF16, Name: refName, ContextLength: 4096})
	require.NoError(t, err)
	assert.Equal(t, LayoutConsolidated, res.Layout)
	assert.Equal(t, 10000.0, res.Params.RopeBase, "rope_theta from params.json")
	assertSameAsReference(t, openGGUF(t, dst), openGGUF(t, refV1))
}

func TestConvertConsolidatedDefaultContext(t *testing.T) {
	src := shared(t, "tiny-mistral-v1-consolidated")
	_, _, res, err := convertInto(t, src, ConvertOptions{Type: gguf.TypeF16})
	require.NoError(t, err)
	assert.Equal(t, DefaultContextLength, res.Params.ContextLength)
}

func TestConvertLayoutChoice(t *testing.T) {
	consolidated := shared(t, "tiny-mistral-v1-consolidated")
	// config.json and params.json, weights only in consolidated.safetensors.
	dir := linkDir(t, consolidated)
	abs, err := filepath.Abs(filepath.Join(tinyV1, hfConfigName))
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, filepath.Join(dir, hfConfigName)))
	_, _, res, err := convertInto(t, dir, ConvertOptions{Type: gguf.TypeF16})
	require.NoError(t, err)
	assert.Equal(t, LayoutConsolidated, res.Layout)

	// Both layouts' weights: the Hugging Face one wins.
	dir = linkDir(t, tinyV1)
	for _, name := range []string{consolidatedParamsName, consolidatedName} {
		abs, err := filepath.Abs(filepath.Join(consolidated, name))
		require.NoError(t, err)
		require.NoError(t, os.Symlink(abs, filepath.Join(dir, name)))
	}
	_, dst, res, err := convertInto(t, dir, ConvertOptions{Type: gguf.TypeF16, Name: refName})
	require.NoError(t, err)
	assert.Equal(t, LayoutHuggingFace, res.Layout)
	assertSameAsReference(t, openGGUF(t, dst), openGGUF(t, refV1))
}
