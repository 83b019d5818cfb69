package gguf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// decodeBoth decodes b from memory and through an io.ReaderAt read in
// small chunks, requires both to agree, and returns the result.
func decodeBoth(t testing.TB, b []byte) (*File, error) {
	t.Helper()
	f1, err1 := decodeBytes(b)
	src := newSource(bytes.NewReader(b), int64(len(b)))
	src.chunk = 7
	f2, err2 := src.file()
	if err1 != nil || err2 != nil {
		require.Error(t, err1)
		require.Error(t, err2)
		require.Equal(t, err1.Error(), err2.Error())
		return nil, err1
	}
	requireIdentical(t, f1, f2)
	f3, err3 := Decode(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err3)
	requireIdentical(t, f1, f3)
	return f1, nil
}

// requireIdentical requires two Files to be identical, comparing values
// bit for bit (unlike reflect.DeepEqual, which tells NaNs apart).
func requireIdentical(t testing.TB, want, got *File) {
	t.Helper()
	require.Equal(t, want.Version, got.Version)
	require.Equal(t, want.Alignment, got.Alignment)
	require.Equal(t, want.DataOffset, got.DataOffset)
	require.Equal(t, want.Size, got.Size)
	require.Equal(t, want.Tensors, got.Tensors)
	requireSameKV(t, want.KV, got.KV)
}

// requireSameKV requires two lists of key-value pairs to be the same, values
// bit for bit.
func requireSameKV(t testing.TB, want, got []KV) {
	t.Helper()
	require.Len(t, got, len(want))
	for i, kv := range want {
		if kv.Key != got[i].Key || !bytes.Equal(encodeValue(t, kv.Value), encodeValue(t, got[i].Value)) {
			require.Failf(t, "different key-value pairs", "pair %d: want %s = %v, got %s = %v", i, kv.Key, kv.Value, got[i].Key, got[i].Value)
		}
	}
}

func TestDecodeSmallFile(t *testing.T) {
	b := smallFile()
	f, err := decodeBoth(t, b)
	require.NoError(t, err)
	assert.Equal(t, uint32(3), f.Version)
	assert.Equal(t, int64(32), f.Alignment)
	assert.Equal(t, int64(len(b)), f.Size)
	require.Len(t, f.KV, 2)
	assert.Equal(t, "general.architecture", f.KV[0].Key)
	arch, err := f.Str("general.architecture")
	require.NoError(t, err)
	assert.Equal(t, "llama", arch)
	toks, err := f.Strings("general.tokens")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "bc"}, toks)
	assert.Equal(t, []TensorInfo{
		{Name: "a", Type: TypeF32, Shape: []int64{4, 2}, Offset: 0},
		{Name: "b", Type: TypeF32, Shape: []int64{4}, Offset: 32},
	}, f.Tensors)
	assert.Equal(t, int64(len(b)-48), f.DataOffset)
	assert.Zero(t, f.DataOffset%32)
}

// formatCase is a malformed file and the error Decode must report.
type formatCase struct {
	name   string
	build  func(g *builder) int64 // writes the file; returns the offset the error must name
	err    error                  // the wrapped sentinel, or nil
	reason string                 // a part of the reason
}

// tensorFile writes a header for n tensors and no metadata.
func tensorFile(g *builder, n uint64) *builder { return g.header(n, 0) }

// kvFile writes a header for one key-value pair, the key and the value type.
func kvFile(g *builder, key string, t ValueType) *builder {
	return g.header(0, 1).str(key).u32(uint32(t))
}

// nested writes an array value holding arrays nested depth deep, the
// innermost an empty array of uint8; it returns the offset of the
// innermost array's element type.
func nested(g *builder, depth int) int64 {
	for range depth - 1 {
		g.u32(uint32(ValueArray)).u64(1)
	}
	off := g.off()
	g.u32(uint32(ValueUint8)).u64(0)
	return off
}

