package gguf

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// repoModel is the GGUF file shipped in the repository; sharedTestdata holds
// more of them beside the repository (absent from a fresh clone).
var (
	repoModel      = testref.TinyModel()
	sharedTestdata = testref.SharedDir()
)

// sharedModels returns the GGUF files under sharedTestdata, or skips t.
func sharedModels(t *testing.T) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("extended test: skipped in -short mode")
	}
	if _, err := os.Stat(sharedTestdata); err != nil {
		t.Skipf("extended test: %s is absent (a fresh clone has no shared/ beside it): %v", sharedTestdata, err)
	}
	var paths []string
	err := filepath.WalkDir(sharedTestdata, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".gguf") {
			paths = append(paths, p)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no .gguf under %s", sharedTestdata)
	return paths
}

// rewrite writes m's metadata and tensors back with a Writer.
func rewrite(t testing.TB, m *Mapped) []byte {
	t.Helper()
	var buf bytes.Buffer
	buf.Grow(int(m.Size))
	w, err := NewWriter(&buf, m.KV, m.Tensors, WriterOptions{})
	require.NoError(t, err)
	require.Equal(t, m.Tensors, w.Tensors(), "offsets are laid out as the original's")
	for _, ti := range m.Tensors {
		require.NoError(t, w.WriteTensor(ti.Name, m.TensorData(ti)))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

func testRoundTrip(t *testing.T, path string) {
	m, err := Open(path)
	require.NoError(t, err)
	defer m.Close()
	got := rewrite(t, m)
	// Not assert.Equal: a diff of megabytes helps nobody.
	require.Equal(t, len(m.Bytes()), len(got))
	require.True(t, bytes.Equal(m.Bytes(), got), "the rewritten file differs from %s", path)
}

func TestRoundTripRepoModel(t *testing.T) { testRoundTrip(t, repoModel) }

func TestRoundTripSharedModels(t *testing.T) {
	for _, p := range sharedModels(t) {
		t.Run(filepath.Base(p), func(t *testing.T) { testRoundTrip(t, p) })
	}
}

// TestRealFileFacts checks what Decode finds against the facts of the tiny
// models (testdata/README.md of the shared reference data).
func TestRealFileFacts(t *testing.T) {
	type fact struct {
		key  string
		want any
	}
	check := func(t *testing.T, path string, vocab, hidden, window int64, embType Type, facts []fact) {
		fd, err := os.Open(path)
		require.NoError(t, err)
		defer fd.Close()
		st, err := fd.Stat()
		require.NoError(t, err)
		f, err := Decode(fd, st.Size())
		require.NoError(t, err)

		assert.Equal(t, uint32(3), f.Version)
		assert.Equal(t, int64(32), f.Alignment)
		assert.Equal(t, st.Size(), f.Size)
		arch, err := f.Str("general.architecture")
		require.NoError(t, err)
		assert.Equal(t, "llama", arch)
		w, err := f.Uint("llama.attention.sliding_window")
		require.NoError(t, err)
		assert.Equal(t, uint64(window), w)
		for _, fc := range facts {
			v, ok := f.Lookup(fc.key)
			require.True(t, ok, fc.key)
			switch want := fc.want.(type) {
			case uint64:
				got, ok := v.Uint()
				assert.True(t, ok, fc.key)
				assert.Equal(t, want, got, fc.key)
			case float64:
				got, ok := v.Float()
				assert.True(t, ok, fc.key)
				assert.InDelta(t, want, got, want*1e-6, fc.key)
			}
		}
		tokens, err := f.Strings("tokenizer.ggml.tokens")
		require.NoError(t, err)
		assert.Len(t, tokens, int(vocab))
		assert.Equal(t, []string{"<unk>", "<s>", "</s>"}, tokens[:3])
		scores, err := f.Float32s("tokenizer.ggml.scores")
		require.NoError(t, err)
		assert.Len(t, scores, int(vocab))
		types, err := f.Int32s("tokenizer.ggml.token_type")
		require.NoError(t, err)
		assert.Len(t, types, int(vocab))

		assert.Len(t, f.Tensors, 3+4*9)
		emb, ok := f.Tensor("token_embd.weight")
		require.True(t, ok)
		assert.Equal(t, []int64{hidden, vocab}, emb.Shape)
		assert.Equal(t, embType, emb.Type)
		norm, ok := f.Tensor("output_norm.weight")
		require.True(t, ok)
		assert.Equal(t, []int64{hidden}, norm.Shape)
		assert.Equal(t, TypeF32, norm.Type)
		for _, name := range []string{"attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"} {
			_, ok := f.Tensor("blk.3." + name + ".weight")
			assert.True(t, ok, name)
		}
		k, ok := f.Tensor("blk.0.attn_k.weight")
		require.True(t, ok)
		assert.Equal(t, []int64{hidden, 2 * 32}, k.Shape, "2 kv heads of 32")
	}

	t.Run("v1 f16", func(t *testing.T) {
		check(t, repoModel, 32000, 128, 128, TypeF16, []fact{
			{"llama.block_count", uint64(4)}, {"llama.embedding_length", uint64(128)},
			{"llama.feed_forward_length", uint64(384)}, {"llama.attention.head_count", uint64(4)},
			{"llama.attention.head_count_kv", uint64(2)}, {"llama.rope.freq_base", 10000.0},
			{"tokenizer.ggml.bos_token_id", uint64(1)}, {"tokenizer.ggml.eos_token_id", uint64(2)},
		})
	})
	t.Run("v3", func(t *testing.T) {
		for _, p := range sharedModels(t) {
			if !strings.Contains(p, "v3") {
				continue
			}
			q := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(p), "tiny-mistral-v3-"), ".gguf")
			embType := map[string]Type{"Q4_0": TypeQ4_0, "Q8_0": TypeQ8_0, "Q4_K_M": TypeQ4_K, "Q6_K": TypeQ6_K}[q]
			t.Run(q, func(t *testing.T) {
				check(t, p, 32768, 256, 96, embType, []fact{
					{"llama.block_count", uint64(4)}, {"llama.feed_forward_length", uint64(768)},
					{"llama.attention.head_count", uint64(8)}, {"llama.rope.freq_base", 1e6},
				})
			})
		}
	})
}
