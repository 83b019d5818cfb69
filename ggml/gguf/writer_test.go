package gguf

import (
	"bufio"
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWriterMatchesHandBuilt checks the Writer's bytes against the file
// that smallFile builds field by field.
func TestWriterMatchesHandBuilt(t *testing.T) {
	want := smallFile()
	f, err := decodeBytes(want)
	require.NoError(t, err)
	kv := []KV{
		{"general.architecture", String("llama")},
		{"general.tokens", Strings([]string{"a", "bc"})},
	}
	tensors := []TensorInfo{
		{Name: "a", Type: TypeF32, Shape: []int64{4, 2}, Offset: 12345}, // ignored
		{Name: "b", Type: TypeF32, Shape: []int64{4}},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, kv, tensors, WriterOptions{})
	require.NoError(t, err)
	assert.Equal(t, f.Tensors, w.Tensors())
	data := want[f.DataOffset:]
	require.NoError(t, w.WriteTensor("a", data[:32]))
	require.NoError(t, w.WriteTensor("b", data[32:48]))
	require.NoError(t, w.Close())
	require.NoError(t, w.Close())
	// The Writer pads the last tensor too, as GGML does.
	assert.Equal(t, append(want, make([]byte, 16)...), buf.Bytes())
	assert.Equal(t, int64(12345), tensors[0].Offset, "the caller's slice is left alone")
}

// everyValue returns metadata with every value type, arrays of every type
// and nested arrays.
func everyValue() []KV {
	return []KV{
		{"general.architecture", String("llama")},
		{"u8", Uint8(255)}, {"i8", Int8(-128)}, {"u16", Uint16(65535)}, {"i16", Int16(-32768)},
		{"u32", Uint32(math.MaxUint32)}, {"i32", Int32(math.MinInt32)}, {"f32", Float32(-1.5e-7)},
		{"bool", Bool(true)}, {"bool.false", Bool(false)}, {"str", String("héllo, wörld\x00\xff")},
		{"str.empty", String("")}, {"u64", Uint64(math.MaxUint64)}, {"i64", Int64(math.MinInt64)},
		{"f64", Float64(math.Inf(-1))}, {"f32.nan", Float32(math.Float32frombits(0x7fc00123))},
		{"a.u8", Uint8s([]uint8{0, 1, 255})}, {"a.i8", Int8s([]int8{-1, 2})},
		{"a.u16", Uint16s([]uint16{3, 65535})}, {"a.i16", Int16s([]int16{-3})},
		{"a.u32", Uint32s([]uint32{1, 2, 3})}, {"a.i32", Int32s([]int32{-7, 7})},
		{"a.f32", Float32s([]float32{0.25, -0, float32(math.Inf(1))})}, {"a.bool", Bools([]bool{true, false, true})},
		{"a.str", Strings([]string{"", "a", "[INST]", "\xe2\x96\x81the"})}, {"a.u64", Uint64s([]uint64{math.MaxUint64})},
		{"a.i64", Int64s([]int64{math.MinInt64, 0})}, {"a.f64", Float64s([]float64{math.Pi})},
		{"a.empty", Float32s(nil)},
		{"a.nested", Array(ValueArray, []Value{
			Strings([]string{"x", "y"}),
			Array(ValueArray, []Value{Int32s([]int32{1}), Array(ValueArray, nil), Bools(nil)}),
			Uint8s(nil),
		})},
	}
}

// someTensors returns tensors of several types and their data.
func someTensors() ([]TensorInfo, [][]byte) {
	tensors := []TensorInfo{
		{Name: "token_embd.weight", Type: TypeQ4_K, Shape: []int64{256, 3}},
		{Name: "f32", Type: TypeF32, Shape: []int64{3, 2}},
		{Name: "f16", Type: TypeF16, Shape: []int64{5}},
		{Name: "q4_0", Type: TypeQ4_0, Shape: []int64{64, 2}},
		{Name: "q8_0.4d", Type: TypeQ8_0, Shape: []int64{32, 1, 2, 3}},
		{Name: "i8", Type: TypeI8, Shape: []int64{1}},
		{Name: "bf16", Type: TypeBF16, Shape: []int64{7, 1}},
		{Name: "q6_K", Type: TypeQ6_K, Shape: []int64{512}},
		{Name: "iq2_xxs", Type: TypeIQ2_XXS, Shape: []int64{256}},
		{Name: strings.Repeat("n", 63), Type: TypeMXFP4, Shape: []int64{32, 2}},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	data := make([][]byte, len(tensors))
	for i, ti := range tensors {
		data[i] = make([]byte, ti.Bytes())
		for j := range data[i] {
			data[i][j] = byte(rng.Uint32())
		}
	}
	return tensors, data
}

func TestWriterRoundTrip(t *testing.T) {
	kv := everyValue()
	tensors, data := someTensors()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, kv, tensors, WriterOptions{Alignment: 64})
	require.NoError(t, err)
	for i, ti := range tensors {
		require.NoError(t, w.WriteTensor(ti.Name, data[i]))
	}
	require.NoError(t, w.Close())

	path := filepath.Join(t.TempDir(), "every.gguf")
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
	m, err := Open(path)
	require.NoError(t, err)
	defer m.Close()
	f, err := decodeBoth(t, buf.Bytes())
	require.NoError(t, err)
	requireIdentical(t, f, m.File)

	assert.Equal(t, uint32(3), f.Version)
	assert.Equal(t, int64(64), f.Alignment)
	assert.Equal(t, int64(buf.Len()), f.Size)
	assert.Zero(t, f.DataOffset%64)
	// general.alignment was appended, since the metadata lacked it.
	wantKV := append(kv, KV{alignmentKey, Uint32(64)})
	require.Len(t, f.KV, len(wantKV))
	for i, p := range wantKV {
		assert.Equal(t, p.Key, f.KV[i].Key)
		assertSameValue(t, p.Value, f.KV[i].Value, p.Key)
	}
	assert.Equal(t, w.Tensors(), f.Tensors)
	for i, ti := range f.Tensors {
		assert.Equal(t, tensors[i].Name, ti.Name)
		assert.Equal(t, tensors[i].Type, ti.Type)
		assert.Equal(t, tensors[i].Shape, ti.Shape)
		assert.Zero(t, ti.Offset%64)
		assert.Equal(t, data[i], m.TensorData(ti), ti.Name)
	}
	// The lookups find what was written.
	v, ok := f.Lookup("a.nested")
	require.True(t, ok)
	assert.Equal(t, `[["x", "y"], [[1], [], []], []]`, v.String())
	ti, ok := f.Tensor("q6_K")
	require.True(t, ok)
	assert.Equal(t, int64(420), ti.Bytes())
}

// assertSameValue compares two values bit for bit, through their encoding
// (which tells NaNs apart, unlike reflect.DeepEqual).
func assertSameValue(t *testing.T, want, got Value, msg string) {
	t.Helper()
	assert.Equal(t, want.Type(), got.Type(), msg)
	assert.Equal(t, encodeValue(t, want), encodeValue(t, got), msg)
}

// encodeValue returns the encoding of v's type and v.
func encodeValue(t testing.TB, v Value) []byte {
	var buf bytes.Buffer
	e := &encoder{w: bufio.NewWriterSize(&buf, 64)}
	e.u32(uint32(v.Type()))
	e.value(v)
	if err := e.w.Flush(); e.err != nil || err != nil {
		require.Fail(t, "encoding to memory failed", "%v %v", e.err, err)
	}
	return buf.Bytes()
}

func TestWriterAlignment(t *testing.T) {
	cases := []struct {
		name    string
		kv      []KV
		opt     int64
		want    int64
		keyType ValueType // of general.alignment in the file, if any
		err     string
	}{
		{"default", nil, 0, 32, 0, ""},
		{"from metadata", []KV{{alignmentKey, Uint32(16)}}, 0, 16, ValueUint32, ""},
		{"option agrees", []KV{{alignmentKey, Uint32(128)}}, 128, 128, ValueUint32, ""},
		{"option 32 needs no key", nil, 32, 32, 0, ""},
		{"option appends the key", nil, 1, 1, ValueUint32, ""},
		{"option disagrees", []KV{{alignmentKey, Uint32(16)}}, 64, 0, 0, "disagrees"},
		{"option not a power of two", nil, 48, 0, 0, "not a power of two"},
		{"option too large", nil, 1 << 32, 0, 0, "not a power of two up to 2^31"},
		{"option negative", nil, -32, 0, 0, "not a power of two"},
		{"metadata of the wrong type", []KV{{alignmentKey, Uint64(32)}}, 0, 0, 0, "want uint32"},
		{"metadata zero", []KV{{alignmentKey, Uint32(0)}}, 0, 0, 0, "not a power of two"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			ts := []TensorInfo{{Name: "a", Type: TypeI8, Shape: []int64{3}}, {Name: "b", Type: TypeI8, Shape: []int64{1}}}
			w, err := NewWriter(&buf, tc.kv, ts, WriterOptions{Alignment: tc.opt})
			if tc.err != "" {
				assert.ErrorContains(t, err, tc.err)
				assert.Zero(t, buf.Len(), "nothing is written")
				return
			}
			require.NoError(t, err)
			require.NoError(t, w.WriteTensor("a", []byte{1, 2, 3}))
			require.NoError(t, w.WriteTensor("b", []byte{4}))
			require.NoError(t, w.Close())
			f, err := decodeBoth(t, buf.Bytes())
			require.NoError(t, err)
			assert.Equal(t, tc.want, f.Alignment)
			assert.Equal(t, alignUp(3, tc.want), f.Tensors[1].Offset)
			v, ok := f.Lookup(alignmentKey)
			assert.Equal(t, tc.keyType != 0, ok)
			if ok {
				assert.Equal(t, tc.keyType, v.Type())
			}
		})
	}
}

