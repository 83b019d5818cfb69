package gguf

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScalarValues(t *testing.T) {
	type opt[T any] struct {
		v  T
		ok bool
	}
	cases := []struct {
		name  string
		v     Value
		typ   ValueType
		uint  opt[uint64]
		int   opt[int64]
		float opt[float64]
		text  string
	}{
		{"uint8", Uint8(200), ValueUint8, opt[uint64]{200, true}, opt[int64]{200, true}, opt[float64]{}, "200"},
		{"int8", Int8(-5), ValueInt8, opt[uint64]{}, opt[int64]{-5, true}, opt[float64]{}, "-5"},
		{"int8 positive", Int8(5), ValueInt8, opt[uint64]{5, true}, opt[int64]{5, true}, opt[float64]{}, "5"},
		{"uint16", Uint16(65535), ValueUint16, opt[uint64]{65535, true}, opt[int64]{65535, true}, opt[float64]{}, "65535"},
		{"int16", Int16(-32768), ValueInt16, opt[uint64]{}, opt[int64]{-32768, true}, opt[float64]{}, "-32768"},
		{"uint32", Uint32(4096), ValueUint32, opt[uint64]{4096, true}, opt[int64]{4096, true}, opt[float64]{}, "4096"},
		{"int32", Int32(math.MinInt32), ValueInt32, opt[uint64]{}, opt[int64]{math.MinInt32, true}, opt[float64]{}, "-2147483648"},
		{"uint64 max", Uint64(math.MaxUint64), ValueUint64, opt[uint64]{math.MaxUint64, true}, opt[int64]{}, opt[float64]{}, "18446744073709551615"},
		{"int64 min", Int64(math.MinInt64), ValueInt64, opt[uint64]{}, opt[int64]{math.MinInt64, true}, opt[float64]{}, "-9223372036854775808"},
		{"float32", Float32(1e-5), ValueFloat32, opt[uint64]{}, opt[int64]{}, opt[float64]{float64(float32(1e-5)), true}, "1e-05"},
		{"float64", Float64(1e6), ValueFloat64, opt[uint64]{}, opt[int64]{}, opt[float64]{1e6, true}, "1e+06"},
		{"bool", Bool(true), ValueBool, opt[uint64]{}, opt[int64]{}, opt[float64]{}, "true"},
		{"string", String("llama\n"), ValueString, opt[uint64]{}, opt[int64]{}, opt[float64]{}, `"llama\n"`},
		{"zero Value", Value{}, ValueUint8, opt[uint64]{0, true}, opt[int64]{0, true}, opt[float64]{}, "0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.typ, tc.v.Type())
			u, ok := tc.v.Uint()
			assert.Equal(t, tc.uint, opt[uint64]{u, ok})
			i, ok := tc.v.Int()
			assert.Equal(t, tc.int, opt[int64]{i, ok})
			f, ok := tc.v.Float()
			assert.Equal(t, tc.float, opt[float64]{f, ok})
			assert.Equal(t, tc.text, tc.v.String())
			assert.Zero(t, tc.v.Len())
			_, ok = tc.v.Strings()
			assert.False(t, ok)
		})
	}
	b, ok := Bool(false).Bool()
	assert.True(t, ok)
	assert.False(t, b)
	_, ok = Uint8(1).Bool()
	assert.False(t, ok)
	s, ok := String("x").Str()
	assert.True(t, ok)
	assert.Equal(t, "x", s)
	_, ok = Uint8(1).Str()
	assert.False(t, ok)
}

func TestFloatBitsKept(t *testing.T) {
	nan32 := math.Float32frombits(0x7fa00001) // a signalling NaN with a payload
	f, ok := Float32(nan32).Float()
	assert.True(t, ok)
	assert.True(t, math.IsNaN(f))
	assert.Equal(t, uint64(0x7fa00001), Float32(nan32).num)
	s, _ := Array(ValueFloat32, []Value{Float32(nan32)}).Float32s()
	assert.Equal(t, uint32(0x7fa00001), math.Float32bits(s[0]))
}

