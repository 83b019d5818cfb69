package quant

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// badSource is a broken model folder and the error it must cause.
type badSource struct {
	name   string
	source func(t *testing.T) string // makes the folder
	is     error                     // errors.Is target, or nil
	as     any                       // errors.As target, or nil
	want   string                    // part of the message
}

// badSources returns broken copies of the tiny v1 folder: for Convert, and
// for Quantize, which converts folders the same way.
func badSources() []badSource {
	editConfig := func(edit func(m map[string]any)) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			editJSON(t, dir, hfConfigName, edit)
			return dir
		}
	}
	editShard := func(shard string, edit func(header map[string]any, data []byte) []byte) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			editSafetensors(t, dir, shard, edit)
			return dir
		}
	}
	var (
		formatErr *safetensors.FormatError
		configErr *ConfigError
		tensorErr *TensorError
	)
	return []badSource{
		{"missing shard", func(t *testing.T) string { return linkDir(t, tinyV1, shard2) },
			fs.ErrNotExist, nil, `shard "` + shard2 + `"`},
		{"truncated shard", func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			b, err := os.ReadFile(filepath.Join(tinyV1, shard2))
			require.NoError(t, err)
			replaceFile(t, dir, shard2, b[:len(b)-1000])
			return dir
		}, nil, &formatErr, "run past the"},
		{"truncated inside the header", func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			b, err := os.ReadFile(filepath.Join(tinyV1, shard1))
			require.NoError(t, err)
			replaceFile(t, dir, shard1, b[:100])
			return dir
		}, nil, &formatErr, "exceeds the 92 bytes that follow it"},
		{"offsets shifted", editShard(shard2, func(h map[string]any, data []byte) []byte {
			tensorEntry(h, "lm_head.weight")["data_offsets"] = []int{2, 8192002}
			return data
		}), nil, &formatErr, "run past the"},
		{"offsets disagree with shape", editShard(shard2, func(h map[string]any, data []byte) []byte {
			tensorEntry(h, "lm_head.weight")["data_offsets"] = []int{0, 8191998}
			return data
		}), nil, &formatErr, "needs 8192000 bytes"},
		{"overlapping tensors", editShard(shard1, func(h map[string]any, data []byte) []byte {
			tensorEntry(h, "model.norm.weight")["data_offsets"] = []int{0, 256}
			return data
		}), nil, &formatErr, "overlap"},
		{"unknown dtype", editShard(shard2, func(h map[string]any, data []byte) []byte {
			tensorEntry(h, "lm_head.weight")["dtype"] = "F17"
			return data
		}), nil, &formatErr, `unknown dtype "F17"`},
		{"unconvertible dtype", editShard(shard2, func(h map[string]any, data []byte) []byte {
			tensorEntry(h, "lm_head.weight")["dtype"] = "I16"
			return data
		}), ErrUnsupported, &tensorErr, "type I16"},
		{"tensor missing from its shard", func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			editJSON(t, dir, safetensors.IndexName, func(m map[string]any) {
				m["weight_map"].(map[string]any)["model.layers.9.mlp.up_proj.weight"] = shard2
			})
			return dir
		}, nil, &formatErr, "missing from shard"},
		{"missing tensor", func(t *testing.T) string {
			// Drop the final norm (the last 256 bytes of the shard) from shard and index.
			dir := linkDir(t, tinyV1)
			editSafetensors(t, dir, shard1, func(h map[string]any, data []byte) []byte {
				delete(h, "model.norm.weight")
				return data[:len(data)-256]
			})
			editJSON(t, dir, safetensors.IndexName, func(m map[string]any) {
				delete(m["weight_map"].(map[string]any), "model.norm.weight")
			})
			return dir
		}, nil, &tensorErr, `tensor "model.norm.weight": missing from the model files`},
		{"tensor not in the index", editShard(shard2, func(h map[string]any, data []byte) []byte {
			h["extra.weight"] = map[string]any{"dtype": "F16", "shape": []int{1}, "data_offsets": []int{8192000, 8192002}}
			return append(data, 0, 0)
		}), nil, &formatErr, `tensor "extra.weight": not listed in the index`},
		{"wrong model_type", editConfig(func(m map[string]any) { m["model_type"] = "llama" }),
			ErrNotMistral, &configErr, `model_type: "llama" is not "mistral"`},
		{"no model_type", editConfig(func(m map[string]any) { delete(m, "model_type") }),
			ErrNotMistral, &configErr, "model_type: missing"},
		{"wrong architecture", editConfig(func(m map[string]any) { m["architectures"] = []string{"LlamaForCausalLM"} }),
			ErrNotMistral, &configErr, "lacks MistralForCausalLM"},
		{"heads do not divide hidden size", editConfig(func(m map[string]any) { m["num_attention_heads"] = 3; delete(m, "head_dim") }),
			nil, &configErr, "num_attention_heads: 3 heads do not divide the embedding length 128"},
		{"kv heads do not divide heads", editConfig(func(m map[string]any) { m["num_key_value_heads"] = 3 }),
			nil, &configErr, "num_key_value_heads: 3 key/value heads do not divide the 4 query heads"},
		{"head_dim inconsistent", editConfig(func(m map[string]any) { m["head_dim"] = 64 }),
			nil, &configErr, "head_dim: 64 differs"},
		{"missing hidden_size", editConfig(func(m map[string]any) { delete(m, "hidden_size") }),
			nil, &configErr, "hidden_size: missing"},
		{"negative layers", editConfig(func(m map[string]any) { m["num_hidden_layers"] = -4 }),
			nil, &configErr, "num_hidden_layers: -4 is not positive"},
		{"fractional size", editConfig(func(m map[string]any) { m["intermediate_size"] = 384.5 }),
			nil, &configErr, "intermediate_size: 384.5 is not an integer"},
		{"RoPE scaling", editConfig(func(m map[string]any) { m["rope_scaling"] = map[string]any{"type": "linear", "factor": 2} }),
			ErrUnsupported, &configErr, `rope_scaling.type: RoPE scaling "linear"`},
		{"quantised checkpoint", editConfig(func(m map[string]any) { m["quantization_config"] = map[string]any{"quant_method": "gptq"} }),
			ErrUnsupported, &configErr, "quantization_config"},
		{"no sliding_window", editConfig(func(m map[string]any) { delete(m, "sliding_window") }),
			nil, &configErr, "sliding_window: missing"},
		{"config not JSON", func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			replaceFile(t, dir, hfConfigName, []byte("{"))
			return dir
		}, nil, &configErr, "not a JSON object"},
		{"shapes disagree with config", editConfig(func(m map[string]any) { m["intermediate_size"] = 256 }),
			nil, &tensorErr, "shape [384 128], but the configuration implies [256 128]"},
		{"fewer layers than the files", editConfig(func(m map[string]any) { m["num_hidden_layers"] = 3 }),
			nil, &tensorErr, "not part of a Mistral model of 3 layers (9 such tensors)"},
		{"vocabulary size", editConfig(func(m map[string]any) { m["vocab_size"] = 32001 }),
			nil, nil, "has 32000 pieces, but the model's vocabulary size is 32001"},
		{"no tokenizer", func(t *testing.T) string { return linkDir(t, tinyV1, tokenizerName) },
			fs.ErrNotExist, nil, "no tokenizer.model"},
		{"no configuration", func(t *testing.T) string { return linkDir(t, tinyV1, hfConfigName) },
			fs.ErrNotExist, nil, "no config.json (Hugging Face) or params.json"},
	}
}

