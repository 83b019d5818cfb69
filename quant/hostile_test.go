package quant

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// Bounds every hostile folder must keep to: it ends in an error (or, for a
// harmless edit, a good file) within hostileTime, allocating no more than
// hostileMemory on the way.
const (
	hostileMemory = 256 << 20
	hostileTime   = 5 * time.Second
)

// hostile is a hostile model folder and what converting it must end in.
type hostile struct {
	name string
	make func(t *testing.T) string // makes the folder
	want string                    // part of the error; "" for a harmless edit, which must convert as the original does
}

// hostileFolders builds, from the tiny model shipped with the repository,
// folders the way published advisories against safetensors and model
// loaders build them: header length bombs, offsets past the end, reversed
// or overlapping, shapes that overflow or disagree with their offsets,
// unknown or wrongly typed dtypes, duplicate keys, index entries that point
// outside the folder or to missing shards, configurations with zero,
// negative, huge or mistyped hyper-parameters, missing, truncated or random
// tokenizer files; and a few harmless edits.
func hostileFolders(t *testing.T) []hostile {
	// Edits of the Hugging Face folder.
	hf := func(edit func(t *testing.T, dir string)) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := linkDir(t, tinyV1)
			edit(t, dir)
			return dir
		}
	}
	config := func(key string, v any) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) { editJSON(t, dir, hfConfigName, func(m map[string]any) { m[key] = v }) })
	}
	rawConfig := func(js string) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) { replaceFile(t, dir, hfConfigName, []byte(js)) })
	}
	header := func(shard string, edit func(h map[string]any)) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) {
			editSafetensors(t, dir, shard, func(h map[string]any, data []byte) []byte { edit(h); return data })
		})
	}
	entry := func(name, field string, v any) func(t *testing.T) string {
		return header(shard1, func(h map[string]any) { tensorEntry(h, name)[field] = v })
	}
	// rawShard replaces shard2 by what edit makes of its bytes.
	rawShard := func(edit func(b []byte) []byte) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) {
			b, err := os.ReadFile(filepath.Join(tinyV1, shard2))
			require.NoError(t, err)
			replaceFile(t, dir, shard2, edit(bytes.Clone(b)))
		})
	}
	lengthSays := func(n uint64) func(t *testing.T) string {
		return rawShard(func(b []byte) []byte { binary.LittleEndian.PutUint64(b, n); return b })
	}
	index := func(edit func(wm map[string]any)) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) {
			editJSON(t, dir, safetensors.IndexName, func(m map[string]any) { edit(m["weight_map"].(map[string]any)) })
		})
	}
	file := func(name string, b []byte) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) { replaceFile(t, dir, name, b) })
	}
	link := func(name, target string) func(t *testing.T) string {
		return hf(func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, name)))
			require.NoError(t, os.Symlink(target, filepath.Join(dir, name)))
		})
	}
	tokenizerBytes := func(t *testing.T) []byte {
		b, err := os.ReadFile(filepath.Join(tinyV1, tokenizerName))
		require.NoError(t, err)
		return b
	}

	// Edits of the consolidated folder made from it.
	cons := consolidatedTiny(t)
	params := func(key string, v any) func(t *testing.T) string {
		return func(t *testing.T) string {
			dir := linkDir(t, cons)
			editJSON(t, dir, consolidatedParamsName, func(m map[string]any) { m[key] = v })
			return dir
		}
	}

	random := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(21, 21))
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	manyTensors := rawShard(func(b []byte) []byte { // a header of about 1 MB
		var h strings.Builder
		h.WriteString(`{"__metadata__":{"format":"pt"}`)
		for i := range 20000 {
			fmt.Fprintf(&h, `,"t%d":{"dtype":"F16","shape":[0],"data_offsets":[0,0]}`, i)
		}
		h.WriteString(`,"lm_head.weight":{"dtype":"F16","shape":[32000,128],"data_offsets":[0,8192000]}}`)
		n := binary.LittleEndian.Uint64(b)
		return append(binary.LittleEndian.AppendUint64(nil, uint64(h.Len())), append([]byte(h.String()), b[8+n:]...)...)
	})

	return []hostile{
		// Safetensors headers.
		{"header length bomb", lengthSays(1 << 62), "header length 4611686018427387904 exceeds the limit"},
		{"header length past the file", lengthSays(8192113), "header length 8192113 exceeds the 8192112 bytes that follow it"},
		{"header length zero", lengthSays(0), "header does not start with '{'"},
		{"header beyond the folder's limit", hf(func(t *testing.T, dir string) {
			// A file that long, sparse: the length is refused before anything is read.
			replaceFile(t, dir, shard2, binary.LittleEndian.AppendUint64(nil, maxHeaderSize+1))
			require.NoError(t, os.Truncate(filepath.Join(dir, shard2), 2*maxHeaderSize))
		}), "header length " + strconv.Itoa(maxHeaderSize+1) + " exceeds the limit of " + strconv.Itoa(maxHeaderSize) + " bytes"},
		{"header of too many tensors", manyTensors, "more than " + strconv.Itoa(maxTensors) + " tensors"},
		{"header not JSON", rawShard(func(b []byte) []byte { copy(b[8:], "[1,2,"); return b }), "header does not start with '{'"},
		{"header cut inside a string", rawShard(func(b []byte) []byte { copy(b[8+100:], `"`); return b }), "invalid JSON"},
		{"offsets past the end", entry("model.norm.weight", "data_offsets", []int64{9766912 + 256, 9767168 + 256}), "run past the"},
		{"offsets near the int64 limit", entry("model.norm.weight", "data_offsets", []int64{1<<63 - 257, 1<<63 - 1}), "run past the"},
		{"offsets reversed", entry("model.norm.weight", "data_offsets", []int64{9767168, 9766912}), "end before they begin"},
		{"offsets overlapping", entry("model.norm.weight", "data_offsets", []int64{0, 256}), "overlap"},
		{"offsets leave a gap", entry("model.embed_tokens.weight", "data_offsets", []int64{2, 8192002}), "gap of 2 bytes"},
		{"negative offset", entry("model.norm.weight", "data_offsets", []int64{-256, 0}), "not a non-negative 64-bit integer"},
		{"three offsets", entry("model.norm.weight", "data_offsets", []int64{9766912, 9767168, 9767168}), "data_offsets has 3 values"},
		{"shape overflows", entry("model.norm.weight", "shape", []uint64{1 << 62, 1 << 62}), "overflows"},
		{"shape disagrees with offsets", entry("model.norm.weight", "shape", []int{127}), "needs 254 bytes"},
		{"shape of a float", entry("model.norm.weight", "shape", []any{128.5}), "not a non-negative 64-bit integer"},
		{"shape not a list", entry("model.norm.weight", "shape", "128"), "shape: not an array"},
		{"shape of another rank", entry("model.norm.weight", "shape", []int{1, 128}), `tensor "model.norm.weight": shape [1 128], but the configuration implies [128] (hidden_size = 128 in config.json)`},
		{"matrix transposed", header(shard2, func(h map[string]any) { tensorEntry(h, "lm_head.weight")["shape"] = []int{128, 32000} }),
			"shape [128 32000], but the configuration implies [32000 128] (hidden_size = 128, vocab_size = 32000 in config.json)"},
		{"unknown dtype", entry("model.norm.weight", "dtype", "F15"), `unknown dtype "F15"`},
		{"dtype a number", entry("model.norm.weight", "dtype", 16), "dtype is not a string"},
		{"integer dtype", entry("model.norm.weight", "dtype", "I16"), "type I16 (only F32, F16 and BF16 convert)"},
		{"unknown field", entry("model.norm.weight", "offsets", []int{0, 1}), `unknown field "offsets"`},
		{"duplicate tensor", rawShard(func(b []byte) []byte {
			n := binary.LittleEndian.Uint64(b)
			h := b[8 : 8+n]
			at := bytes.Index(h, []byte(`"lm_head.weight"`))
			h = append(append(bytes.Clone(h[:len(h)-1]), ','), h[at:]...) // the entry again, before the closing brace
			return append(binary.LittleEndian.AppendUint64(nil, uint64(len(h))), append(h, b[8+n:]...)...)
		}), `duplicate entry "lm_head.weight"`},
		{"metadata not strings", header(shard1, func(h map[string]any) { h["__metadata__"] = map[string]any{"format": 1} }), "is not a string"},
		{"shard is a folder", hf(func(t *testing.T, dir string) {
			require.NoError(t, os.Remove(filepath.Join(dir, shard2)))
			require.NoError(t, os.Mkdir(filepath.Join(dir, shard2), 0o755))
		}), "not a regular file"},
		{"shard is /dev/zero", link(shard2, "/dev/zero"), "not a regular file"},
		{"shard empty", file(shard2, nil), "shorter than the 8-byte header length"},

		// The shard index.
		{"index points outside the folder", index(func(wm map[string]any) { wm["lm_head.weight"] = "../" + shard2 }), "not a file name in the index's folder"},
		{"index points to an absolute path", index(func(wm map[string]any) { wm["lm_head.weight"] = "/etc/passwd" }), "not a file name in the index's folder"},
		{"index points to a missing shard", index(func(wm map[string]any) { wm["lm_head.weight"] = "model-00003-of-00002.safetensors" }), `shard "model-00003-of-00002.safetensors"`},
		{"index names a tensor no shard has", index(func(wm map[string]any) { wm["model.layers.4.mlp.up_proj.weight"] = shard2 }), "named by the index but missing from shard"},
		{"index places a tensor wrongly", index(func(wm map[string]any) { wm["model.norm.weight"] = shard2 }), "the index places it in " + shard2 + ", but it is in " + shard1},
		{"index names too many tensors", index(func(wm map[string]any) {
			for i := range maxTensors {
				wm["t"+strconv.Itoa(i)] = shard1
			}
		}), "weight_map names more than " + strconv.Itoa(maxTensors) + " tensors"},
		{"index is /dev/zero", link(safetensors.IndexName, "/dev/zero"), "not a regular file"},
		{"index too large", file(safetensors.IndexName, append([]byte(`{"weight_map":{}}`), bytes.Repeat([]byte(" "), safetensors.MaxIndexSize)...)), "more than the 16777216 allowed"},
		{"index not JSON", file(safetensors.IndexName, []byte(`{"weight_map":`)), "invalid index JSON"},
		{"index weight_map a list", file(safetensors.IndexName, []byte(`{"weight_map":["a"]}`)), "no weight_map object"},
		{"index twice a tensor", file(safetensors.IndexName, []byte(`{"weight_map":{"lm_head.weight":"`+shard2+`","lm_head.weight":"`+shard2+`"}}`)), "listed twice"},

		// The configuration.
		{"a billion layers", config("num_hidden_layers", 1e9), "num_hidden_layers: 1000000000 is too large (at most 1024)"},
		{"more layers than the files hold", config("num_hidden_layers", 100), "num_hidden_layers: 100 layers, but the safetensors files hold layers 0 to 3 only"},
		{"zero layers", config("num_hidden_layers", 0), "num_hidden_layers: 0 is not positive"},
		{"negative layers", config("num_hidden_layers", -1), "num_hidden_layers: -1 is not positive"},
		{"layers as a string", config("num_hidden_layers", "4"), `num_hidden_layers: "4" is not an integer`},
		{"layers as a fraction", config("num_hidden_layers", 4.5), "num_hidden_layers: 4.5 is not an integer"},
		{"layers beyond int64", config("num_hidden_layers", 1e300), "num_hidden_layers: 1e+300 is not an integer"},
		{"layers as a list", config("num_hidden_layers", []int{4}), "num_hidden_layers: [4] is not an integer"},
		{"huge width", config("hidden_size", 1<<40), "hidden_size: 1099511627776 is too large"},
		{"wider than the files", rawConfig(tinyConfigWith(t, map[string]any{"hidden_size": 256, "head_dim": nil})), "(hidden_size = 256 in config.json)"},
		{"wider feed-forward than the files", config("intermediate_size", 1<<20), "shape [384 128], but the configuration implies [1048576 128] (intermediate_size = 1048576 in config.json)"},
		{"zero width", config("hidden_size", 0), "hidden_size: 0 is not positive"},
		{"huge vocabulary", config("vocab_size", 1<<30), "vocab_size: 1073741824 is too large"},
		{"vocabulary larger than the tokenizer", config("vocab_size", 64000), "has 32000 pieces, but the model's vocabulary size is 64000"},
		{"more heads than the width", config("num_attention_heads", 1<<20), "num_attention_heads: 1048576 is too large (at most 128)"},
		{"heads that do not divide the width", rawConfig(tinyConfigWith(t, map[string]any{"num_attention_heads": 3, "head_dim": nil})), "num_attention_heads: 3 heads do not divide the embedding length 128"},
		{"zero heads", config("num_attention_heads", 0), "num_attention_heads: 0 is not positive"},
		{"key/value heads that do not divide", config("num_key_value_heads", 3), "num_key_value_heads: 3 key/value heads do not divide the 4 query heads"},
		{"negative head width", config("head_dim", -32), "head_dim: -32 is not positive"},
		{"negative context", config("max_position_embeddings", -1), "max_position_embeddings: -1 is not positive"},
		{"huge context", config("max_position_embeddings", 1<<40), "max_position_embeddings: 1099511627776 is too large"},
		{"epsilon a string", config("rms_norm_eps", "1e-5"), `rms_norm_eps: "1e-5" is not a number`},
		{"epsilon above one", config("rms_norm_eps", 2), "rms_norm_eps: 2 is not a number between 0 and 1"},
		{"theta negative", config("rope_theta", -1), "rope_parameters.rope_theta: 10000 disagrees with rope_theta -1"},
		{"window zero", config("sliding_window", 0), "sliding_window: 0 is not positive"},
		{"window huge", config("sliding_window", 1<<40), "sliding_window: 1099511627776 is too large"},
		{"another model", config("model_type", "gpt2"), `model_type: "gpt2" is not "mistral"`},
		{"duplicate key", rawConfig(`{"model_type":"mistral","num_hidden_layers":4,"num_hidden_layers":1000}`), "num_hidden_layers: given twice"},
		{"config a list", rawConfig(`[1,2,3]`), "not a JSON object"},
		{"config null", rawConfig(`null`), "not a JSON object"},
		{"config empty", rawConfig(``), "not a JSON object"},
		{"config deeply nested", rawConfig(`{"a":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`), "not a JSON object"},
		{"config too large", rawConfig(`{"model_type":"mistral"` + strings.Repeat(" ", maxConfigSize) + `}`), "more than the 1048576 allowed"},
		{"config is /dev/zero", link(hfConfigName, "/dev/zero"), "not a regular file"},
		{"params.json: a billion layers", params("n_layers", 1e9), "n_layers: 1000000000 is too large (at most 1024)"},
		{"params.json: more layers than the file holds", params("n_layers", 1000), "n_layers: 1000 layers, but the safetensors files hold layers 0 to 3 only"},
		{"params.json: negative width", params("dim", -128), "dim: -128 is not positive"},
		{"params.json: wider feed-forward", params("hidden_dim", 4096), "(hidden_dim = 4096 in params.json)"},
		{"consolidated.safetensors: header length bomb", func(t *testing.T) string {
			dir := linkDir(t, cons)
			b, err := os.ReadFile(filepath.Join(cons, consolidatedName))
			require.NoError(t, err)
			binary.LittleEndian.PutUint64(b, 1<<63)
			replaceFile(t, dir, consolidatedName, b)
			return dir
		}, "exceeds the limit"},

		// The tokenizer.
		{"tokenizer missing", hf(func(t *testing.T, dir string) { require.NoError(t, os.Remove(filepath.Join(dir, tokenizerName))) }), "no tokenizer.model"},
		{"tokenizer truncated", hf(func(t *testing.T, dir string) { replaceFile(t, dir, tokenizerName, tokenizerBytes(t)[:200000]) }), tokenizerName},
		{"tokenizer random", file(tokenizerName, random), tokenizerName},
		{"tokenizer empty", file(tokenizerName, nil), "has 0 pieces, but the model's vocabulary size is 32000"},
		{"tokenizer of empty pieces", file(tokenizerName, bytes.Repeat([]byte{0x0a, 0}, 4<<20)), "has 4194304 pieces, but the model's vocabulary size is 32000"},
		{"tokenizer too large", file(tokenizerName, make([]byte, maxTokenizerSize+1)), "more than the 16777216 allowed"},
		{"tokenizer is /dev/zero", link(tokenizerName, "/dev/zero"), "not a regular file"},

		// Harmless edits: the same file as from the original.
		{"config with unknown fields", hf(func(t *testing.T, dir string) {
			editJSON(t, dir, hfConfigName, func(m map[string]any) {
				m["torch_dtype"], m["quantization"], m["_name_or_path"] = "bfloat16", nil, strings.Repeat("a", 10000)
			})
		}), ""},
		{"index metadata wrong", hf(func(t *testing.T, dir string) {
			editJSON(t, dir, safetensors.IndexName, func(m map[string]any) { m["metadata"] = map[string]any{"total_size": -1}; m["extra"] = []int{1} })
		}), ""},
		{"header reordered with more metadata", header(shard1, func(h map[string]any) {
			h["__metadata__"] = map[string]any{"format": "pt", "note": strings.Repeat("b", 1000)}
		}), ""},
	}
}

