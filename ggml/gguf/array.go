package gguf

import "math"

// The array constructors below keep the slice they are given, without
// copying it: the caller must not modify it afterwards. The array accessors
// return the Value's own slice, without copying it: the caller must not
// modify it either. Copy with slices.Clone to modify.

func newArray[T any](elem ValueType, s []T) Value {
	return Value{typ: ValueArray, elem: elem, num: uint64(len(s)), arr: s}
}

func arrayOf[T any](v Value, elem ValueType) ([]T, bool) {
	if v.typ != ValueArray || v.elem != elem {
		return nil, false
	}
	s, ok := v.arr.([]T)
	return s, ok
}

// Uint8s returns an array of uint8 that keeps s.
func Uint8s(s []uint8) Value { return newArray(ValueUint8, s) }

// Int8s returns an array of int8 that keeps s.
func Int8s(s []int8) Value { return newArray(ValueInt8, s) }

// Uint16s returns an array of uint16 that keeps s.
func Uint16s(s []uint16) Value { return newArray(ValueUint16, s) }

// Int16s returns an array of int16 that keeps s.
func Int16s(s []int16) Value { return newArray(ValueInt16, s) }

// Uint32s returns an array of uint32 that keeps s.
func Uint32s(s []uint32) Value { return newArray(ValueUint32, s) }

// Int32s returns an array of int32 that keeps s.
func Int32s(s []int32) Value { return newArray(ValueInt32, s) }

// Uint64s returns an array of uint64 that keeps s.
func Uint64s(s []uint64) Value { return newArray(ValueUint64, s) }

// Int64s returns an array of int64 that keeps s.
func Int64s(s []int64) Value { return newArray(ValueInt64, s) }

// Float32s returns an array of float32 that keeps s.
func Float32s(s []float32) Value { return newArray(ValueFloat32, s) }

// Float64s returns an array of float64 that keeps s.
func Float64s(s []float64) Value { return newArray(ValueFloat64, s) }

// Bools returns an array of bool that keeps s.
func Bools(s []bool) Value { return newArray(ValueBool, s) }

// Strings returns an array of strings that keeps s.
func Strings(s []string) Value { return newArray(ValueString, s) }

// Array returns an array of the given element type holding items; it is the
// general constructor, and the only one for arrays of arrays (whose items
// may have different element types). It panics if elem is not a valid
// ValueType, if an item is not of type elem, or if the result would nest
// arrays deeper than MaxArrayDepth.
func Array(elem ValueType, items []Value) Value {
	if !elem.valid() {
		panic("gguf: Array: invalid element type " + elem.String())
	}
	for _, it := range items {
		if it.typ != elem {
			panic("gguf: Array: item of type " + it.typ.String() + " in an array of " + elem.String())
		}
	}
	switch elem {
	case ValueUint8:
		return Uint8s(collect(items, func(v Value) uint8 { return uint8(v.num) }))
	case ValueInt8:
		return Int8s(collect(items, func(v Value) int8 { return int8(v.num) }))
	case ValueUint16:
		return Uint16s(collect(items, func(v Value) uint16 { return uint16(v.num) }))
	case ValueInt16:
		return Int16s(collect(items, func(v Value) int16 { return int16(v.num) }))
	case ValueUint32:
		return Uint32s(collect(items, func(v Value) uint32 { return uint32(v.num) }))
	case ValueInt32:
		return Int32s(collect(items, func(v Value) int32 { return int32(v.num) }))
	case ValueUint64:
		return Uint64s(collect(items, func(v Value) uint64 { return v.num }))
	case ValueInt64:
		return Int64s(collect(items, func(v Value) int64 { return int64(v.num) }))
	case ValueFloat32:
		return Float32s(collect(items, func(v Value) float32 { return math.Float32frombits(uint32(v.num)) }))
	case ValueFloat64:
		return Float64s(collect(items, func(v Value) float64 { return math.Float64frombits(v.num) }))
	case ValueBool:
		return Bools(collect(items, func(v Value) bool { return v.num != 0 }))
	case ValueString:
		return Strings(collect(items, func(v Value) string { return v.str }))
	}
	a := newArray(ValueArray, append([]Value(nil), items...))
	if a.depth() > MaxArrayDepth {
		panic("gguf: Array: arrays nested deeper than MaxArrayDepth")
	}
	return a
}

