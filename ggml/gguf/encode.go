package gguf

import (
	"bufio"
	"encoding/binary"
	"io"
	"math"
)

// encoder writes the little-endian encoding of GGUF fields. Its error is
// sticky: after a failed write, the others do nothing.
type encoder struct {
	w       *bufio.Writer
	scratch [8]byte
	err     error
}

func (e *encoder) write(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}

func (e *encoder) u8(v uint8) {
	if e.err == nil {
		e.err = e.w.WriteByte(v)
	}
}

func (e *encoder) u16(v uint16) {
	binary.LittleEndian.PutUint16(e.scratch[:], v)
	e.write(e.scratch[:2])
}

func (e *encoder) u32(v uint32) {
	binary.LittleEndian.PutUint32(e.scratch[:], v)
	e.write(e.scratch[:4])
}

func (e *encoder) u64(v uint64) {
	binary.LittleEndian.PutUint64(e.scratch[:], v)
	e.write(e.scratch[:8])
}

func (e *encoder) str(s string) {
	e.u64(uint64(len(s)))
	if e.err == nil {
		_, e.err = e.w.WriteString(s)
	}
}

// value writes v without its type.
func (e *encoder) value(v Value) {
	switch v.typ {
	case ValueString:
		e.str(v.str)
	case ValueArray:
		e.array(v)
	default:
		e.scalar(v.typ, v.num)
	}
}

// scalar writes the bits of a scalar of type t.
func (e *encoder) scalar(t ValueType, bits uint64) {
	switch t.scalarSize() {
	case 1:
		e.u8(uint8(bits))
	case 2:
		e.u16(uint16(bits))
	case 4:
		e.u32(uint32(bits))
	default:
		e.u64(bits)
	}
}

// array writes an array: element type, length, elements.
func (e *encoder) array(v Value) {
	e.u32(uint32(v.elem))
	e.u64(uint64(v.Len()))
	switch s := v.arr.(type) {
	case []uint8:
		e.write(s)
	case []int8:
		each(e, s, func(x int8) { e.u8(uint8(x)) })
	case []bool:
		each(e, s, func(x bool) {
			if x {
				e.u8(1)
			} else {
				e.u8(0)
			}
		})
	case []uint16:
		each(e, s, e.u16)
	case []int16:
		each(e, s, func(x int16) { e.u16(uint16(x)) })
	case []uint32:
		each(e, s, e.u32)
	case []int32:
		each(e, s, func(x int32) { e.u32(uint32(x)) })
	case []float32:
		each(e, s, func(x float32) { e.u32(math.Float32bits(x)) })
	case []uint64:
		each(e, s, e.u64)
	case []int64:
		each(e, s, func(x int64) { e.u64(uint64(x)) })
	case []float64:
		each(e, s, func(x float64) { e.u64(math.Float64bits(x)) })
	case []string:
		each(e, s, e.str)
	case []Value:
		each(e, s, e.array)
	}
}

func each[T any](e *encoder, s []T, f func(T)) {
	for _, x := range s {
		if e.err != nil {
			return
		}
		f(x)
	}
}

// countWriter counts the bytes written to w.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// zeros is the source of padding.
var zeros [4096]byte

// pad writes zeros to w up to the next multiple of align.
func (c *countWriter) pad(align int64) error {
	for n := alignUp(c.n, align) - c.n; n > 0; {
		k := min(n, int64(len(zeros)))
		if _, err := c.Write(zeros[:k]); err != nil {
			return err
		}
		n -= k
	}
	return nil
}
