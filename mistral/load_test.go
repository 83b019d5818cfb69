package mistral

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// rewrite copies the tiny model to a temporary file, letting edit change its
// metadata and tensor list first; data returns the bytes to write for a
// tensor (nil: the original's).
func rewrite(t *testing.T, edit func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo)) string {
	t.Helper()
	src, err := gguf.Open(tinyModel)
	require.NoError(t, err)
	defer src.Close()
	kv := append([]gguf.KV(nil), src.KV...)
	ts := append([]gguf.TensorInfo(nil), src.Tensors...)
	kv, ts = edit(kv, ts)
	path := filepath.Join(t.TempDir(), "model.gguf")
	f, err := os.Create(path)
	require.NoError(t, err)
	defer f.Close()
	w, err := gguf.NewWriter(f, kv, ts, gguf.WriterOptions{})
	require.NoError(t, err)
	for _, ti := range ts {
		data := make([]byte, ti.Bytes())
		if orig, ok := src.Tensor(ti.Name); ok && orig.Type == ti.Type && orig.Bytes() == ti.Bytes() {
			copy(data, src.TensorData(orig))
		}
		require.NoError(t, w.WriteTensor(ti.Name, data))
	}
	require.NoError(t, w.Close())
	return path
}

func setKV(kv []gguf.KV, key string, v gguf.Value) []gguf.KV {
	for i := range kv {
		if kv[i].Key == key {
			kv[i].Value = v
			return kv
		}
	}
	return append(kv, gguf.KV{Key: key, Value: v})
}

func dropKV(kv []gguf.KV, key string) []gguf.KV {
	out := kv[:0:0]
	for _, e := range kv {
		if e.Key != key {
			out = append(out, e)
		}
	}
	return out
}

func editKV(key string, v gguf.Value) func([]gguf.KV, []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
	return func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
		return setKV(kv, key, v), ts
	}
}

func editTensor(name string, f func(*gguf.TensorInfo)) func([]gguf.KV, []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
	return func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
		for i := range ts {
			if ts[i].Name == name {
				ti := ts[i]
				ti.Shape = append([]int64(nil), ti.Shape...)
				f(&ti)
				ts[i] = ti
			}
		}
		return kv, ts
	}
}

func TestLoadRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name string
		edit func([]gguf.KV, []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo)
		is   error
		msg  string
	}{
		{"wrong architecture", editKV("general.architecture", gguf.String("gpt2")), ErrArchitecture, "gpt2"},
		{"no architecture", func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
			return dropKV(kv, "general.architecture"), ts
		}, ErrBadModel, "general.architecture"},
		{"missing tensor", func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
			out := ts[:0:0]
			for _, ti := range ts {
				if ti.Name != "blk.3.ffn_down.weight" {
					out = append(out, ti)
				}
			}
			return kv, out
		}, ErrBadModel, "blk.3.ffn_down.weight"},
		{"mis-shaped tensor", editTensor("blk.1.attn_k.weight", func(ti *gguf.TensorInfo) { ti.Shape[1] = 128 }), ErrBadModel, "blk.1.attn_k.weight"},
		{"unsupported type", editTensor("blk.0.ffn_up.weight", func(ti *gguf.TensorInfo) { ti.Type = gguf.TypeI32 }), ErrUnsupportedType, "blk.0.ffn_up.weight"},
		{"norm not f32", editTensor("output_norm.weight", func(ti *gguf.TensorInfo) { ti.Type = gguf.TypeF16 }), ErrUnsupportedType, "output_norm"},
		{"zero heads", editKV("llama.attention.head_count", gguf.Uint32(0)), ErrBadModel, "head_count"},
		{"heads do not divide width", editKV("llama.attention.head_count", gguf.Uint32(3)), ErrBadModel, "heads"},
		{"kv heads do not divide heads", editKV("llama.attention.head_count_kv", gguf.Uint32(3)), ErrBadModel, "key/value heads"},
		{"width disagrees with tensors", editKV("llama.embedding_length", gguf.Uint32(256)), ErrBadModel, "shape"},
		{"ffn disagrees with tensors", editKV("llama.feed_forward_length", gguf.Uint32(500)), ErrBadModel, "ffn_gate"},
		{"absurd layer count", editKV("llama.block_count", gguf.Uint32(1<<30)), ErrBadModel, "block_count"},
		{"layer count beyond tensors", editKV("llama.block_count", gguf.Uint32(5)), ErrBadModel, "blk.4"},
		{"negative epsilon", editKV("llama.attention.layer_norm_rms_epsilon", gguf.Float32(-1)), ErrBadModel, "epsilon"},
		{"epsilon of wrong type", editKV("llama.attention.layer_norm_rms_epsilon", gguf.String("tiny")), ErrBadModel, "epsilon"},
		{"zero window", editKV("llama.attention.sliding_window", gguf.Uint32(0)), ErrBadModel, "sliding_window"},
		{"rope base not a number", editKV("llama.rope.freq_base", gguf.String("x")), ErrBadModel, "freq_base"},
		{"vocabulary disagrees with embedding", func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
			for i := range kv {
				switch kv[i].Key {
				case "tokenizer.ggml.tokens":
					s, _ := kv[i].Value.Strings()
					kv[i].Value = gguf.Strings(s[:31999])
				case "tokenizer.ggml.scores":
					s, _ := kv[i].Value.Float32s()
					kv[i].Value = gguf.Float32s(s[:31999])
				case "tokenizer.ggml.token_type":
					s, _ := kv[i].Value.Int32s()
					kv[i].Value = gguf.Int32s(s[:31999])
				}
			}
			return kv, ts
		}, ErrBadModel, "31999"},
		{"special token out of range", editKV("tokenizer.ggml.eos_token_id", gguf.Uint32(40000)), ErrBadModel, "40000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := rewrite(t, tt.edit)
			m, err := Load(context.Background(), path, Config{})
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorIs(t, err, tt.is)
			assert.Contains(t, err.Error(), tt.msg)
			assert.Contains(t, err.Error(), "mistral: load")
		})
	}
}

