//go:build cgo

package ggml

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMulMatRepacked multiplies the same quantised matrix stored plain and
// repacked: the products must agree (GGML's interleaved kernels compute the
// same integer dot products, summed in another order), for one row of
// activations (the gemv kernel), for groups of four (gemm) and for both.
func TestMulMatRepacked(t *testing.T) {
	for _, typ := range []Type{Q4_0, Q4_K, IQ4_NL} {
		if !CanRepack(typ, []int64{512, 24}) {
			t.Logf("%v: no repacked layout on this CPU/build; skipped", typ)
			continue
		}
		for _, n := range []int{1, 3, 4, 7, 64} {
			t.Run(fmt.Sprintf("%v/n=%d", typ, n), func(t *testing.T) {
				r := rng(t)
				const k, m = 512, 24
				_, wq := randQuantized(t, r, typ, k, m)
				xv := randF32(r, k*n)
				rt := repacked(t, typ, wq, k, m)

				h := newHarness(t)
				a := h.input(typ, wq, k, m)
				b := h.f32(xv, k, int64(n))
				out := h.run(h.graph.MulMat(a, b), h.graph.MulMat(rt, b))
				plain, packed := out[0], out[1]
				want := make([]float64, len(plain))
				var worst float64
				for i, v := range plain {
					want[i] = float64(v)
					worst = max(worst, math.Abs(float64(packed[i]-v)))
				}
				assert.Less(t, relL2(packed, want), 1e-5, "worst absolute difference %g", worst)
				assert.Greater(t, relL2(plain, make([]float64, len(plain))), 0.5, "the product is not all zeros")
			})
		}
	}
}

// TestRepackedRowsDoNotDependOnBatch: the interleaved kernels take rows in
// groups of four (gemm) and the rows left over one at a time (gemv). A row
// in a group comes out the same whichever rows share the group, and a row
// left over the same as a row alone. For Q4_0 and IQ4_NL the two kernels
// agree bit for bit, which is what makes a model's logits independent of
// how its tokens are batched without padding; for Q4_K they do not
// (ProductKernels.WholeGroups), and a caller that needs that independence
// computes whole groups only.
func TestRepackedRowsDoNotDependOnBatch(t *testing.T) {
	for _, typ := range []Type{Q4_0, Q4_K, IQ4_NL} {
		const k, m = 4096, 64
		if !CanRepack(typ, []int64{k, m}) {
			t.Logf("%v: no repacked layout on this CPU/build; skipped", typ)
			continue
		}
		r := rng(t)
		_, wq := randQuantized(t, r, typ, k, m)
		x := randF32(r, k*8)
		rt := repacked(t, typ, wq, k, m)

		h := newHarness(t)
		one := h.f32(x[:k], k, 1)
		four := h.f32(x[:4*k], k, 4)
		five := h.f32(append(slices.Clone(x[:4*k]), x[:k]...), k, 5)
		other := h.f32(append(slices.Clone(x[:k]), x[4*k:7*k]...), k, 4) // the first row with three others
		out := h.run(h.graph.MulMat(rt, one), h.graph.MulMat(rt, four), h.graph.MulMat(rt, five), h.graph.MulMat(rt, other))
		assert.Equal(t, out[1][:m], out[3][:m], "%v: a row in a group, whatever the group's other rows", typ)
		assert.Equal(t, out[0], out[2][4*m:], "%v: one row alone and the fifth of five", typ)
		whole := CPU().Product(typ, true).WholeGroups
		if whole {
			assert.NotEqual(t, out[0], out[1][:m], "%v: said to differ alone and in a group", typ)
		} else {
			assert.Equal(t, out[0], out[1][:m], "%v: one row alone and first of four", typ)
		}
	}
}

// repacked returns a k x m matrix of typ holding raw, stored interleaved in
// a repacking buffer of its own, freed when the test ends.
func repacked(t *testing.T, typ Type, raw []byte, k, m int64) *Tensor {
	t.Helper()
	weights := NewContext(1, 0)
	t.Cleanup(weights.Close)
	rt := weights.NewTensor(typ, k, m)
	rbuf, err := NewRepackBuffer(rt.Bytes())
	require.NoError(t, err)
	t.Cleanup(rbuf.Close)
	require.NoError(t, rbuf.PlaceRepacked(rt, 0, raw))
	return rt
}

func TestRepackMisuse(t *testing.T) {
	if !CanRepack(Q4_0, []int64{64, 8}) {
		t.Skip("no repacked layout on this CPU/build")
	}
	assert.False(t, CanRepack(Q4_0, []int64{64, 12}), "rows not a multiple of 8")
	assert.False(t, CanRepack(Q8_0, []int64{64, 8}), "no interleaved Q8_0 kernels on x86")
	assert.False(t, CanRepack(Q4_0, []int64{64, 8, 2}), "3-D")

	ctx := NewContext(4, 0)
	defer ctx.Close()
	rbuf, err := NewRepackBuffer(4096)
	require.NoError(t, err)
	defer rbuf.Close()
	wq := make([]byte, 2*18*8)
	odd := ctx.NewTensor(Q4_0, 64, 12)
	assert.Error(t, rbuf.PlaceRepacked(odd, 0, make([]byte, 2*18*12)))
	rt := ctx.NewTensor(Q4_0, 64, 8)
	assert.Error(t, rbuf.PlaceRepacked(rt, 0, wq[:10]), "short data")
	require.NoError(t, rbuf.PlaceRepacked(rt, 0, wq))
	assert.Panics(t, func() { rt.Read(make([]byte, 10), 0) }, "read back")
	assert.Panics(t, func() { rt.Write(wq, 0) }, "write")

	g := NewContext(16, 16)
	defer g.Close()
	x := g.NewTensor(F32, 64, 2)
	ids := g.NewTensor(I32, 2)
	assert.Panics(t, func() { g.GetRows(rt, ids) }, "GetRows")
	assert.Panics(t, func() { g.View(rt, []int64{64, 4}, []int64{36}, 0) }, "View")
	assert.Panics(t, func() { g.Transpose(rt) }, "Transpose")
	assert.Panics(t, func() { g.MulMat(rt, g.NewTensor(F16, 64, 2)) }, "F16 right operand")
	assert.NotPanics(t, func() { g.MulMat(rt, x) })

	plain, err := NewCPU(1)
	require.NoError(t, err)
	defer plain.Close()
	pbuf, err := plain.AllocTensors(ctx)
	require.NoError(t, err, "ctx still holds the unplaced odd tensor")
	defer pbuf.Close()
	assert.Error(t, pbuf.PlaceRepacked(ctx.NewTensor(Q4_0, 64, 8), 0, wq), "not a repacking buffer")
}