func TestNewWriterErrors(t *testing.T) {
	f32 := func(name string, shape ...int64) TensorInfo {
		return TensorInfo{Name: name, Type: TypeF32, Shape: shape}
	}
	cases := []struct {
		name    string
		kv      []KV
		tensors []TensorInfo
		err     string
	}{
		{"empty key", []KV{{"", Uint8(1)}}, nil, "empty key"},
		{"key not UTF-8", []KV{{"\xff", Uint8(1)}}, nil, "not valid UTF-8"},
		{"key too long", []KV{{strings.Repeat("k", 1<<16), Uint8(1)}}, nil, "longer than 65535"},
		{"duplicate key", []KV{{"a", Uint8(1)}, {"a", Uint8(2)}}, nil, `duplicate key "a"`},
		{"empty name", nil, []TensorInfo{f32("", 1)}, "empty tensor name"},
		{"name too long", nil, []TensorInfo{f32(strings.Repeat("n", 64), 1)}, "more than GGML's 63"},
		{"name not UTF-8", nil, []TensorInfo{f32("\xff", 1)}, "not valid UTF-8"},
		{"duplicate name", nil, []TensorInfo{f32("a", 1), f32("a", 1)}, `duplicate tensor name "a"`},
		{"no dimensions", nil, []TensorInfo{f32("a")}, "0 dimensions"},
		{"5 dimensions", nil, []TensorInfo{f32("a", 1, 1, 1, 1, 1)}, "5 dimensions"},
		{"zero dimension", nil, []TensorInfo{f32("a", 4, 0)}, "invalid shape"},
		{"negative dimension", nil, []TensorInfo{f32("a", -4)}, "invalid shape"},
		{"element overflow", nil, []TensorInfo{f32("a", 1<<32, 1<<32)}, "invalid shape"},
		{"byte overflow", nil, []TensorInfo{f32("a", 1<<31, 1<<31)}, "overflows int64"},
		{"data section overflow", nil, []TensorInfo{f32("a", 1<<30, 1<<30), f32("b", 1<<30, 1<<30), f32("c", 1<<30, 1<<30)}, "data section size overflows"},
		{"unknown type", nil, []TensorInfo{{Name: "a", Type: 4, Shape: []int64{32}}}, "unknown tensor type Type(4)"},
		{"row not a multiple of the block", nil, []TensorInfo{{Name: "a", Type: TypeQ4_K, Shape: []int64{128, 2}}}, "row length 128 is not a multiple of the block size 256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := NewWriter(&buf, tc.kv, tc.tensors, WriterOptions{})
			assert.ErrorContains(t, err, tc.err)
			assert.Zero(t, buf.Len())
		})
	}
}

