package quant

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/arch"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// normShard is the shard of the fuzzing folder whose header is fuzzed: it
// holds the final norm alone.
const normShard = "model-norm.safetensors"

// fuzzBase makes the tiny model's folder with the final norm moved to a
// shard of its own, and returns the folder, the real header of that shard
// and its data.
func fuzzBase(f *testing.F) (dir string, header, data []byte) {
	dir = f.TempDir()
	h, d := splitSafetensors(f, filepath.Join(tinyV1, shard1))
	norm := tensorEntry(h, "model.norm.weight")
	offs := norm["data_offsets"].([]any)
	begin, end := int(offs[0].(float64)), int(offs[1].(float64))
	require.Equal(f, len(d), end, "the norm is the shard's last tensor")
	delete(h, "model.norm.weight")
	require.NoError(f, os.WriteFile(filepath.Join(dir, shard1), joinSafetensors(f, h, d[:begin]), 0o644))

	header, err := json.Marshal(map[string]any{"model.norm.weight": map[string]any{
		"dtype": norm["dtype"], "shape": norm["shape"], "data_offsets": []int{0, end - begin}}})
	require.NoError(f, err)
	data = d[begin:end]

	b, err := os.ReadFile(filepath.Join(tinyV1, safetensors.IndexName))
	require.NoError(f, err)
	var index map[string]any
	require.NoError(f, json.Unmarshal(b, &index))
	index["weight_map"].(map[string]any)["model.norm.weight"] = normShard
	b, err = json.Marshal(index)
	require.NoError(f, err)
	require.NoError(f, os.WriteFile(filepath.Join(dir, safetensors.IndexName), b, 0o644))
	for _, name := range []string{shard2, tokenizerName} {
		abs, err := filepath.Abs(filepath.Join(tinyV1, name))
		require.NoError(f, err)
		require.NoError(f, os.Symlink(abs, filepath.Join(dir, name)))
	}
	return dir, header, data
}

// FuzzConvertFolder converts whole folders: the tiny model's real shards
// beside a fuzzed config.json and one fuzzed safetensors header (of the
// shard holding the final norm). Whatever the two say, Convert ends within
// seconds in an error that names its package once, or in a file whose
// hyper-parameters the loader accepts; it allocates less than 256 MiB and
// leaves nothing behind on an error.
func FuzzConvertFolder(f *testing.F) {
	base, header, data := fuzzBase(f)
	config, err := os.ReadFile(filepath.Join(tinyV1, hfConfigName))
	require.NoError(f, err)
	f.Add(config, header)
	f.Add([]byte(strings.Replace(string(config), `"num_hidden_layers": 4`, `"num_hidden_layers": 1000000000`, 1)), header)
	f.Add([]byte(strings.Replace(string(config), `"num_hidden_layers": 4`, `"num_hidden_layers": 40`, 1)), header)
	f.Add([]byte(strings.Replace(string(config), `"hidden_size": 128`, `"hidden_size": 256`, 1)), header)
	f.Add([]byte(strings.Replace(string(config), `"vocab_size": 32000`, `"vocab_size": 32000, "vocab_size": 1`, 1)), header)
	f.Add(config, []byte(`{"model.norm.weight":{"dtype":"F16","shape":[128],"data_offsets":[256,0]}}`))
	f.Add(config, []byte(`{"model.norm.weight":{"dtype":"F16","shape":[9223372036854775807,2],"data_offsets":[0,256]}}`))
	f.Add(config, []byte(`{"model.norm.weight":{"dtype":"BOOL","shape":[256],"data_offsets":[0,256]}}`))
	f.Add(config, []byte(`{"model.norm.weight":{"dtype":"F16","shape":[128],"data_offsets":[0,256]},"__metadata__":{"format":"pt"}}`))

	f.Fuzz(func(t *testing.T, config, header []byte) {
		dir := t.TempDir()
		for _, name := range []string{shard1, shard2, tokenizerName, safetensors.IndexName} {
			require.NoError(t, os.Symlink(filepath.Join(base, name), filepath.Join(dir, name)))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, hfConfigName), config, 0o644))
		shard := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
		shard = append(append(shard, header...), data...)
		require.NoError(t, os.WriteFile(filepath.Join(dir, normShard), shard, 0o644))
		outDir := t.TempDir()
		dst := filepath.Join(outDir, "out.gguf")

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := Convert(ctx, dir, dst, ConvertOptions{Type: gguf.TypeF16})
		runtime.ReadMemStats(&after)
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > hostileMemory {
			t.Fatalf("%d bytes allocated", alloc)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("the conversion took more than 10 s")
		}
		if err != nil {
			if res != nil || !strings.HasPrefix(err.Error(), "quant: ") || strings.Contains(err.Error(), "quant: quant:") {
				t.Fatalf("result %v, error %q", res, err)
			}
			if entries, _ := os.ReadDir(outDir); len(entries) > 0 {
				t.Fatalf("%s left behind after %v", entries[0].Name(), err)
			}
			return
		}
		m, err := gguf.Open(dst)
		if err != nil {
			t.Fatalf("the file written does not open: %v", err)
		}
		defer m.Close()
		if _, err := arch.ReadGGUF(m.File); err != nil {
			t.Fatalf("the file written has parameters the loader refuses: %v", err)
		}
	})
}
