package quant

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// mistral7B are the hyper-parameters of Mistral 7B v0.1 (its config.json).
var mistral7B = map[string]any{
	"architectures": []string{"MistralForCausalLM"}, "model_type": "mistral", "hidden_act": "silu",
	"hidden_size": 4096, "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
	"num_key_value_heads": 8, "max_position_embeddings": 32768, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
	"sliding_window": 4096, "vocab_size": 32000, "tie_word_embeddings": false,
}

// writeSparse7B writes a Hugging Face folder with the tensors of Mistral 7B
// in F16, as sparse files (all zeros: they take no disk space), in two shards.
func writeSparse7B(t *testing.T, dir string) {
	p, err := parseHFConfig("config.json", must(json.Marshal(mistral7B)))
	require.NoError(t, err)
	plan := tensorPlan(LayoutHuggingFace, &p)
	weightMap := map[string]string{}
	for half, part := range [][]plannedTensor{plan[:len(plan)/2], plan[len(plan)/2:]} {
		name := fmt.Sprintf("model-%05d-of-00002.safetensors", half+1)
		header := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
		var off int64
		for _, pt := range part {
			n := int64(2)
			for _, d := range pt.shape {
				n *= d
			}
			header[pt.source] = map[string]any{"dtype": "F16", "shape": pt.shape, "data_offsets": []int64{off, off + n}}
			weightMap[pt.source] = name
			off += n
		}
		js := must(json.Marshal(header))
		f, err := os.Create(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = f.Write(append(binary.LittleEndian.AppendUint64(nil, uint64(len(js))), js...))
		require.NoError(t, err)
		require.NoError(t, f.Truncate(8+int64(len(js))+off))
		require.NoError(t, f.Close())
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.safetensors.index.json"), must(json.Marshal(map[string]any{"weight_map": weightMap})), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.json"), must(json.Marshal(mistral7B)), 0o644))
	tok, err := os.ReadFile(filepath.Join(tinyV1, tokenizerName))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, tokenizerName), tok, 0o644))
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestConvert7BMemory converts a model of Mistral 7B's size (14.5 GB of F16,
// sparse, so that it costs no disk space; the output takes 14.5 GB for the
// duration of the test) and checks that the peak resident memory of the
// process stays far below the model's size. It runs only when
// GOMISTRAL_CONVERT_7B is set.
func TestConvert7BMemory(t *testing.T) {
	if os.Getenv("GOMISTRAL_CONVERT_7B") == "" {
		t.Skip("set GOMISTRAL_CONVERT_7B=1 to convert a 14.5 GB model (sparse input, 14.5 GB of output)")
	}
	src, out := t.TempDir(), t.TempDir()
	writeSparse7B(t, src)
	start := time.Now()
	res, err := Convert(context.Background(), src, filepath.Join(out, "7b-f16.gguf"), ConvertOptions{Type: gguf.TypeF16})
	require.NoError(t, err)
	elapsed := time.Since(start)
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	peak := ru.Maxrss << 10 // kilobytes on Linux
	t.Logf("converted %.1f GB in %v (%.0f MB/s), peak RSS %.0f MB", float64(res.InputBytes)/1e9, elapsed.Round(time.Second),
		float64(res.InputBytes)/1e6/elapsed.Seconds(), float64(peak)/1e6)
	assert.Equal(t, int64(14483464192), res.InputBytes)
	assert.Less(t, peak, int64(2<<30), "peak RSS")
}

// TestQuantize7BMemory quantises a model of Mistral 7B's size (14.5 GB of
// F16, sparse: all zeros, which quantise faster than real weights) to Q4_K_M
// straight from its Hugging Face folder, and checks that the peak resident
// memory of the process stays far below the model's size: about the output
// of the largest tensor (output.weight in Q6_K, 107 MB) plus the pages of
// the source being read. It runs only when GOMISTRAL_QUANTIZE_7B is set.
func TestQuantize7BMemory(t *testing.T) {
	if os.Getenv("GOMISTRAL_QUANTIZE_7B") == "" {
		t.Skip("set GOMISTRAL_QUANTIZE_7B=1 to quantise a 14.5 GB model (sparse input, 4.4 GB of output)")
	}
	src, out := t.TempDir(), t.TempDir()
	writeSparse7B(t, src)
	start := time.Now()
	res, err := Quantize(context.Background(), src, filepath.Join(out, "7b-q4_k_m.gguf"), QuantizeOptions{Type: FileTypeQ4_K_M})
	require.NoError(t, err)
	elapsed := time.Since(start)
	var ru syscall.Rusage
	require.NoError(t, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	peak := ru.Maxrss << 10 // kilobytes on Linux
	t.Logf("quantised %.1f GB to %.2f GB (%.2f bits per weight) in %v (%.0f MB/s), peak RSS %.0f MB",
		float64(res.InputBytes)/1e9, float64(res.OutputBytes)/1e9, res.BitsPerWeight(), elapsed.Round(time.Second),
		float64(res.InputBytes)/1e6/elapsed.Seconds(), float64(peak)/1e6)
	assert.Equal(t, int64(14483464192), res.InputBytes)
	assert.InDelta(t, 4.83, res.BitsPerWeight(), 0.01, "Mistral 7B Q4_K_M files weigh 4.37 GB")
	assert.Less(t, peak, int64(2<<30), "peak RSS")
}