func TestArrayValues(t *testing.T) {
	cases := []struct {
		name  string
		v     Value
		elem  ValueType
		get   func(Value) (any, bool)
		want  any
		index Value // element 1
	}{
		{"uint8", Uint8s([]uint8{1, 2}), ValueUint8, wrap(Value.Uint8s), []uint8{1, 2}, Uint8(2)},
		{"int8", Int8s([]int8{1, -2}), ValueInt8, wrap(Value.Int8s), []int8{1, -2}, Int8(-2)},
		{"uint16", Uint16s([]uint16{1, 2}), ValueUint16, wrap(Value.Uint16s), []uint16{1, 2}, Uint16(2)},
		{"int16", Int16s([]int16{1, -2}), ValueInt16, wrap(Value.Int16s), []int16{1, -2}, Int16(-2)},
		{"uint32", Uint32s([]uint32{1, 2}), ValueUint32, wrap(Value.Uint32s), []uint32{1, 2}, Uint32(2)},
		{"int32", Int32s([]int32{1, -2}), ValueInt32, wrap(Value.Int32s), []int32{1, -2}, Int32(-2)},
		{"uint64", Uint64s([]uint64{1, 2}), ValueUint64, wrap(Value.Uint64s), []uint64{1, 2}, Uint64(2)},
		{"int64", Int64s([]int64{1, -2}), ValueInt64, wrap(Value.Int64s), []int64{1, -2}, Int64(-2)},
		{"float32", Float32s([]float32{1, -2}), ValueFloat32, wrap(Value.Float32s), []float32{1, -2}, Float32(-2)},
		{"float64", Float64s([]float64{1, -2}), ValueFloat64, wrap(Value.Float64s), []float64{1, -2}, Float64(-2)},
		{"bool", Bools([]bool{false, true}), ValueBool, wrap(Value.Bools), []bool{false, true}, Bool(true)},
		{"string", Strings([]string{"a", "b"}), ValueString, wrap(Value.Strings), []string{"a", "b"}, String("b")},
		{"array", Array(ValueArray, []Value{Strings(nil), Uint8s([]uint8{7})}), ValueArray, wrap(Value.Arrays),
			[]Value{Strings(nil), Uint8s([]uint8{7})}, Uint8s([]uint8{7})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, ValueArray, tc.v.Type())
			assert.Equal(t, tc.elem, tc.v.Elem())
			assert.Equal(t, 2, tc.v.Len())
			got, ok := tc.get(tc.v)
			assert.True(t, ok)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.index, tc.v.Index(1))
			// Array of the items builds the same value.
			items := []Value{tc.v.Index(0), tc.v.Index(1)}
			assert.Equal(t, tc.v, Array(tc.elem, items))
			// The accessor of another element type fails.
			if tc.elem != ValueString {
				_, ok = tc.v.Strings()
			} else {
				_, ok = tc.v.Uint8s()
			}
			assert.False(t, ok)
			_, ok = tc.v.Uint()
			assert.False(t, ok)
		})
	}
}

func wrap[T any](f func(Value) (T, bool)) func(Value) (any, bool) {
	return func(v Value) (any, bool) { return f(v) }
}

func TestArrayPanics(t *testing.T) {
	assert.PanicsWithValue(t, "gguf: Array: item of type string in an array of uint32", func() {
		Array(ValueUint32, []Value{Uint32(1), String("x")})
	})
	assert.Panics(t, func() { Array(ValueType(13), nil) })
	assert.Panics(t, func() { Array(ValueArray, []Value{Uint8(1)}) })
	v := Uint8s(nil)
	for range MaxArrayDepth - 1 {
		v = Array(ValueArray, []Value{v})
	}
	assert.Equal(t, MaxArrayDepth, v.depth())
	assert.Panics(t, func() { Array(ValueArray, []Value{v}) })
	assert.Panics(t, func() { Uint8(1).Index(0) })
	assert.Panics(t, func() { Uint8s([]uint8{1}).Index(1) })
}