// tinyConfigWith returns the tiny model's config.json with the given
// members set (nil removes one).
func tinyConfigWith(t *testing.T, set map[string]any) string {
	m := tinyConfig(t)
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	require.NoError(t, err)
	return string(b)
}

// consolidatedTiny makes the tiny model's folder in Mistral's consolidated
// layout: params.json, one consolidated.safetensors with mistral-inference's
// names (the Q and K rows are left in Hugging Face's order: the folder is
// for the errors, not for the weights), and the tokenizer.
func consolidatedTiny(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	merged := map[string]any{}
	var data []byte
	for _, shard := range []string{shard1, shard2} {
		h, d := splitSafetensors(t, filepath.Join(tinyV1, shard))
		for name, v := range h {
			if name == "__metadata__" {
				continue
			}
			role, layer := arch.RoleOfSource(arch.FormatHuggingFace, name)
			require.NotZero(t, role, name)
			e := v.(map[string]any)
			offs := e["data_offsets"].([]any)
			e["data_offsets"] = []int64{int64(offs[0].(float64)) + int64(len(data)), int64(offs[1].(float64)) + int64(len(data))}
			merged[role.SourceName(arch.FormatConsolidated, layer)] = e
		}
		data = append(data, d...)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, consolidatedName), joinSafetensors(t, merged, data), 0o644))
	params := `{"dim": 128, "n_layers": 4, "head_dim": 32, "hidden_dim": 384, "n_heads": 4, "n_kv_heads": 2,
		"norm_eps": 1e-05, "sliding_window": 128, "vocab_size": 32000, "rope_theta": 10000.0, "max_seq_len": 4096}`
	require.NoError(t, os.WriteFile(filepath.Join(dir, consolidatedParamsName), []byte(params), 0o644))
	abs, err := filepath.Abs(filepath.Join(tinyV1, tokenizerName))
	require.NoError(t, err)
	require.NoError(t, os.Symlink(abs, filepath.Join(dir, tokenizerName)))
	return dir
}