func TestConvertBadInput(t *testing.T) {
	for _, tt := range badSources() {
		t.Run(tt.name, func(t *testing.T) {
			outDir, _, res, err := convertInto(t, tt.source(t), ConvertOptions{Type: gguf.TypeF16})
			require.Error(t, err)
			t.Log(err)
			assert.Nil(t, res)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			if tt.as != nil {
				assert.ErrorAs(t, err, tt.as)
			}
			assertEmptyDir(t, outDir)
		})
	}
}

func TestConvertBadConsolidated(t *testing.T) {
	src := shared(t, "tiny-mistral-v1-consolidated")
	for _, tt := range []struct {
		name string
		edit func(m map[string]any)
		is   error
		want string
	}{
		{"mixture of experts", func(m map[string]any) { m["moe"] = map[string]any{"num_experts": 8} }, ErrNotMistral, "moe: a mixture-of-experts model"},
		{"missing dim", func(m map[string]any) { delete(m, "dim") }, nil, "dim: missing"},
		{"heads", func(m map[string]any) { m["n_heads"] = 5; delete(m, "head_dim") }, nil, "n_heads: 5 heads do not divide"},
		{"window", func(m map[string]any) { m["sliding_window"] = 0 }, nil, "sliding_window: 0 is not positive"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := linkDir(t, src)
			editJSON(t, dir, consolidatedParamsName, tt.edit)
			outDir, _, _, err := convertInto(t, dir, ConvertOptions{})
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.ErrorContains(t, err, tt.want)
			if tt.is != nil {
				assert.ErrorIs(t, err, tt.is)
			}
			assertEmptyDir(t, outDir)
		})
	}
	t.Run("no weights", func(t *testing.T) {
		outDir, _, _, err := convertInto(t, linkDir(t, src, consolidatedName), ConvertOptions{})
		assert.ErrorIs(t, err, fs.ErrNotExist)
		assertEmptyDir(t, outDir)
	})
}

