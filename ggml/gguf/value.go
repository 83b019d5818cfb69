package gguf

import (
	"math"
	"strconv"
)

// ValueType is a GGUF metadata value type.
type ValueType uint32

// The GGUF metadata value types, with their numbers in the file.
const (
	ValueUint8   ValueType = 0
	ValueInt8    ValueType = 1
	ValueUint16  ValueType = 2
	ValueInt16   ValueType = 3
	ValueUint32  ValueType = 4
	ValueInt32   ValueType = 5
	ValueFloat32 ValueType = 6
	ValueBool    ValueType = 7
	ValueString  ValueType = 8
	ValueArray   ValueType = 9
	ValueUint64  ValueType = 10
	ValueInt64   ValueType = 11
	ValueFloat64 ValueType = 12
)

// MaxArrayDepth is the deepest nesting of arrays that Decode accepts and
// Array builds: an array of scalars has depth 1, an array of such arrays 2.
const MaxArrayDepth = 8

var valueTypeNames = [...]string{
	ValueUint8:   "uint8",
	ValueInt8:    "int8",
	ValueUint16:  "uint16",
	ValueInt16:   "int16",
	ValueUint32:  "uint32",
	ValueInt32:   "int32",
	ValueFloat32: "float32",
	ValueBool:    "bool",
	ValueString:  "string",
	ValueArray:   "array",
	ValueUint64:  "uint64",
	ValueInt64:   "int64",
	ValueFloat64: "float64",
}

// String returns the name of the type ("uint32", "string", "array", ...), or
// "ValueType(N)" for an invalid one.
func (t ValueType) String() string {
	if t.valid() {
		return valueTypeNames[t]
	}
	return "ValueType(" + strconv.FormatUint(uint64(t), 10) + ")"
}

func (t ValueType) valid() bool { return t <= ValueFloat64 }

// scalarSize returns the encoded size of a fixed-size value of type t, or 0
// for strings, arrays and invalid types.
func (t ValueType) scalarSize() int {
	switch t {
	case ValueUint8, ValueInt8, ValueBool:
		return 1
	case ValueUint16, ValueInt16:
		return 2
	case ValueUint32, ValueInt32, ValueFloat32:
		return 4
	case ValueUint64, ValueInt64, ValueFloat64:
		return 8
	}
	return 0
}

func (t ValueType) signed() bool {
	return t == ValueInt8 || t == ValueInt16 || t == ValueInt32 || t == ValueInt64
}

func (t ValueType) unsigned() bool {
	return t == ValueUint8 || t == ValueUint16 || t == ValueUint32 || t == ValueUint64
}

// Value is an immutable metadata value: a scalar, a string, or an array
// (possibly of arrays). Values are made by the constructors of this package
// (Uint32, String, Float32s, Array, ...) or by Decode. The zero Value is
// Uint8(0).
//
// Array values share their backing slice with the constructor's argument
// and with the slices their accessors return: nobody may modify it.
// Values are safe for concurrent use by multiple goroutines.
type Value struct {
	typ  ValueType
	elem ValueType // arrays: the element type
	num  uint64    // scalars: the value's bits (signed integers sign-extended); arrays: the length
	str  string    // strings
	arr  any       // arrays: []uint8, []int8, ..., []string, or []Value for arrays of arrays
}

// Uint8 returns a uint8 Value.
func Uint8(v uint8) Value { return Value{typ: ValueUint8, num: uint64(v)} }

// Int8 returns an int8 Value.
func Int8(v int8) Value { return Value{typ: ValueInt8, num: uint64(int64(v))} }

// Uint16 returns a uint16 Value.
func Uint16(v uint16) Value { return Value{typ: ValueUint16, num: uint64(v)} }

// Int16 returns an int16 Value.
func Int16(v int16) Value { return Value{typ: ValueInt16, num: uint64(int64(v))} }

// Uint32 returns a uint32 Value.
func Uint32(v uint32) Value { return Value{typ: ValueUint32, num: uint64(v)} }