func collect[T any](items []Value, f func(Value) T) []T {
	s := make([]T, len(items))
	for i, it := range items {
		s[i] = f(it)
	}
	return s
}

// depth returns how deep arrays nest in v: 0 for a scalar, 1 for an array
// of scalars, and so on.
func (v Value) depth() int {
	if v.typ != ValueArray {
		return 0
	}
	d := 0
	if items, ok := v.arr.([]Value); ok {
		for _, it := range items {
			d = max(d, it.depth())
		}
	}
	return d + 1
}

// Elem returns the element type of an array. It is meaningless for other
// values.
func (v Value) Elem() ValueType { return v.elem }

// Len returns the number of elements of an array, or 0 for other values.
func (v Value) Len() int {
	if v.typ != ValueArray {
		return 0
	}
	return int(v.num)
}

// Index returns element i of an array. It panics if v is not an array or i
// is out of range.
func (v Value) Index(i int) Value {
	switch s := v.arr.(type) {
	case []uint8:
		return Uint8(s[i])
	case []int8:
		return Int8(s[i])
	case []uint16:
		return Uint16(s[i])
	case []int16:
		return Int16(s[i])
	case []uint32:
		return Uint32(s[i])
	case []int32:
		return Int32(s[i])
	case []uint64:
		return Uint64(s[i])
	case []int64:
		return Int64(s[i])
	case []float32:
		return Float32(s[i])
	case []float64:
		return Float64(s[i])
	case []bool:
		return Bool(s[i])
	case []string:
		return String(s[i])
	case []Value:
		return s[i]
	}
	panic("gguf: Index of a " + v.typ.String() + " Value")
}

// Uint8s returns the elements of an array of uint8 (shared, read-only).
func (v Value) Uint8s() ([]uint8, bool) { return arrayOf[uint8](v, ValueUint8) }

// Int8s returns the elements of an array of int8 (shared, read-only).
func (v Value) Int8s() ([]int8, bool) { return arrayOf[int8](v, ValueInt8) }

// Uint16s returns the elements of an array of uint16 (shared, read-only).
func (v Value) Uint16s() ([]uint16, bool) { return arrayOf[uint16](v, ValueUint16) }

// Int16s returns the elements of an array of int16 (shared, read-only).
func (v Value) Int16s() ([]int16, bool) { return arrayOf[int16](v, ValueInt16) }

// Uint32s returns the elements of an array of uint32 (shared, read-only).
func (v Value) Uint32s() ([]uint32, bool) { return arrayOf[uint32](v, ValueUint32) }

// Int32s returns the elements of an array of int32 (shared, read-only).
func (v Value) Int32s() ([]int32, bool) { return arrayOf[int32](v, ValueInt32) }

// Uint64s returns the elements of an array of uint64 (shared, read-only).
func (v Value) Uint64s() ([]uint64, bool) { return arrayOf[uint64](v, ValueUint64) }

// Int64s returns the elements of an array of int64 (shared, read-only).
func (v Value) Int64s() ([]int64, bool) { return arrayOf[int64](v, ValueInt64) }

// Float32s returns the elements of an array of float32 (shared, read-only).
func (v Value) Float32s() ([]float32, bool) { return arrayOf[float32](v, ValueFloat32) }

// Float64s returns the elements of an array of float64 (shared, read-only).
func (v Value) Float64s() ([]float64, bool) { return arrayOf[float64](v, ValueFloat64) }

// Bools returns the elements of an array of bool (shared, read-only).
func (v Value) Bools() ([]bool, bool) { return arrayOf[bool](v, ValueBool) }

// Strings returns the elements of an array of strings (shared, read-only).
func (v Value) Strings() ([]string, bool) { return arrayOf[string](v, ValueString) }

// Arrays returns the elements of an array of arrays (shared, read-only).
func (v Value) Arrays() ([]Value, bool) { return arrayOf[Value](v, ValueArray) }
