package gguf

import (
	"bytes"
	"os"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzDecode checks that Decode neither panics nor hangs on any input, that
// both of its ways of reading agree, that its errors are *FormatErrors with
// offsets inside the input, and that a file it accepts re-encodes and
// re-decodes to the same File.
func FuzzDecode(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := decodeBoth(t, b)
		if err != nil {
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			require.True(t, fe.Offset >= 0 && fe.Offset <= int64(len(b)), "offset %d of %d bytes", fe.Offset, len(b))
			return
		}
		once := reencode(t, file, b)
		again, err := decodeBytes(once)
		require.NoError(t, err)
		requireSameFile(t, file, again)
		for i, ti := range again.Tensors {
			if !bytes.Equal(tensorData(file, file.Tensors[i], b), tensorData(again, ti, once)) {
				require.Failf(t, "different tensor data", "tensor %q", ti.Name)
			}
		}
		require.True(t, bytes.Equal(once, reencode(t, again, once)), "a second round trip changes the file")
	})
}

// fuzzSeeds returns small files, valid and not, and the header of the
// repository's model.
func fuzzSeeds(tb testing.TB) [][]byte {
	seeds := [][]byte{smallFile()}
	for _, tc := range formatCases[:10] {
		var g builder
		tc.build(&g)
		seeds = append(seeds, g.b)
	}
	var buf bytes.Buffer
	tensors, data := someTensors()
	w, err := NewWriter(&buf, everyValue(), tensors, WriterOptions{Alignment: 64})
	require.NoError(tb, err)
	for i, ti := range tensors {
		require.NoError(tb, w.WriteTensor(ti.Name, data[i]))
	}
	require.NoError(tb, w.Close())
	seeds = append(seeds, buf.Bytes())

	model, err := os.ReadFile(repoModel)
	require.NoError(tb, err)
	file, err := decodeBytes(model)
	require.NoError(tb, err)
	seeds = append(seeds, bytes.Clone(model[:2048]))
	// The model's whole metadata, its arrays cut to 16 elements, with two
	// small tensors: a valid file of 1.5 KiB. The whole header (720 KiB)
	// would make a poor seed: each run on it or its mutants costs a thousand
	// runs on small inputs, and the fuzzer picks inputs uniformly.
	kv := make([]KV, len(file.KV))
	for i, p := range file.KV {
		if p.Value.Len() > 16 {
			items := make([]Value, 16)
			for j := range items {
				items[j] = p.Value.Index(j)
			}
			p.Value = Array(p.Value.Elem(), items)
		}
		kv[i] = p
	}
	buf.Reset()
	w, err = NewWriter(&buf, kv, tensors[1:3], WriterOptions{})
	require.NoError(tb, err)
	require.NoError(tb, w.WriteTensor(tensors[1].Name, data[1]))
	require.NoError(tb, w.WriteTensor(tensors[2].Name, data[2]))
	require.NoError(tb, w.Close())
	return append(seeds, buf.Bytes())
}

// tensorData returns the data of ti in b, the file that f was decoded from.
func tensorData(f *File, ti TensorInfo, b []byte) []byte {
	start := f.DataOffset + ti.Offset
	return b[start : start+ti.Bytes()]
}

// reencode writes f with a Writer, taking the tensor data from b.
func reencode(t testing.TB, f *File, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f.KV, f.Tensors, WriterOptions{})
	require.NoError(t, err)
	for _, ti := range f.Tensors {
		require.NoError(t, w.WriteTensor(ti.Name, tensorData(f, ti, b)))
	}
	require.NoError(t, w.Close())
	return buf.Bytes()
}

// requireSameFile requires that got, decoded from the re-encoding of want,
// holds the same metadata and tensors; only the version (the Writer writes
// 3), the tensor offsets (it lays tensors out in order) and the size may
// differ.
func requireSameFile(t testing.TB, want, got *File) {
	t.Helper()
	require.Equal(t, uint32(3), got.Version)
	require.Equal(t, want.Alignment, got.Alignment)
	require.Equal(t, want.DataOffset, got.DataOffset)
	requireSameKV(t, want.KV, got.KV)
	require.Len(t, got.Tensors, len(want.Tensors))
	next := int64(0)
	for i, ti := range want.Tensors {
		ti.Offset = next // where the Writer puts it
		if g := got.Tensors[i]; g.Name != ti.Name || g.Type != ti.Type || !slices.Equal(g.Shape, ti.Shape) || g.Offset != ti.Offset {
			require.Failf(t, "different tensor infos", "tensor %d: want %+v, got %+v", i, ti, g)
		}
		next += alignUp(ti.Bytes(), want.Alignment)
	}
}