func TestWriteTensorErrors(t *testing.T) {
	ts := []TensorInfo{{Name: "a", Type: TypeF32, Shape: []int64{2}}, {Name: "b", Type: TypeF32, Shape: []int64{1}}}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, nil, ts, WriterOptions{})
	require.NoError(t, err)
	assert.ErrorContains(t, w.WriteTensor("b", make([]byte, 4)), `WriteTensor("b"): the next tensor is "a"`)
	assert.ErrorContains(t, w.WriteTensor("a", make([]byte, 4)), "4 bytes of data, want 8")
	require.NoError(t, w.WriteTensor("a", make([]byte, 8)), "earlier mistakes are not sticky")
	assert.ErrorContains(t, w.Close(), `1 of 2 tensors were not written, the next is "b"`)
	assert.ErrorContains(t, w.Close(), "1 of 2 tensors", "Close repeats its result")
	assert.ErrorContains(t, w.WriteTensor("b", make([]byte, 4)), "after Close")

	w, err = NewWriter(&buf, nil, ts[:1], WriterOptions{})
	require.NoError(t, err)
	require.NoError(t, w.WriteTensor("a", make([]byte, 8)))
	assert.ErrorContains(t, w.WriteTensor("a", make([]byte, 8)), "all 1 tensors are written")
}

// failWriter fails once it has taken n bytes.
type failWriter struct{ n int }

var errDiskFull = errors.New("disk full")

func (w *failWriter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		k := w.n
		w.n = 0
		return k, errDiskFull
	}
	w.n -= len(p)
	return len(p), nil
}

func TestWriterStickyErrors(t *testing.T) {
	kv := everyValue()
	tensors, data := someTensors()
	var full bytes.Buffer
	_, err := NewWriter(&full, kv, tensors, WriterOptions{})
	require.NoError(t, err)
	header := full.Len()

	_, err = NewWriter(&failWriter{n: header - 1}, kv, tensors, WriterOptions{})
	assert.ErrorIs(t, err, errDiskFull)
	assert.ErrorContains(t, err, "gguf: write header")

	w, err := NewWriter(&failWriter{n: header + 10}, kv, tensors, WriterOptions{})
	require.NoError(t, err)
	err = w.WriteTensor(tensors[0].Name, data[0])
	assert.ErrorIs(t, err, errDiskFull)
	assert.ErrorContains(t, err, `gguf: write tensor "token_embd.weight"`)
	assert.ErrorIs(t, w.WriteTensor(tensors[1].Name, data[1]), errDiskFull)
	assert.ErrorIs(t, w.Close(), errDiskFull)
}
