package quant

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// BenchmarkConvert measures conversion throughput in MB/s of source tensor
// data (F16 safetensors), per output type, for the tiny models.
func BenchmarkConvert(b *testing.B) {
	sources := []struct{ name, dir string }{{"v1", tinyV1}}
	if _, err := os.Stat(filepath.Join(sharedData, "tiny-mistral-v3")); err == nil {
		sources = append(sources, struct{ name, dir string }{"v3", filepath.Join(sharedData, "tiny-mistral-v3")})
	}
	for _, src := range sources {
		for _, typ := range []gguf.Type{gguf.TypeF16, gguf.TypeBF16, gguf.TypeF32} {
			b.Run(src.name+"/"+typ.String(), func(b *testing.B) {
				dst := filepath.Join(b.TempDir(), "out.gguf")
				var res *ConvertResult
				for b.Loop() {
					var err error
					res, err = Convert(context.Background(), src.dir, dst, ConvertOptions{Type: typ})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.SetBytes(res.InputBytes)
			})
		}
	}
}

// allocatedBy returns the bytes f allocates.
func allocatedBy(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestConvertStreams checks that conversion holds one tensor at a time: what
// it allocates beyond the tokenizer stays near the largest tensor, far below
// the size of the model.
func TestConvertStreams(t *testing.T) {
	baseline := allocatedBy(func() {
		_, err := tokenizer.LoadSentencePiece(filepath.Join(tinyV1, tokenizerName))
		require.NoError(t, err)
	})
	const slack = 4 << 20 // metadata arrays, buffers, small tensors
	for _, tt := range []struct {
		typ     gguf.Type
		largest uint64 // the largest tensor that needs a conversion buffer
	}{
		{gguf.TypeF16, 128 * 128 * 2},   // attn_q, permuted; the rest goes straight from the mapping
		{gguf.TypeF32, 32000 * 128 * 4}, // token_embd; the whole output is 36 MB
	} {
		dst := filepath.Join(t.TempDir(), "out.gguf")
		var res *ConvertResult
		allocated := allocatedBy(func() {
			var err error
			res, err = Convert(context.Background(), tinyV1, dst, ConvertOptions{Type: tt.typ})
			require.NoError(t, err)
		})
		t.Logf("%v: converted %d bytes into %d, allocated %d (tokenizer alone: %d)", tt.typ, res.InputBytes, res.OutputBytes, allocated, baseline)
		assert.Less(t, allocated, baseline+tt.largest+slack, tt.typ)
	}
}

// BenchmarkTensorData measures the conversion of one tensor, without the
// fixed costs of a whole file (tokenizer, metadata, fsync): MB/s of F16 input.
func BenchmarkTensorData(b *testing.B) {
	s, err := openSource(context.Background(), tinyV1)
	require.NoError(b, err)
	defer s.close()
	embd, q := &s.tensors[0], &s.tensors[4]
	require.Equal(b, "token_embd.weight", embd.name)
	require.Equal(b, "blk.0.attn_q.weight", q.name)
	for _, tt := range []struct {
		name string
		t    *sourceTensor
		typ  gguf.Type
	}{
		{"embd/bf16", embd, gguf.TypeBF16},
		{"embd/f32", embd, gguf.TypeF32},
		{"attn_q/f16", q, gguf.TypeF16}, // permuted rows
	} {
		b.Run(tt.name, func(b *testing.B) {
			var buf []byte
			b.SetBytes(tt.t.src.Size())
			for b.Loop() {
				buf, err = tt.t.data(context.Background(), tt.typ, buf)
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
