package gguf

import (
	"encoding/binary"
	"math"
)

// minEncodedSize returns the fewest bytes one value of type t takes in a
// file: its fixed size, a string's length field, or an array's element type
// and count.
func minEncodedSize(t ValueType) int64 {
	switch t {
	case ValueString:
		return 8
	case ValueArray:
		return 12
	}
	return int64(t.scalarSize())
}

// value reads a value of type t (already read, at typeOff); depth is the
// nesting depth of an array value.
func (s *source) value(t ValueType, typeOff int64, depth int) (Value, error) {
	switch t {
	case ValueString:
		str, err := s.str("string value")
		return Value{typ: ValueString, str: str}, err
	case ValueArray:
		return s.array(depth)
	}
	if !t.valid() {
		return Value{}, formatErr(typeOff, nil, "invalid value type %d", uint32(t))
	}
	off := s.off
	b, err := s.next(int64(t.scalarSize()), t.String()+" value")
	if err != nil {
		return Value{}, err
	}
	v := Value{typ: t}
	switch t {
	case ValueUint8:
		v.num = uint64(b[0])
	case ValueInt8:
		v.num = uint64(int64(int8(b[0])))
	case ValueBool:
		if b[0] > 1 {
			return Value{}, formatErr(off, nil, "bool value %d is neither 0 nor 1", b[0])
		}
		v.num = uint64(b[0])
	case ValueUint16:
		v.num = uint64(binary.LittleEndian.Uint16(b))
	case ValueInt16:
		v.num = uint64(int64(int16(binary.LittleEndian.Uint16(b))))
	case ValueUint32, ValueFloat32:
		v.num = uint64(binary.LittleEndian.Uint32(b))
	case ValueInt32:
		v.num = uint64(int64(int32(binary.LittleEndian.Uint32(b))))
	default: // ValueUint64, ValueInt64, ValueFloat64
		v.num = binary.LittleEndian.Uint64(b)
	}
	return v, nil
}

// array reads an array value (element type, count, elements) whose nesting
// depth is depth (1 for an array of a key-value pair).
func (s *source) array(depth int) (Value, error) {
	typeOff := s.off
	e, err := s.u32("array element type")
	if err != nil {
		return Value{}, err
	}
	elem := ValueType(e)
	if !elem.valid() {
		return Value{}, formatErr(typeOff, nil, "invalid array element type %d", e)
	}
	if depth > MaxArrayDepth {
		return Value{}, formatErr(typeOff, nil, "arrays nested deeper than %d", MaxArrayDepth)
	}
	countOff := s.off
	n, err := s.u64("array length")
	if err != nil {
		return Value{}, err
	}
	if least := minEncodedSize(elem); n > uint64(s.remaining()/least) {
		return Value{}, formatErr(countOff, ErrTruncated, "array of %d %s cannot fit in the %d bytes left in the file", n, elem, s.remaining())
	}
	count := int(n) // n <= remaining bytes, which fit in memory
	switch elem {
	case ValueString:
		items, err := s.strings(count)
		if err != nil {
			return Value{}, err
		}
		return Strings(items), nil
	case ValueArray:
		items := make([]Value, count)
		for i := range items {
			if items[i], err = s.array(depth + 1); err != nil {
				return Value{}, err
			}
		}
		return newArray(ValueArray, items), nil
	}
	size := int64(elem.scalarSize())
	off := s.off
	b, err := s.next(int64(count)*size, "array of "+elem.String())
	if err != nil {
		return Value{}, err
	}
	switch elem {
	case ValueUint8:
		return Uint8s(append([]uint8(nil), b...)), nil
	case ValueInt8:
		return Int8s(decodeSlice(b, 1, func(b []byte) int8 { return int8(b[0]) })), nil
	case ValueBool:
		for i, c := range b {
			if c > 1 {
				return Value{}, formatErr(off+int64(i), nil, "bool value %d is neither 0 nor 1", c)
			}
		}
		return Bools(decodeSlice(b, 1, func(b []byte) bool { return b[0] != 0 })), nil
	case ValueUint16:
		return Uint16s(decodeSlice(b, 2, binary.LittleEndian.Uint16)), nil
	case ValueInt16:
		return Int16s(decodeSlice(b, 2, func(b []byte) int16 { return int16(binary.LittleEndian.Uint16(b)) })), nil
	case ValueUint32:
		return Uint32s(decodeSlice(b, 4, binary.LittleEndian.Uint32)), nil
	case ValueInt32:
		return Int32s(decodeSlice(b, 4, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })), nil
	case ValueFloat32:
		return Float32s(decodeSlice(b, 4, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })), nil
	case ValueUint64:
		return Uint64s(decodeSlice(b, 8, binary.LittleEndian.Uint64)), nil
	case ValueInt64:
		return Int64s(decodeSlice(b, 8, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })), nil
	default: // ValueFloat64
		return Float64s(decodeSlice(b, 8, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) })), nil
	}
}

// strings reads n strings. They share one allocation, which saves a
// vocabulary of tens of thousands of tokens as many allocations.
func (s *source) strings(n int) ([]string, error) {
	ends := make([]int, n)
	// Room for tokens of 8 bytes: enough for most vocabularies.
	arena := make([]byte, 0, min(s.remaining(), 8*int64(n)))
	for i := range ends {
		b, err := s.strBytes("string array element")
		if err != nil {
			return nil, err
		}
		arena = append(arena, b...)
		ends[i] = len(arena)
	}
	all := string(arena)
	items := make([]string, n)
	start := 0
	for i, end := range ends {
		items[i] = all[start:end]
		start = end
	}
	return items, nil
}

// decodeSlice decodes b as consecutive little-endian elements of size bytes.
func decodeSlice[T any](b []byte, size int, f func([]byte) T) []T {
	s := make([]T, len(b)/size)
	for i := range s {
		s[i] = f(b[i*size:])
	}
	return s
}
