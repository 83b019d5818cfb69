package quant

import (
	"context"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/gomistral/gomistral/quant/safetensors"
)

// refFloats returns the values of a tensor of the reference file, F16 or F32.
func refFloats(t *testing.T, m *gguf.Mapped, ti gguf.TensorInfo) []float32 {
	t.Helper()
	dt := map[gguf.Type]safetensors.DType{gguf.TypeF16: safetensors.F16, gguf.TypeF32: safetensors.F32}[ti.Type]
	out := make([]float32, ti.Elements())
	require.NoError(t, safetensors.DecodeFloat32(out, m.TensorData(ti), dt))
	return out
}

func TestConvertOutputTypes(t *testing.T) {
	ref := openGGUF(t, refV1)
	for _, tt := range []struct {
		typ      gguf.Type
		fileType uint32
		encode   func(float32) []byte // expected encoding of a reference value
	}{
		{gguf.TypeF32, 0, func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) }},
		{gguf.TypeBF16, 32, func(v float32) []byte {
			return binary.LittleEndian.AppendUint16(nil, safetensors.Float32ToBFloat16(v))
		}},
	} {
		t.Run(tt.typ.String(), func(t *testing.T) {
			_, dst, res, err := convertInto(t, tinyV1, ConvertOptions{Type: tt.typ, Name: refName})
			require.NoError(t, err)
			assert.Equal(t, tt.typ, res.Type)
			got := openGGUF(t, dst)
			ft, _ := got.Lookup("general.file_type")
			assert.Equal(t, gguf.Uint32(tt.fileType), ft)
			require.Len(t, got.Tensors, len(ref.Tensors))
			for i, rt := range ref.Tensors {
				gt := got.Tensors[i]
				require.Equal(t, rt.Name, gt.Name)
				assert.Equal(t, rt.Shape, gt.Shape)
				if len(rt.Shape) == 1 {
					assert.Equal(t, gguf.TypeF32, gt.Type, "norms stay F32")
					assert.True(t, equalBytes(ref.TensorData(rt), got.TensorData(gt)), rt.Name)
					continue
				}
				assert.Equal(t, tt.typ, gt.Type)
				var want []byte
				for _, v := range refFloats(t, ref, rt) {
					want = append(want, tt.encode(v)...)
				}
				assert.True(t, equalBytes(want, got.TensorData(gt)), "data of %s", rt.Name)
			}
		})
	}
}

// f32Copy writes a copy of the tiny model whose safetensors hold F32: the F16
// values widened exactly.
func f32Copy(t *testing.T) string {
	dir := linkDir(t, tinyV1)
	for _, shard := range []string{shard1, shard2} {
		editSafetensors(t, dir, shard, func(header map[string]any, data []byte) []byte {
			var out []byte
			for name, v := range header {
				if name == "__metadata__" {
					continue
				}
				e := v.(map[string]any)
				offs := e["data_offsets"].([]any)
				begin, end := int(offs[0].(float64)), int(offs[1].(float64))
				e["dtype"] = "F32"
				e["data_offsets"] = []int{2 * begin, 2 * end}
			}
			out = make([]byte, 2*len(data))
			for i := 0; i < len(data); i += 2 {
				f := safetensors.Float16ToFloat32(binary.LittleEndian.Uint16(data[i:]))
				binary.LittleEndian.PutUint32(out[2*i:], math.Float32bits(f))
			}
			return out
		})
	}
	return dir
}

func TestConvertF32SourceMatchesReference(t *testing.T) {
	// F32 weights rounded to F16 give back the reference's F16 bytes.
	_, dst, _, err := convertInto(t, f32Copy(t), ConvertOptions{Type: gguf.TypeF16, Name: refName})
	require.NoError(t, err)
	assertSameAsReference(t, openGGUF(t, dst), openGGUF(t, refV1))
}

func TestTensorDataConversions(t *testing.T) {
	// Values exactly representable in F16, BF16 and F32.
	values := []float32{1, -2, 0.5, 0, 1024, -0.125}
	enc := map[safetensors.DType]func(float32) []byte{
		safetensors.F32: func(v float32) []byte { return binary.LittleEndian.AppendUint32(nil, math.Float32bits(v)) },
		safetensors.F16: func(v float32) []byte {
			return binary.LittleEndian.AppendUint16(nil, safetensors.Float32ToFloat16(v))
		},
		safetensors.BF16: func(v float32) []byte {
			return binary.LittleEndian.AppendUint16(nil, safetensors.Float32ToBFloat16(v))
		},
	}
	bytesOf := func(dt safetensors.DType, vs []float32) []byte {
		var b []byte
		for _, v := range vs {
			b = append(b, enc[dt](v)...)
		}
		return b
	}
	for src := range enc {
		for typ, dst := range floatTypes {
			p := filepath.Join(t.TempDir(), "t.safetensors")
			header := map[string]any{"w": map[string]any{"dtype": string(src), "shape": []int{2, 3}, "data_offsets": []int{0, 6 * src.Size()}}}
			require.NoError(t, os.WriteFile(p, joinSafetensors(t, header, bytesOf(src, values)), 0o644))
			f, err := safetensors.Open(p)
			require.NoError(t, err)
			st, _ := f.Tensor("w")
			tensor := sourceTensor{name: "w", shape: []int64{3, 2}, src: st}
			got, err := tensor.data(context.Background(), typ, nil)
			require.NoError(t, err)
			assert.Equal(t, bytesOf(dst, values), got, "%s to %s", src, dst)

			tensor.ropeHeads = 1 // rows 0 and 1 form one pair: unchanged for 2 rows
			got, err = tensor.data(context.Background(), typ, nil)
			require.NoError(t, err)
			assert.Equal(t, bytesOf(dst, values), got, "%s to %s, permuted", src, dst)
			require.NoError(t, f.Close())
		}
	}
}