var formatCases = []formatCase{
	{"empty file", func(g *builder) int64 { return 0 }, ErrTruncated, "magic"},
	{"short magic", func(g *builder) int64 { g.raw('G', 'G'); return 0 }, ErrTruncated, "magic"},
	{"bad magic", func(g *builder) int64 { g.raw('G', 'G', 'M', 'L').u32(3).u64(0).u64(0); return 0 }, ErrBadMagic, `"GGML"`},
	{"version 0", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F').u32(0).u64(0).u64(0); return 4 }, ErrUnsupportedVersion, "version 0"},
	{"version 1", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F').u32(1).u32(0).u32(0); return 4 }, ErrUnsupportedVersion, "version 1"},
	{"version 4", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F').u32(4).u64(0).u64(0); return 4 }, ErrUnsupportedVersion, "version 4"},
	{"big-endian", func(g *builder) int64 {
		g.raw('G', 'G', 'U', 'F', 0, 0, 0, 3).raw(make([]byte, 16)...)
		return 4
	}, ErrUnsupportedVersion, "big-endian"},
	{"truncated version", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F', 3, 0); return 4 }, ErrTruncated, "version"},
	{"truncated tensor count", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F').u32(3).u32(0); return 8 }, ErrTruncated, "tensor count"},
	{"truncated kv count", func(g *builder) int64 { g.raw('G', 'G', 'U', 'F').u32(3).u64(0).raw(0, 0, 0); return 16 }, ErrTruncated, "key-value count"},
	{"2^60 tensors", func(g *builder) int64 { g.header(1<<60, 0).zeros(76); return 8 }, ErrTruncated, "1152921504606846976 tensors"},
	{"2^63 tensors", func(g *builder) int64 { g.header(1<<63, 0).zeros(100); return 8 }, ErrTruncated, "tensors cannot fit"},
	{"2^64-1 key-value pairs", func(g *builder) int64 { g.header(0, 1<<64-1).zeros(100); return 16 }, ErrTruncated, "key-value pairs"},
	{"key-value pairs and tensors too many together", func(g *builder) int64 {
		g.header(1, 3).zeros(minTensorBytes + 2*minKVBytes)
		return 16
	}, ErrTruncated, "3 key-value pairs (and 1 tensors)"},
	{"key longer than the file", func(g *builder) int64 { g.header(0, 1).u64(100).zeros(6); return 24 }, ErrTruncated, "key: length 100"},
	{"empty key", func(g *builder) int64 { kvFile(g, "", ValueUint16).u16(1); return 24 }, nil, "empty key"},
	{"key not UTF-8", func(g *builder) int64 { kvFile(g, "a\xffb", ValueUint8).u8(1); return 24 }, nil, "not valid UTF-8"},
	{"key too long", func(g *builder) int64 { kvFile(g, strings.Repeat("k", 1<<16), ValueUint8).u8(1); return 24 }, nil, "65536 bytes"},
	{"duplicate key", func(g *builder) int64 {
		g.header(0, 2).kvU32("a.b", 1)
		off := g.off()
		g.kvU32("a.b", 2)
		return off
	}, nil, `duplicate key "a.b"`},
	{"invalid value type", func(g *builder) int64 {
		g.header(0, 1).str("k")
		off := g.off()
		g.u32(13).u64(0)
		return off
	}, nil, "invalid value type 13"},
	{"value type 2^32-1", func(g *builder) int64 {
		g.header(0, 1).str("k")
		off := g.off()
		g.u32(1<<32 - 1).u64(0)
		return off
	}, nil, "invalid value type 4294967295"},
	{"truncated uint64 value", func(g *builder) int64 { kvFile(g, "k", ValueUint64).u32(7); return g.off() - 4 }, ErrTruncated, "uint64 value"},
	{"bool value 2", func(g *builder) int64 { kvFile(g, "k", ValueBool).u8(2); return g.off() - 1 }, nil, "bool value 2"},
	{"string value longer than the file", func(g *builder) int64 {
		kvFile(g, "k", ValueString).u64(1000).raw('x')
		return g.off() - 9
	}, ErrTruncated, "string value: length 1000"},
	{"invalid array element type", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(77).u64(0)
		return g.off() - 12
	}, nil, "invalid array element type 77"},
	{"array longer than the file", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(uint32(ValueUint32)).u64(1 << 40).u32(1)
		return g.off() - 12
	}, ErrTruncated, "array of 1099511627776 uint32"},
	{"array of 2^61 strings", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(uint32(ValueString)).u64(1 << 61).str("x")
		return g.off() - 17
	}, ErrTruncated, "array of 2305843009213693952 string"},
	{"array of 2^64-1 arrays", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(uint32(ValueArray)).u64(1<<64 - 1).zeros(24)
		return g.off() - 32
	}, ErrTruncated, "array of 18446744073709551615 array"},
	{"array of strings truncated", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(uint32(ValueString)).u64(2).str("")
		off := g.off()
		g.u64(5).raw('a')
		return off
	}, ErrTruncated, "string array element: length 5"},
	{"arrays nested 9 deep", func(g *builder) int64 { return nested(kvFile(g, "k", ValueArray), 9) }, nil, "nested deeper than 8"},
	{"bool array holding 3", func(g *builder) int64 {
		kvFile(g, "k", ValueArray).u32(uint32(ValueBool)).u64(3).u8(1).u8(0).u8(3)
		return g.off() - 1
	}, nil, "bool value 3"},
	{"alignment of type uint64", func(g *builder) int64 {
		g.header(0, 1).str(alignmentKey)
		off := g.off()
		g.u32(uint32(ValueUint64)).u64(32)
		return off
	}, nil, "general.alignment has type uint64, want uint32"},
	{"alignment 0", func(g *builder) int64 {
		kvFile(g, alignmentKey, ValueUint32).u32(0)
		return g.off() - 4
	}, nil, "general.alignment 0 is not a power of two"},
	{"alignment 48", func(g *builder) int64 {
		kvFile(g, alignmentKey, ValueUint32).u32(48)
		return g.off() - 4
	}, nil, "general.alignment 48 is not a power of two"},
	{"empty tensor name", func(g *builder) int64 {
		tensorFile(g, 1).tensor("", TypeF32, 0, 4).pad(32).zeros(16)
		return 24
	}, nil, "empty tensor name"},
	{"tensor name of 64 bytes", func(g *builder) int64 {
		tensorFile(g, 1).tensor(strings.Repeat("n", 64), TypeF32, 0, 4).pad(32).zeros(16)
		return 24
	}, nil, "64 bytes long"},
	{"tensor name not UTF-8", func(g *builder) int64 {
		tensorFile(g, 1).tensor("\xc0", TypeF32, 0, 4).pad(32).zeros(16)
		return 24
	}, nil, "not valid UTF-8"},
	{"tensor name longer than the file", func(g *builder) int64 {
		tensorFile(g, 1).u64(1 << 62).zeros(40)
		return 24
	}, ErrTruncated, "tensor name: length 4611686018427387904"},
	{"duplicate tensor name", func(g *builder) int64 {
		tensorFile(g, 2).tensor("w", TypeF32, 0, 4)
		off := g.off()
		g.tensor("w", TypeF32, 32, 4).pad(32).zeros(48)
		return off
	}, nil, `duplicate tensor name "w"`},
	{"0 dimensions", func(g *builder) int64 {
		tensorFile(g, 1).str("w")
		off := g.off()
		g.u32(0).u32(uint32(TypeF32)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "0 dimensions"},
	{"5 dimensions", func(g *builder) int64 {
		tensorFile(g, 1).str("w")
		off := g.off()
		g.u32(5).u64(1).u64(1).u64(1).u64(1).u64(1).u32(uint32(TypeF32)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "5 dimensions"},
	{"dimension 0", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(2).u64(4)
		off := g.off()
		g.u64(0).u32(uint32(TypeF32)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "dimension 1 is 0"},
	{"negative dimension", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(1)
		off := g.off()
		g.u64(1<<64 - 4).u32(uint32(TypeF32)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "dimension 0 is -4"},
	{"element count overflow", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(3).u64(1 << 32).u64(1 << 30)
		off := g.off()
		g.u64(2).u32(uint32(TypeF32)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "element count overflows"},
	{"byte size overflow", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(2).u64(1 << 31).u64(1 << 31)
		off := g.off()
		g.u32(uint32(TypeF64)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "overflows int64"},
	{"row length not a multiple of the block size", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(2)
		off := g.off()
		g.u64(33).u64(1).u32(uint32(TypeQ4_0)).u64(0).pad(32).zeros(32)
		return off
	}, nil, "row length 33 is not a multiple of the block size 32 of type q4_0"},
	{"offset not aligned", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(1).u64(4).u32(uint32(TypeF32))
		off := g.off()
		g.u64(16).pad(32).zeros(32)
		return off
	}, nil, "offset 16 is not a multiple of the alignment 32"},
	{"data past the end", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(1).u64(16).u32(uint32(TypeF32))
		off := g.off()
		g.u64(0).pad(32).zeros(63)
		return off
	}, ErrTruncated, "extends past the end"},
	{"offset past the end", func(g *builder) int64 {
		tensorFile(g, 1).str("w").u32(1).u64(4).u32(uint32(TypeF32))
		off := g.off()
		g.u64(1<<64 - 32).pad(32).zeros(32)
		return off
	}, ErrTruncated, "extends past the end"},
	{"overlapping data", func(g *builder) int64 {
		tensorFile(g, 2).tensor("a", TypeF32, 0, 16).str("b").u32(1).u64(4).u32(uint32(TypeF32))
		off := g.off()
		g.u64(32).pad(32).zeros(96)
		return off
	}, nil, `tensor "b": data overlaps the data of tensor "a"`},
	{"overlapping data, reversed", func(g *builder) int64 {
		tensorFile(g, 2).str("a").u32(1).u64(4).u32(uint32(TypeF32))
		off := g.off()
		g.u64(32).tensor("b", TypeF32, 0, 16).pad(32).zeros(96)
		return off
	}, nil, `tensor "a": data overlaps the data of tensor "b"`},
	{"same offset", func(g *builder) int64 {
		tensorFile(g, 2).tensor("a", TypeF32, 0, 4).str("b").u32(1).u64(4).u32(uint32(TypeF32))
		off := g.off()
		g.u64(0).pad(32).zeros(32)
		return off
	}, nil, `tensor "b": data overlaps the data of tensor "a"`},
	{"no padding before the data section", func(g *builder) int64 {
		tensorFile(g, 1).tensor("a", TypeF32, 0, 4)
		return g.off()
	}, ErrTruncated, "before the data section at offset 64"},
	{"no padding without tensors", func(g *builder) int64 {
		g.header(0, 1).kvU32("abc", 1)
		return g.off()
	}, ErrTruncated, "before the data section at offset 64"},
}

func init() {
	for _, typ := range []uint32{4, 5, 31, 32, 33, 36, 37, 38, 40, 1000, 1<<32 - 1} {
		formatCases = append(formatCases, formatCase{
			fmt.Sprintf("tensor type %d", typ),
			func(g *builder) int64 {
				tensorFile(g, 1).str("w").u32(1).u64(256)
				off := g.off()
				g.u32(typ).u64(0).pad(32).zeros(1024)
				return off
			},
			ErrUnknownType, fmt.Sprintf("unknown type %d", typ),
		})
	}
}

func TestDecodeFormatErrors(t *testing.T) {
	for _, tc := range formatCases {
		t.Run(tc.name, func(t *testing.T) {
			var g builder
			wantOff := tc.build(&g)
			_, err := decodeBoth(t, g.b)
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, wantOff, fe.Offset, "offset; error: %v", err)
			assert.Contains(t, fe.Reason, tc.reason)
			assert.Equal(t, fmt.Sprintf("gguf: offset %d: %s", fe.Offset, fe.Reason), err.Error())
			if tc.err != nil {
				assert.ErrorIs(t, err, tc.err)
			} else {
				assert.NoError(t, fe.Err)
			}
		})
	}
}

func TestDecodeAcceptsLimits(t *testing.T) {
	cases := []struct {
		name  string
		build func(g *builder)
	}{
		{"arrays nested 8 deep", func(g *builder) {
			nested(kvFile(g, "k", ValueArray), 8)
			g.pad(32)
		}},
		{"version 2", func(g *builder) { g.raw('G', 'G', 'U', 'F').u32(2).u64(0).u64(0).pad(32) }},
		{"tensor name of 63 bytes", func(g *builder) {
			tensorFile(g, 1).tensor(strings.Repeat("n", 63), TypeF32, 0, 4).pad(32).zeros(16)
		}},
		{"key of 65535 bytes", func(g *builder) { kvFile(g, strings.Repeat("k", 1<<16-1), ValueUint8).u8(1).pad(32) }},
		{"4 dimensions", func(g *builder) {
			tensorFile(g, 1).tensor("w", TypeQ8_0, 0, 32, 2, 3, 4).pad(32).zeros(34 * 24)
		}},
		{"alignment 1", func(g *builder) {
			kvFile(g, alignmentKey, ValueUint32).u32(1).tensor("w", TypeI8, 0, 3).tensor("v", TypeI8, 3, 1).zeros(4)
		}},
		{"empty", func(g *builder) { g.header(0, 0).pad(32) }},
		{"gaps and reversed order", func(g *builder) {
			tensorFile(g, 2).tensor("a", TypeF32, 64, 4).tensor("b", TypeF32, 0, 4).pad(32).zeros(96)
		}},
		{"trailing bytes", func(g *builder) {
			tensorFile(g, 1).tensor("a", TypeF32, 0, 4).pad(32).zeros(100)
		}},
		{"string values of any bytes", func(g *builder) {
			kvFile(g, "k", ValueString).str("\xff\x00\xfe").pad(32)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var g builder
			tc.build(&g)
			g.pad(1)
			_, err := decodeBoth(t, g.b)
			require.NoError(t, err)
		})
	}
}

func TestDecodeEveryPrefixIsTruncated(t *testing.T) {
	b := smallFile()
	for n := range len(b) {
		_, err := decodeBoth(t, b[:n])
		var fe *FormatError
		require.ErrorAs(t, err, &fe, "prefix of %d bytes", n)
		require.ErrorIs(t, err, ErrTruncated, "prefix of %d bytes: %v", n, err)
		require.LessOrEqual(t, fe.Offset, int64(n))
	}
}

// shortReader is an io.ReaderAt over b that fails with err past b.
type shortReader struct {
	b   []byte
	err error
}

func (r shortReader) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.b)) {
		return 0, r.err
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, r.err
	}
	return n, nil
}

func TestDecodeReaderErrors(t *testing.T) {
	b := smallFile()

	_, err := Decode(shortReader{b[:100], io.EOF}, int64(len(b)))
	var fe *FormatError
	require.ErrorAs(t, err, &fe)
	assert.ErrorIs(t, err, ErrTruncated)
	assert.Contains(t, fe.Reason, "ends before its stated size")

	bad := errors.New("disk on fire")
	_, err = Decode(shortReader{b[:100], bad}, int64(len(b)))
	require.ErrorIs(t, err, bad)
	assert.NotErrorAs(t, err, &fe)

	_, err = Decode(bytes.NewReader(b), -1)
	require.Error(t, err)
}

func TestDecodeHugeCountsAllocateLittle(t *testing.T) {
	var g builder
	g.header(1<<60, 1<<60).zeros(76)
	allocs := testing.AllocsPerRun(10, func() {
		_, _ = decodeBytes(g.b)
	})
	assert.Less(t, allocs, 10.0)

	g = builder{}
	kvFile(&g, "k", ValueArray).u32(uint32(ValueArray)).u64(1<<64 - 1).zeros(100)
	before := memStats()
	_, err := decodeBytes(g.b)
	require.ErrorIs(t, err, ErrTruncated)
	assert.Less(t, memStats()-before, uint64(1<<20))
}
