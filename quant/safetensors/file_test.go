package safetensors

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenRealShard(t *testing.T) {
	f, err := Open(filepath.Join(tinyDir, "model-00001-of-00002.safetensors"))
	require.NoError(t, err)
	defer f.Close()
	assert.Len(t, f.Tensors(), 38)
	assert.Equal(t, "pt", f.Metadata()["format"])

	emb, ok := f.Tensor("model.embed_tokens.weight")
	require.True(t, ok)
	assert.Equal(t, F16, emb.DType)
	assert.Equal(t, []int64{32000, 128}, emb.Shape)
	assert.Len(t, emb.Data(), 32000*128*2)
	assert.Same(t, f, emb.File())
	assert.Equal(t, len(emb.Data()), cap(emb.Data()), "capacity clipped")

	_, ok = f.Tensor("lm_head.weight")
	assert.False(t, ok)

	// The data slice is where the header says, in the file.
	raw, err := os.ReadFile(f.Path)
	require.NoError(t, err)
	norm, ok := f.Tensor("model.norm.weight")
	require.True(t, ok)
	assert.Equal(t, raw[len(raw)-256:], norm.Data())
	norm.Release() // advice only: the data stays readable
	assert.Equal(t, raw[len(raw)-256:], norm.Data())
	emb.Release()
	assert.Equal(t, raw[f.Header.DataOffset:f.Header.DataOffset+16], emb.Data()[:16])

	require.NoError(t, f.Close())
	require.NoError(t, f.Close(), "Close is idempotent")
	assert.Panics(t, func() { _ = norm.Data() }, "use after Close")
	assert.NoError(t, (*File)(nil).Close())
}

func TestOpenErrors(t *testing.T) {
	good := encodeFile(t, []testTensor{{"w", F32, []int64{2}, make([]byte, 8)}}, nil)

	_, err := Open(filepath.Join(t.TempDir(), "missing.safetensors"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
	assert.Contains(t, err.Error(), "safetensors: ")

	_, err = Open(t.TempDir())
	assert.ErrorContains(t, err, "not a regular file")

	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "shorter than the 8-byte header length"},
		{"truncated", good[:len(good)-3], "run past the 5-byte data section"},
		{"extended", append(good, 0), "1 bytes in the data section after the last tensor"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := writeTemp(t, "x.safetensors", tt.data)
			_, err := Open(p)
			var fe *FormatError
			require.True(t, errors.As(err, &fe), "%v", err)
			assert.Equal(t, p, fe.File)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), p)
		})
	}
}

func TestDecodeFloat32(t *testing.T) {
	want := []float32{1, -2.5, 0, float32(math.Inf(-1)), 65504, 0.000061035156}
	f32 := make([]byte, 0, 4*len(want))
	f16 := make([]byte, 0, 2*len(want))
	bf16 := make([]byte, 0, 2*len(want))
	for _, v := range want {
		f32 = binary.LittleEndian.AppendUint32(f32, math.Float32bits(v))
		f16 = binary.LittleEndian.AppendUint16(f16, Float32ToFloat16(v))
		bf16 = binary.LittleEndian.AppendUint16(bf16, Float32ToBFloat16(v))
	}
	for _, tt := range []struct {
		dt   DType
		src  []byte
		want []float32
	}{
		{F32, f32, want},
		{F16, f16, want},
		{BF16, bf16, []float32{1, -2.5, 0, float32(math.Inf(-1)), 65536, 0.00006103515625}},
	} {
		got := make([]float32, len(want))
		require.NoError(t, DecodeFloat32(got, tt.src, tt.dt), tt.dt)
		assert.Equal(t, tt.want, got, tt.dt)
	}
	assert.ErrorContains(t, DecodeFloat32(make([]float32, 1), []byte{1, 2, 3, 4}, F16), "size mismatch")
	assert.ErrorContains(t, DecodeFloat32(make([]float32, 1), []byte{1, 2, 3}, F16), "size mismatch")
	assert.ErrorContains(t, DecodeFloat32(make([]float32, 1), []byte{1}, I8), "cannot convert I8")
}