// Int32 returns an int32 Value.
func Int32(v int32) Value { return Value{typ: ValueInt32, num: uint64(int64(v))} }

// Uint64 returns a uint64 Value.
func Uint64(v uint64) Value { return Value{typ: ValueUint64, num: v} }

// Int64 returns an int64 Value.
func Int64(v int64) Value { return Value{typ: ValueInt64, num: uint64(v)} }

// Float32 returns a float32 Value. The bits of v are kept as they are (NaN
// payloads included).
func Float32(v float32) Value { return Value{typ: ValueFloat32, num: uint64(math.Float32bits(v))} }

// Float64 returns a float64 Value. The bits of v are kept as they are.
func Float64(v float64) Value { return Value{typ: ValueFloat64, num: math.Float64bits(v)} }

// Bool returns a bool Value.
func Bool(v bool) Value {
	if v {
		return Value{typ: ValueBool, num: 1}
	}
	return Value{typ: ValueBool}
}

// String returns a string Value. GGUF strings are meant to be UTF-8, but any
// bytes are kept as they are.
func String(v string) Value { return Value{typ: ValueString, str: v} }

// Type returns the type of the value.
func (v Value) Type() ValueType { return v.typ }

// Uint returns the value of an integer of any type if it is not negative.
func (v Value) Uint() (uint64, bool) {
	switch {
	case v.typ.unsigned():
		return v.num, true
	case v.typ.signed() && int64(v.num) >= 0:
		return v.num, true
	}
	return 0, false
}

// Int returns the value of an integer of any type if it fits an int64.
func (v Value) Int() (int64, bool) {
	switch {
	case v.typ.signed():
		return int64(v.num), true
	case v.typ.unsigned() && v.num <= math.MaxInt64:
		return int64(v.num), true
	}
	return 0, false
}

// Float returns the value of a float32 or float64.
func (v Value) Float() (float64, bool) {
	switch v.typ {
	case ValueFloat32:
		return float64(math.Float32frombits(uint32(v.num))), true
	case ValueFloat64:
		return math.Float64frombits(v.num), true
	}
	return 0, false
}

// Bool returns the value of a bool.
func (v Value) Bool() (bool, bool) {
	if v.typ != ValueBool {
		return false, false
	}
	return v.num != 0, true
}

// Str returns the value of a string.
func (v Value) Str() (string, bool) {
	if v.typ != ValueString {
		return "", false
	}
	return v.str, true
}

// String returns the value in a form for people: numbers in decimal, strings
// quoted, arrays in brackets with at most the first 8 elements shown.
func (v Value) String() string {
	b := make([]byte, 0, 32)
	return string(v.appendText(b, textLimit))
}

// textLimit bounds the text of an array: nested arrays would otherwise show
// up to 8^MaxArrayDepth elements.
const textLimit = 1 << 10

// appendText appends v for people; an array stops showing elements once b
// is limit bytes long.
func (v Value) appendText(b []byte, limit int) []byte {
	switch {
	case v.typ.unsigned():
		return strconv.AppendUint(b, v.num, 10)
	case v.typ.signed():
		return strconv.AppendInt(b, int64(v.num), 10)
	}
	switch v.typ {
	case ValueFloat32:
		return strconv.AppendFloat(b, float64(math.Float32frombits(uint32(v.num))), 'g', -1, 32)
	case ValueFloat64:
		return strconv.AppendFloat(b, math.Float64frombits(v.num), 'g', -1, 64)
	case ValueBool:
		return strconv.AppendBool(b, v.num != 0)
	case ValueString:
		return strconv.AppendQuote(b, v.str)
	case ValueArray:
		const shown = 8
		b = append(b, '[')
		n := v.Len()
		i := 0
		for ; i < min(n, shown) && len(b) < limit; i++ {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = v.Index(i).appendText(b, limit)
		}
		if i < n {
			b = append(b, ", ... ("...)
			b = strconv.AppendInt(b, int64(n), 10)
			b = append(b, " items)"...)
		}
		return append(b, ']')
	}
	return append(b, v.typ.String()...)
}
