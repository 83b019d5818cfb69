package quant

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/mistral/tokenizer"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// f16Matrix returns a rows×cols F16 tensor of normally distributed values
// (standard deviation 0.02, like a trained model's weights), row-major.
func f16Matrix(rows, cols int) *inputTensor {
	rng := rand.New(rand.NewPCG(7, 11))
	data := make([]byte, 0, 2*rows*cols)
	for range rows * cols {
		data = binary.LittleEndian.AppendUint16(data, safetensors.Float32ToFloat16(float32(rng.NormFloat64()*0.02)))
	}
	return &inputTensor{name: "bench.weight", shape: []int64{int64(cols), int64(rows)}, typ: gguf.TypeF16, data: data}
}

// benchTypes are the tensor types the file types write, the fallbacks
// included.
var benchTypes = []gguf.Type{
	gguf.TypeF32, gguf.TypeBF16,
	gguf.TypeQ8_0, gguf.TypeQ5_1, gguf.TypeQ5_0, gguf.TypeQ4_1, gguf.TypeQ4_0, gguf.TypeIQ4_NL,
	gguf.TypeQ6_K, gguf.TypeQ5_K, gguf.TypeQ4_K, gguf.TypeQ3_K, gguf.TypeQ2_K,
}

// BenchmarkQuantizeRows measures quantisation throughput per tensor type, in
// MB/s of F16 input: a 1024×4096 matrix (Mistral 7B's row length, 8 MiB of
// F16) decoded and quantised on GOMAXPROCS goroutines, as Quantize does.
//
//	go test ./quant -run NONE -bench QuantizeRows -benchtime 20x
func BenchmarkQuantizeRows(b *testing.B) {
	t := f16Matrix(1024, 4096)
	enc := newRowEncoder(runtime.GOMAXPROCS(0))
	for _, typ := range benchTypes {
		b.Run(typ.String(), func(b *testing.B) {
			size, err := typ.RowBytes(t.elements())
			require.NoError(b, err)
			dst := make([]byte, size)
			b.SetBytes(int64(len(t.data)))
			for b.Loop() {
				if err := enc.encode(context.Background(), t, typ, dst); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(8*float64(size)/float64(t.elements()), "bits/weight")
		})
	}
}

// BenchmarkQuantizeFile measures whole quantisations from the Hugging Face
// folder (F16 safetensors) of tiny-mistral-v3 (tiny-mistral-v1 without
// ../shared), metadata, temporary file and fsync included: MB/s of F16
// input.
func BenchmarkQuantizeFile(b *testing.B) {
	src := tinyV1
	if v3 := filepath.Join(sharedData, "tiny-mistral-v3"); exists(v3) {
		src = v3
	}
	for _, ft := range []FileType{FileTypeF16, FileTypeQ8_0, FileTypeQ6_K, FileTypeQ5_K_M, FileTypeQ4_K_M, FileTypeQ4_0, FileTypeQ3_K_M, FileTypeQ2_K} {
		b.Run(ft.String(), func(b *testing.B) {
			dst := filepath.Join(b.TempDir(), "out.gguf")
			var res *QuantizeResult
			for b.Loop() {
				var err error
				if res, err = Quantize(context.Background(), src, dst, QuantizeOptions{Type: ft}); err != nil {
					b.Fatal(err)
				}
			}
			b.SetBytes(res.InputBytes)
		})
	}
}

// TestQuantizeStreams checks that quantisation holds one tensor at a time:
// what it allocates beyond the tokenizer stays near the output of the
// largest tensor, far below the size of the model.
func TestQuantizeStreams(t *testing.T) {
	baseline := allocatedBy(func() {
		_, err := tokenizer.LoadSentencePiece(filepath.Join(tinyV1, tokenizerName))
		require.NoError(t, err)
	})
	const slack = 4 << 20 // metadata arrays, scratch buffers, small tensors
	for _, tt := range []struct {
		ft      FileType
		largest uint64 // output bytes of the largest tensors (the buffer grows once)
	}{
		{FileTypeQ4_K_M, 32000*4*22 + 32000*4*34}, // token_embd in Q5_0, then output in Q8_0; the whole output is 7.8 MB
		{FileTypeF32, 32000 * 128 * 4},            // token_embd; the whole output is 36 MB
	} {
		dst := filepath.Join(t.TempDir(), "out.gguf")
		var res *QuantizeResult
		allocated := allocatedBy(func() {
			var err error
			res, err = Quantize(context.Background(), tinyV1, dst, QuantizeOptions{Type: tt.ft, Threads: 2})
			require.NoError(t, err)
		})
		t.Logf("%v: quantised %d bytes into %d, allocated %d (tokenizer alone: %d)", tt.ft, res.InputBytes, res.OutputBytes, allocated, baseline)
		assert.Less(t, allocated, baseline+tt.largest+slack, tt.ft)
	}
}