// TestHostileFolders converts every hostile folder (and quantises the good
// ones), checking that each ends in its error (or the original's file)
// within the time and memory bounds, and leaves nothing behind. Memory is the bytes allocated
// while a folder is handled (runtime.MemStats.TotalAlloc: an upper bound of
// what it can have held at once), and the growth of the memory the Go
// runtime holds (Sys); the safetensors files are mapped, not allocated.
func TestHostileFolders(t *testing.T) {
	ctx := context.Background()
	folders := hostileFolders(t)
	_, want, _, err := convertInto(t, tinyV1, ConvertOptions{Type: gguf.TypeF16, Name: "tiny"})
	require.NoError(t, err)
	original, err := os.ReadFile(want)
	require.NoError(t, err)

	var before, after runtime.MemStats
	var worstAlloc, worstSys uint64
	var worstTime time.Duration
	var worstName string
	for _, h := range folders {
		t.Run(h.name, func(t *testing.T) {
			src := h.make(t)
			outDir := t.TempDir()
			dst := filepath.Join(outDir, "out.gguf")
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, err := Convert(ctx, src, dst, ConvertOptions{Type: gguf.TypeF16, Name: "tiny"})
			var converted []byte
			if err == nil {
				converted, _ = os.ReadFile(dst)
				require.NoError(t, os.Remove(dst))
				// Quantize reads a folder as Convert does (openSource): the
				// errors are checked once, the good files twice.
				_, err = Quantize(ctx, src, dst, QuantizeOptions{Type: FileTypeQ8_0, Name: "tiny"})
			}
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)

			alloc := after.TotalAlloc - before.TotalAlloc
			grown := after.Sys - min(before.Sys, after.Sys)
			if alloc > worstAlloc {
				worstAlloc, worstName = alloc, h.name
			}
			worstSys, worstTime = max(worstSys, grown), max(worstTime, elapsed)
			assert.Less(t, alloc, uint64(hostileMemory), "bytes allocated")
			assert.Less(t, elapsed, hostileTime)
			if h.want == "" {
				require.NoError(t, err)
				assert.True(t, bytes.Equal(original, converted), "the same file as from the original folder")
				require.NoError(t, os.Remove(dst))
				assertEmptyDir(t, outDir)
				return
			}
			require.Error(t, err)
			t.Log(err)
			assert.ErrorContains(t, err, h.want)
			assert.True(t, strings.HasPrefix(err.Error(), "quant: "), "%v", err)
			assert.NotContains(t, err.Error(), "quant: quant:")
			assertEmptyDir(t, outDir)
		})
	}
	t.Logf("%d hostile folders: at most %.1f MiB allocated (%s), %.1f MiB more held by the runtime, %v",
		len(folders), float64(worstAlloc)/(1<<20), worstName, float64(worstSys)/(1<<20), worstTime.Round(time.Millisecond))
}
