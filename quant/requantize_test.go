package quant

import (
	"bytes"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/internal/testref"
)

// TestRequantize quantises GGUF files: an F16 file as a user downloads it,
// and a quantised one, which is dequantised first (with a warning), except
// for the tensors already in their output type, copied as they are.
func TestRequantize(t *testing.T) {
	t.Run("from F16", func(t *testing.T) {
		dst, res := quantizeInto(t, refV1, QuantizeOptions{Type: FileTypeQ8_0})
		assert.Equal(t, LayoutGGUF, res.Layout)
		assert.False(t, res.Requantized)
		// The same bytes as from the Hugging Face folder.
		fromFolder, _ := quantizeInto(t, tinyV1, QuantizeOptions{Type: FileTypeQ8_0, Name: refName})
		a, b := openGGUF(t, dst), openGGUF(t, fromFolder)
		require.Len(t, a.Tensors, len(b.Tensors))
		for i := range a.Tensors {
			assert.Equal(t, b.Tensors[i].Type, a.Tensors[i].Type)
			assert.True(t, equalBytes(b.TensorData(b.Tensors[i]), a.TensorData(a.Tensors[i])), a.Tensors[i].Name)
		}
		// The metadata of the source, with the file type set.
		src := openGGUF(t, refV1)
		for _, kv := range src.KV {
			v, ok := a.Lookup(kv.Key)
			require.True(t, ok, kv.Key)
			if kv.Key != "general.file_type" {
				assert.Equal(t, kv.Value, v, kv.Key)
			}
		}
		ft, _ := a.Lookup("general.file_type")
		assert.Equal(t, gguf.Uint32(7), ft)
		qv, _ := a.Lookup("general.quantization_version")
		assert.Equal(t, gguf.Uint32(2), qv)
		assert.Len(t, a.KV, len(src.KV)+1)
	})

	t.Run("from Q8_0", func(t *testing.T) {
		q8, _ := quantizeInto(t, tinyV1, QuantizeOptions{Type: FileTypeQ8_0})
		var log bytes.Buffer
		logger := slog.New(slog.NewTextHandler(&log, nil))
		dst, res := quantizeInto(t, q8, QuantizeOptions{Type: FileTypeQ4_0, Name: "renamed", Logger: logger})
		assert.True(t, res.Requantized)
		assert.Contains(t, log.String(), "level=WARN")
		assert.Contains(t, log.String(), "quantised already")
		got := openGGUF(t, dst)
		name, _ := got.Lookup("general.name")
		assert.Equal(t, gguf.String("renamed"), name)
		for _, ts := range res.Tensors {
			if len(ts.Shape) == 2 {
				assert.Equal(t, gguf.TypeQ8_0, ts.From, ts.Name)
			}
		}
		// Q8_0 to Q8_0 copies: the same bytes.
		same, res := quantizeInto(t, q8, QuantizeOptions{Type: FileTypeQ8_0})
		assert.False(t, res.Requantized)
		a, b := openGGUF(t, q8), openGGUF(t, same)
		for i := range a.Tensors {
			assert.True(t, equalBytes(a.TensorData(a.Tensors[i]), b.TensorData(b.Tensors[i])), a.Tensors[i].Name)
		}
	})

	t.Run("llama.cpp's Q8_0 to Q4_K_M", func(t *testing.T) {
		src := filepath.Join(shared(t, "tiny-mistral-v3"), "tiny-mistral-v3-Q8_0.gguf")
		dst, res := quantizeInto(t, src, QuantizeOptions{Type: FileTypeQ4_K_M})
		assert.True(t, res.Requantized)
		m := loadModel(t, dst)
		ref := testref.LoadReference(t, filepath.Dir(src), m.Params().Vocab)
		worst, seq, pos := worstError(t, m, ref)
		t.Logf("Q8_0 requantised to Q4_K_M: worst relative L2 error %.2e (%s, position %d)", worst, seq, pos)
		assert.Less(t, worst, 0.1)
	})
}