func TestArrayString(t *testing.T) {
	assert.Equal(t, "[]", Strings(nil).String())
	assert.Equal(t, `["a", "b"]`, Strings([]string{"a", "b"}).String())
	assert.Equal(t, "[0, 1, 2, 3, 4, 5, 6, 7, ... (10 items)]", Int32s([]int32{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}).String())
	assert.Equal(t, "[[true], [1.5, 2]]", Array(ValueArray, []Value{Bools([]bool{true}), Float32s([]float32{1.5, 2})}).String())
}

func TestArrayStringLimit(t *testing.T) {
	v := Strings([]string{"0123456789"})
	for range MaxArrayDepth - 1 {
		v = Array(ValueArray, []Value{v, v, v, v, v, v, v, v, v})
	}
	s := v.String()
	assert.Less(t, len(s), 2*textLimit)
	assert.Contains(t, s, "... (9 items)]")
}

func TestValueTypeString(t *testing.T) {
	assert.Equal(t, "uint8", ValueUint8.String())
	assert.Equal(t, "float64", ValueFloat64.String())
	assert.Equal(t, "array", ValueArray.String())
	assert.Equal(t, "ValueType(13)", ValueType(13).String())
}

func TestFileGetters(t *testing.T) {
	f := &File{KV: []KV{
		{"u", Uint32(7)}, {"neg", Int32(-1)}, {"big", Uint64(math.MaxUint64)}, {"f", Float32(0.5)},
		{"s", String("x")}, {"b", Bool(true)}, {"ss", Strings([]string{"a"})}, {"fs", Float32s([]float32{1})},
		{"is", Int32s([]int32{-1})}, {"us", Uint32s([]uint32{1})},
	}}
	u, err := f.Uint("u")
	require.NoError(t, err)
	assert.Equal(t, uint64(7), u)
	i, err := f.Int("neg")
	require.NoError(t, err)
	assert.Equal(t, int64(-1), i)
	x, err := f.Float("f")
	require.NoError(t, err)
	assert.Equal(t, 0.5, x)
	s, err := f.Str("s")
	require.NoError(t, err)
	assert.Equal(t, "x", s)
	b, err := f.Bool("b")
	require.NoError(t, err)
	assert.True(t, b)
	ss, err := f.Strings("ss")
	require.NoError(t, err)
	assert.Equal(t, []string{"a"}, ss)
	fs, err := f.Float32s("fs")
	require.NoError(t, err)
	assert.Equal(t, []float32{1}, fs)
	is, err := f.Int32s("is")
	require.NoError(t, err)
	assert.Equal(t, []int32{-1}, is)
	us, err := f.Uint32s("us")
	require.NoError(t, err)
	assert.Equal(t, []uint32{1}, us)

	errs := []struct {
		err      error
		sentinel error
		text     string
	}{
		{second(f.Uint("missing")), ErrKeyNotFound, `gguf: key "missing" not found`},
		{second(f.Uint("neg")), ErrKeyType, `gguf: key "neg" is int32 -1, want non-negative integer`},
		{second(f.Int("big")), ErrKeyType, `gguf: key "big" is uint64 18446744073709551615, want integer that fits int64`},
		{second(f.Float("u")), ErrKeyType, `gguf: key "u" is uint32 7, want float32 or float64`},
		{second(f.Str("ss")), ErrKeyType, `gguf: key "ss" is array of string, want string`},
		{second(f.Strings("s")), ErrKeyType, `gguf: key "s" is string, want array of string`},
		{second(f.Float32s("is")), ErrKeyType, `gguf: key "is" is array of int32, want array of float32`},
		{second(f.Bool("s")), ErrKeyType, `gguf: key "s" is string, want bool`},
	}
	for _, e := range errs {
		assert.ErrorIs(t, e.err, e.sentinel)
		assert.EqualError(t, e.err, e.text)
	}
	_, ok := f.Tensor("w")
	assert.False(t, ok)
}

func second[T any](_ T, err error) error { return err }
