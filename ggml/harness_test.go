package ggml

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// harness builds one graph over input tensors, computes it on the CPU backend
// and reads results back, for tests that compare GGML with a float64
// reference.
type harness struct {
	t       *testing.T
	inputs  *Context // input tensors, placed in their own buffer
	graph   *Context // operations
	pending []pendingInput
	buf     *Buffer
	be      *Backend
	ga      *Allocator
}

type pendingInput struct {
	t    *Tensor
	data []byte
}

func newHarness(t *testing.T) *harness {
	h := &harness{t: t, inputs: NewContext(64, 0), graph: NewContext(1024, 1024)}
	be, err := NewCPU(2)
	require.NoError(t, err)
	h.be = be
	t.Cleanup(func() {
		h.ga.Close()
		h.buf.Close()
		h.be.Close()
		h.graph.Close()
		h.inputs.Close()
	})
	return h
}

// input makes a tensor of the given type and shape holding data (raw bytes
// in the tensor's type).
func (h *harness) input(typ Type, data []byte, shape ...int64) *Tensor {
	x := h.inputs.NewTensor(typ, shape...)
	require.Equal(h.t, x.Bytes(), int64(len(data)), "input %v", x)
	h.pending = append(h.pending, pendingInput{x, data})
	return x
}

// f32 makes an F32 input tensor.
func (h *harness) f32(v []float32, shape ...int64) *Tensor {
	return h.input(F32, f32Bytes(v), shape...)
}

// run computes the graph that produces outs and returns each as float32
// values (every output must be F32, or F16 which is widened).
func (h *harness) run(outs ...*Tensor) [][]float32 {
	t := h.t
	buf, err := h.be.AllocTensors(h.inputs)
	require.NoError(t, err)
	h.buf = buf
	for _, p := range h.pending {
		p.t.Write(p.data, 0)
	}
	g := h.graph.NewGraph(1024)
	for _, o := range outs {
		o.SetOutput()
		g.Expand(o)
	}
	h.ga = NewAllocator(h.be)
	require.NoError(t, h.ga.Alloc(g))
	require.NoError(t, h.be.Compute(g))
	res := make([][]float32, len(outs))
	for i, o := range outs {
		require.True(t, o.Contiguous(), "output %v", o)
		raw := make([]byte, o.Bytes())
		o.Read(raw, 0)
		switch o.Type() {
		case F32:
			res[i] = bytesF32(raw)
		default:
			v := make([]float32, o.Elements())
			require.NoError(t, Dequantize(o.Type(), v, raw))
			res[i] = v
		}
	}
	return res
}

// randQuantized quantises a random rows x cols matrix to typ and returns
// the float32 values and their quantised bytes.
func randQuantized(t testing.TB, r *rand.Rand, typ Type, cols, rows int) ([]float32, []byte) {
	t.Helper()
	w := randF32(r, cols*rows)
	rb, err := typ.RowBytes(int64(cols))
	require.NoError(t, err)
	raw := make([]byte, rb*int64(rows))
	require.NoError(t, Quantize(typ, raw, w, rows, cols, nil))
	return w, raw
}

func f32Bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func bytesF32(b []byte) []float32 {
	v := make([]float32, len(b)/4)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func i32Bytes(v []int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func i64Bytes(v []int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

// randF32 returns n values uniform in [-1, 1).
func randF32(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = 2*r.Float32() - 1
	}
	return v
}

// nd is a dense float64 reference tensor, ne[0] fastest.
type nd struct {
	ne   [4]int
	data []float64
}

func newND(ne ...int) *nd {
	a := &nd{ne: [4]int{1, 1, 1, 1}}
	copy(a.ne[:], ne)
	a.data = make([]float64, a.ne[0]*a.ne[1]*a.ne[2]*a.ne[3])
	return a
}

func fromF32(v []float32, ne ...int) *nd {
	a := newND(ne...)
	if len(v) != len(a.data) {
		panic("fromF32: size")
	}
	for i, x := range v {
		a.data[i] = float64(x)
	}
	return a
}

func (a *nd) idx(i0, i1, i2, i3 int) int {
	return ((i3*a.ne[2]+i2)*a.ne[1]+i1)*a.ne[0] + i0
}
func (a *nd) at(i0, i1, i2, i3 int) float64     { return a.data[a.idx(i0, i1, i2, i3)] }
func (a *nd) set(i0, i1, i2, i3 int, v float64) { a.data[a.idx(i0, i1, i2, i3)] = v }

// relL2 returns ||got - want|| / ||want||.
func relL2(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	var num, den float64
	for i := range got {
		d := float64(got[i]) - want[i]
		num += d * d
		den += want[i] * want[i]
	}
	if den == 0 {
		return math.Sqrt(num)
	}
	return math.Sqrt(num / den)
}

// roundTrip converts v to type t and back with GGML's own conversions (the
// CPU backend's from_float, then to_float), returning what GGML computes with.
func roundTrip(t *testing.T, typ Type, v []float32) []float64 {
	if typ == F32 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = float64(x)
		}
		return out
	}
	n, err := typ.RowBytes(int64(len(v)))
	require.NoError(t, err)
	raw := make([]byte, n)
	require.NoError(t, FromFloat(typ, raw, v))
	return dequant64(t, typ, raw, len(v))
}

// dequant64 widens data of type typ to float64 with GGML's to_float, or, for
// the two activation-only types GGML gives no to_float (Q8_1 and Q8_K), by
// their documented block layouts.
func dequant64(t *testing.T, typ Type, raw []byte, n int) []float64 {
	out := make([]float64, n)
	switch typ {
	case Q8_1: // {f16 d, f16 s, int8 q[32]}: x = d*q
		for b := 0; b < n/32; b++ {
			blk := raw[b*36:]
			d := float64(halfToFloat(binary.LittleEndian.Uint16(blk)))
			for i := 0; i < 32; i++ {
				out[b*32+i] = d * float64(int8(blk[4+i]))
			}
		}
	case Q8_K: // {f32 d, int8 q[256], int16 bsums[16]}: x = d*q
		for b := 0; b < n/256; b++ {
			blk := raw[b*292:]
			d := float64(math.Float32frombits(binary.LittleEndian.Uint32(blk)))
			for i := 0; i < 256; i++ {
				out[b*256+i] = d * float64(int8(blk[4+i]))
			}
		}
	default:
		v := make([]float32, n)
		require.NoError(t, Dequantize(typ, v, raw))
		for i, x := range v {
			out[i] = float64(x)
		}
	}
	return out
}

// halfToFloat widens an IEEE 754 half-precision bit pattern.
func halfToFloat(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0 && frac == 0:
		return math.Float32frombits(sign)
	case exp == 0: // subnormal
		f := float32(frac) / 1024 / 16384
		if sign != 0 {
			return -f
		}
		return f
	case exp == 31:
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	}
	return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
}