func TestConvertRefusesToOverwriteInput(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{hfConfigName, safetensors.IndexName, shard1, shard2, tokenizerName} {
		b, err := os.ReadFile(filepath.Join(tinyV1, name))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	for _, name := range []string{shard1, shard2, hfConfigName, tokenizerName, safetensors.IndexName} {
		before, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		_, err = Convert(context.Background(), dir, filepath.Join(dir, name), ConvertOptions{Type: gguf.TypeF16})
		assert.ErrorContains(t, err, "refusing to overwrite the input file")
		after, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		assert.True(t, equalBytes(before, after), "%s unchanged", name)
	}
	// Through a link to an input, too.
	link := filepath.Join(t.TempDir(), "link.gguf")
	require.NoError(t, os.Symlink(filepath.Join(dir, shard2), link))
	_, err := Convert(context.Background(), dir, link, ConvertOptions{Type: gguf.TypeF16})
	assert.ErrorContains(t, err, "refusing to overwrite the input file")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 5, "no temporary file left")

	_, err = Convert(context.Background(), dir, dir, ConvertOptions{})
	assert.ErrorIs(t, err, errIsDir)
}

func TestConvertOptionsErrors(t *testing.T) {
	outDir, _, _, err := convertInto(t, tinyV1, ConvertOptions{Type: gguf.TypeQ4_0})
	assert.ErrorIs(t, err, ErrUnsupported)
	assertEmptyDir(t, outDir)

	_, err = Convert(context.Background(), tinyV1, filepath.Join(t.TempDir(), "no", "such", "dir.gguf"), ConvertOptions{})
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestConvertCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	outDir := t.TempDir()
	calls := 0
	_, err := Convert(ctx, tinyV1, filepath.Join(outDir, "out.gguf"), ConvertOptions{
		Type: gguf.TypeF16,
		Progress: func(p Progress) {
			calls++
			if p.Tensors == 5 {
				cancel()
			}
		},
	})
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, 5, calls)
	assertEmptyDir(t, outDir)
}

func TestConvertReplacesOtherFile(t *testing.T) {
	outDir := t.TempDir()
	dst := filepath.Join(outDir, "out.gguf")
	require.NoError(t, os.WriteFile(dst, []byte("old"), 0o600))
	var last Progress
	res, err := Convert(context.Background(), tinyV1, dst, ConvertOptions{Type: gguf.TypeF16, Progress: func(p Progress) { last = p }})
	require.NoError(t, err)
	info, err := os.Stat(dst)
	require.NoError(t, err)
	assert.Equal(t, res.OutputBytes, info.Size())
	assert.Equal(t, os.FileMode(0o644), info.Mode().Perm())
	assert.Equal(t, Progress{Tensor: "blk.3.ffn_down.weight", Tensors: 39, Total: 39, Bytes: 17959168, TotalBytes: 17959168}, last)
	entries, err := os.ReadDir(outDir)
	require.NoError(t, err)
	assert.Len(t, entries, 1)
	name, _ := openGGUF(t, dst).Lookup("general.name")
	assert.Equal(t, gguf.String("tiny-mistral-v1"), name, "named after the folder")
	assert.False(t, errors.Is(err, fs.ErrNotExist))
}