func TestLoadRejectsNonGGUF(t *testing.T) {
	dir := t.TempDir()
	junk := filepath.Join(dir, "junk.gguf")
	require.NoError(t, os.WriteFile(junk, []byte("this is not a model at all, just text"), 0o644))
	_, err := Load(context.Background(), junk, Config{})
	assert.ErrorIs(t, err, ErrNotGGUF)

	whole, err := os.ReadFile(tinyModel)
	require.NoError(t, err)
	for _, n := range []int{10, 1000, 600_000, len(whole) - 100} {
		cut := filepath.Join(dir, "cut.gguf")
		require.NoError(t, os.WriteFile(cut, whole[:n], 0o644))
		_, err = Load(context.Background(), cut, Config{})
		assert.ErrorIs(t, err, ErrNotGGUF, "truncated to %d bytes", n)
	}
	_, err = Load(context.Background(), filepath.Join(dir, "absent.gguf"), Config{})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestLoadCancelAndChangedFile(t *testing.T) {
	path := rewrite(t, func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) { return kv, ts })
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	_, err := Load(ctx, path, Config{Progress: func(done, total int64) {
		calls++
		if calls == 3 {
			cancel()
		}
	}})
	assert.ErrorIs(t, err, context.Canceled)

	// A writer appends to the file while it loads.
	_, err = Load(context.Background(), path, Config{Progress: func(done, total int64) {
		if done == total {
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.Write([]byte("more"))
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}
	}})
	assert.ErrorIs(t, err, ErrFileChanged)
}

func TestLoadWindowPrecedence(t *testing.T) {
	m := loadTiny(t)
	assert.Equal(t, 128, m.Params().Window)
	assert.Equal(t, "file", m.Params().WindowSource.String())

	over, err := Load(context.Background(), tinyModel, Config{SlidingWindow: 64})
	require.NoError(t, err)
	defer over.Close()
	assert.Equal(t, 64, over.Params().Window)
	assert.Equal(t, "config", over.Params().WindowSource.String())

	// Without the key, a tiny model is not Mistral 7B v0.1: full attention
	// over its context length.
	path := rewrite(t, func(kv []gguf.KV, ts []gguf.TensorInfo) ([]gguf.KV, []gguf.TensorInfo) {
		return dropKV(kv, "llama.attention.sliding_window"), ts
	})
	none, err := Load(context.Background(), path, Config{})
	require.NoError(t, err)
	defer none.Close()
	assert.Equal(t, "none", none.Params().WindowSource.String())
	assert.Equal(t, none.Params().ContextLength, none.Params().Window)
}

func TestRecogniseMistral7Bv01(t *testing.T) {
	p := Params{Dim: 4096, Layers: 32, Heads: 32, KVHeads: 8, FFN: 14336, RopeBase: 10000, Vocab: 32000}
	assert.True(t, p.IsMistral7Bv01())
	p.RopeBase = 1e6 // v0.2 and later: no sliding window
	assert.False(t, p.IsMistral7Bv01())
}

func TestModelCloseIsIdempotent(t *testing.T) {
	m, err := Load(context.Background(), tinyModel, Config{})
	require.NoError(t, err)
	s, err := m.NewSession(SessionConfig{})
	require.NoError(t, err)
	require.NoError(t, m.Close())
	require.NoError(t, m.Close())
	err = s.Feed(context.Background(), []int32{1, 2, 3})
	assert.True(t, errors.Is(err, ErrClosed), "feed after the model closed: %v", err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close())
	var nilModel *Model
	assert.NoError(t, nilModel.Close())
	_, err = m.NewSession(SessionConfig{})
	assert.ErrorIs(t, err, ErrClosed)
}

// TestDefaultThreads: by default a model computes on one thread per CPU,
// but a model too small to share its passes on one.
func TestDefaultThreads(t *testing.T) {
	m, err := Load(context.Background(), tinyModel, Config{})
	require.NoError(t, err)
	defer m.Close()
	assert.Equal(t, 1, m.threads(), "the small model of testdata: one thread")
	big := &model{size: 4 << 30}
	assert.Equal(t, runtime.GOMAXPROCS(0), big.threads(), "a 4 GB model: one per CPU")
	set := &model{size: 1 << 20, cfg: Config{Threads: 3}}
	assert.Equal(t, 3, set.threads(), "Config.Threads wins")
}
