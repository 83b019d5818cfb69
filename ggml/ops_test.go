package ggml

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every operation against a float64 reference written from its definition,
// on fresh random inputs, for batch sizes 1, 7 and 64 and for views.

const f32Tol = 1e-5

var batches = []int{1, 7, 64}

func rng(t *testing.T) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(len(t.Name())), 0x9e3779b97f4a7c15))
}

func TestMulMatF32(t *testing.T) {
	for _, n := range batches {
		for _, view := range []bool{false, true} {
			t.Run(fmt.Sprintf("n=%d/view=%v", n, view), func(t *testing.T) {
				r := rng(t)
				const k, m, a2, b2 = 96, 33, 2, 4
				h := newHarness(t)
				av := randF32(r, k*m*a2)
				bv := randF32(r, k*n*b2)
				a := h.f32(av, k, m, a2)
				var b *Tensor
				ref := newND(k, n, b2)
				if view {
					// b stored as [k, b2, n] and seen as [k, n, b2]: not contiguous.
					b0 := h.f32(bv, k, b2, int64(n))
					b = h.graph.Permute(b0, 0, 2, 1, 3)
					src := fromF32(bv, k, b2, n)
					for i2 := 0; i2 < b2; i2++ {
						for j := 0; j < n; j++ {
							for kk := 0; kk < k; kk++ {
								ref.set(kk, j, i2, 0, src.at(kk, i2, j, 0))
							}
						}
					}
					require.Equal(t, n == 1, b.Contiguous())
				} else {
					b = h.f32(bv, k, int64(n), b2)
					ref = fromF32(bv, k, n, b2)
				}
				out := h.graph.MulMat(a, b)
				assert.Equal(t, []int64{m, int64(n), b2}, out.Shape())
				got := h.run(out)[0]
				want := refMulMat(fromF32(av, k, m, a2), ref)
				assert.Less(t, relL2(got, want.data), f32Tol)
			})
		}
	}
}

// refMulMat returns a^T b per outer index, a broadcast over b's outer dimensions.
func refMulMat(a, b *nd) *nd {
	out := newND(a.ne[1], b.ne[1], b.ne[2], b.ne[3])
	r2, r3 := b.ne[2]/a.ne[2], b.ne[3]/a.ne[3]
	for i3 := 0; i3 < b.ne[3]; i3++ {
		for i2 := 0; i2 < b.ne[2]; i2++ {
			for j := 0; j < b.ne[1]; j++ {
				for i := 0; i < a.ne[1]; i++ {
					var s float64
					for k := 0; k < a.ne[0]; k++ {
						s += a.at(k, i, i2/r2, i3/r3) * b.at(k, j, i2, i3)
					}
					out.set(i, j, i2, i3, s)
				}
			}
		}
	}
	return out
}

// TestMulMatQuantized multiplies weights of each type GGML runs Mistral in
// with F32 activations, against the float64 product of exactly what GGML
// multiplies: the weights as GGML dequantises them, and the activations
// after GGML's conversion to the weights' vec_dot type.
func TestMulMatQuantized(t *testing.T) {
	types := []Type{F16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K}
	for _, typ := range types {
		for _, n := range batches {
			t.Run(fmt.Sprintf("%v/n=%d", typ, n), func(t *testing.T) {
				r := rng(t)
				const k, m = 512, 24
				_, wq := randQuantized(t, r, typ, k, m)
				xv := randF32(r, k*n)

				h := newHarness(t)
				a := h.input(typ, wq, k, m)
				b := h.f32(xv, k, int64(n))
				got := h.run(h.graph.MulMat(a, b))[0]

				wd := dequant64(t, typ, wq, k*m)
				vd := VecDotType(typ)
				var want *nd
				if vd == Q8_1 {
					want = refMulMatQ81(t, typ, wq, wd, xv, k, m, n)
				} else {
					ref := newND(k, n)
					for j := 0; j < n; j++ {
						copy(ref.data[j*k:(j+1)*k], roundTrip(t, vd, xv[j*k:(j+1)*k]))
					}
					want = refMulMat(&nd{ne: [4]int{k, m, 1, 1}, data: wd}, ref)
				}
				assert.Less(t, relL2(got, want.data), 1e-4, "vec_dot type %v", vd)
			})
		}
	}
}

// refMulMatQ81 is the product for weights with a per-block offset m (Q4_1,
// Q5_1: w = d*q + m) and activations in Q8_1 (x = d*q, plus the block sum s
// stored in half precision). GGML computes each block's share as
// sum((w - m) * x) + m * s, using the stored s rather than the sum of the
// x, so the reference does the same.
func refMulMatQ81(t *testing.T, typ Type, wq []byte, wd []float64, xv []float32, k, m, n int) *nd {
	const blk = 32
	rowBytes, err := typ.RowBytes(int64(k))
	require.NoError(t, err)
	out := newND(m, n)
	for j := 0; j < n; j++ {
		x := xv[j*k : (j+1)*k]
		xq := make([]byte, k/blk*36)
		require.NoError(t, FromFloat(Q8_1, xq, x))
		xd := dequant64(t, Q8_1, xq, k)
		for i := 0; i < m; i++ {
			var sum float64
			for b := 0; b < k/blk; b++ {
				wb := wq[int64(i)*rowBytes+int64(b*typ.BlockBytes()):]
				mw := float64(halfToFloat(uint16(wb[2]) | uint16(wb[3])<<8))
				sx := float64(halfToFloat(uint16(xq[b*36+2]) | uint16(xq[b*36+3])<<8))
				for e := b * blk; e < (b+1)*blk; e++ {
					sum += (wd[i*k+e] - mw) * xd[e]
				}
				sum += mw * sx
			}
			out.set(i, j, 0, 0, sum)
		}
	}
	return out
}

func TestRMSNormMulAddScale(t *testing.T) {
	for _, n := range batches {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r := rng(t)
			const d = 160
			const eps = 1e-5
			h := newHarness(t)
			xv := randF32(r, d*2*n)
			wv := randF32(r, d)
			bv := randF32(r, d)
			// x is every other row of a [d, 2n] tensor: a strided view.
			x0 := h.f32(xv, d, int64(2*n))
			x := h.graph.View(x0, []int64{d, int64(n)}, []int64{2 * d * 4}, 0)
			w := h.f32(wv, d)
			b := h.f32(bv, d)
			norm := h.graph.RMSNorm(x, eps)
			y := h.graph.Scale(h.graph.Add(h.graph.Mul(norm, w), b), 0.5)
			got := h.run(y)[0]

			want := make([]float64, d*n)
			for j := 0; j < n; j++ {
				row := xv[2*j*d : 2*j*d+d]
				var ss float64
				for _, v := range row {
					ss += float64(v) * float64(v)
				}
				inv := 1 / math.Sqrt(ss/d+eps)
				for i, v := range row {
					want[j*d+i] = 0.5 * (float64(v)*inv*float64(wv[i]) + float64(bv[i]))
				}
			}
			assert.Less(t, relL2(got, want), f32Tol)
		})
	}
}

func TestSiLUSwiGLU(t *testing.T) {
	for _, n := range batches {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r := rng(t)
			const d = 96
			h := newHarness(t)
			gv, uv := randF32(r, d*n), randF32(r, d*n)
			for i := range gv {
				gv[i] *= 6
			}
			g := h.f32(gv, d, int64(n))
			u := h.f32(uv, d, int64(n))
			outs := h.run(h.graph.SiLU(g), h.graph.SwiGLU(g, u))
			silu := make([]float64, d*n)
			swi := make([]float64, d*n)
			for i, x := range gv {
				s := float64(x) / (1 + math.Exp(-float64(x)))
				silu[i] = s
				swi[i] = s * float64(uv[i])
			}
			assert.Less(t, relL2(outs[0], silu), f32Tol)
			assert.Less(t, relL2(outs[1], swi), f32Tol)
		})
	}
}

// refRoPE rotates adjacent pairs as Mistral's GGUF layout requires.
func refRoPE(x *nd, pos []int32, dims int, base float64) *nd {
	out := &nd{ne: x.ne, data: append([]float64(nil), x.data...)}
	for tok := 0; tok < x.ne[2]; tok++ {
		for hd := 0; hd < x.ne[1]; hd++ {
			for i := 0; i < dims/2; i++ {
				theta := float64(pos[tok]) * math.Pow(base, -2*float64(i)/float64(dims))
				c, s := math.Cos(theta), math.Sin(theta)
				x0, x1 := x.at(2*i, hd, tok, 0), x.at(2*i+1, hd, tok, 0)
				out.set(2*i, hd, tok, 0, x0*c-x1*s)
				out.set(2*i+1, hd, tok, 0, x0*s+x1*c)
			}
		}
	}
	return out
}

func TestRoPE(t *testing.T) {
	for _, n := range batches {
		for _, base := range []float32{10000, 1e6} {
			t.Run(fmt.Sprintf("n=%d/base=%g", n, base), func(t *testing.T) {
				r := rng(t)
				const hd, heads = 64, 3
				h := newHarness(t)
				xv := randF32(r, hd*heads*n)
				pos := make([]int32, n)
				for i := range pos {
					pos[i] = int32(r.IntN(200))
				}
				x := h.f32(xv, hd, heads, int64(n))
				p := h.input(I32, i32Bytes(pos), int64(n))
				got := h.run(h.graph.RoPE(x, p, hd, base))[0]
				want := refRoPE(fromF32(xv, hd, heads, n), pos, hd, float64(base))
				assert.Less(t, relL2(got, want.data), f32Tol)
			})
		}
	}
}

// TestRoPEFarPositions documents GGML's precision far out: it computes the
// angles in float32, so at position 30,000 they are off by about 1e-3 rad.
func TestRoPEFarPositions(t *testing.T) {
	r := rng(t)
	const hd, heads, n = 128, 2, 16
	h := newHarness(t)
	xv := randF32(r, hd*heads*n)
	pos := make([]int32, n)
	for i := range pos {
		pos[i] = int32(16000 + r.IntN(16000))
	}
	x := h.f32(xv, hd, heads, n)
	p := h.input(I32, i32Bytes(pos), n)
	got := h.run(h.graph.RoPE(x, p, hd, 1e6))[0]
	want := refRoPE(fromF32(xv, hd, heads, n), pos, hd, 1e6)
	assert.Less(t, relL2(got, want.data), 2e-3)
}

func TestSoftMax(t *testing.T) {
	for _, n := range batches {
		for _, c := range []struct {
			maskType Type
			inplace  bool
		}{{F32, false}, {F16, false}, {F16, true}} {
			maskType := c.maskType
			t.Run(fmt.Sprintf("n=%d/mask=%v/inplace=%v", n, maskType, c.inplace), func(t *testing.T) {
				r := rng(t)
				const kv, heads = 37, 3
				const scale = 0.3
				h := newHarness(t)
				av := randF32(r, kv*n*heads)
				for i := range av {
					av[i] *= 8
				}
				mv := make([]float32, kv*n)
				for i := range mv {
					if r.IntN(4) == 0 && i%kv != 0 { // keep one position per row
						mv[i] = float32(math.Inf(-1))
					}
				}
				a := h.f32(av, kv, int64(n), heads)
				var m *Tensor
				if maskType == F32 {
					m = h.f32(mv, kv, int64(n))
				} else {
					raw := make([]byte, 2*len(mv))
					require.NoError(t, FromFloat(F16, raw, mv))
					m = h.input(F16, raw, kv, int64(n))
				}
				soft := h.graph.SoftMax
				if c.inplace {
					soft = h.graph.SoftMaxInPlace
				}
				got := h.run(soft(a, m, scale))[0]
				want := make([]float64, len(av))
				for row := 0; row < n*heads; row++ {
					j := row % n
					mx := math.Inf(-1)
					s := make([]float64, kv)
					for i := 0; i < kv; i++ {
						s[i] = scale*float64(av[row*kv+i]) + float64(mv[j*kv+i])
						mx = math.Max(mx, s[i])
					}
					var sum float64
					for i := range s {
						s[i] = math.Exp(s[i] - mx)
						sum += s[i]
					}
					for i := range s {
						want[row*kv+i] = s[i] / sum
					}
				}
				assert.Less(t, relL2(got, want), f32Tol)
			})
		}
	}
}

// refAttention is softmax(scale * K^T Q + mask) V per head, grouped-query.
func refAttention(q, k, v *nd, mask []float64, scale float64) *nd {
	hd, n, heads := q.ne[0], q.ne[1], q.ne[2]
	kv, kvHeads, hdv := k.ne[1], k.ne[2], v.ne[0]
	out := newND(hdv, heads, n)
	for hh := 0; hh < heads; hh++ {
		g := hh / (heads / kvHeads)
		for j := 0; j < n; j++ {
			s := make([]float64, kv)
			mx := math.Inf(-1)
			for i := 0; i < kv; i++ {
				var dot float64
				for d := 0; d < hd; d++ {
					dot += q.at(d, j, hh, 0) * k.at(d, i, g, 0)
				}
				s[i] = scale*dot + mask[j*kv+i]
				mx = math.Max(mx, s[i])
			}
			var sum float64
			for i := range s {
				s[i] = math.Exp(s[i] - mx)
				sum += s[i]
			}
			for d := 0; d < hdv; d++ {
				var acc float64
				for i := 0; i < kv; i++ {
					acc += s[i] / sum * v.at(d, i, g, 0)
				}
				out.set(d, hh, j, 0, acc)
			}
		}
	}
	return out
}

func TestFlashAttention(t *testing.T) {
	for _, kvType := range []Type{F32, F16} {
		for _, n := range batches {
			t.Run(fmt.Sprintf("%v/n=%d", kvType, n), func(t *testing.T) {
				r := rng(t)
				const hd, heads, kvHeads, kv = 64, 4, 2, 80
				scale := 1 / math.Sqrt(hd)
				h := newHarness(t)
				qv := randF32(r, hd*n*heads)
				kvals := randF32(r, hd*kv*kvHeads)
				vvals := randF32(r, hd*kv*kvHeads)
				mask := make([]float32, kv*n)
				maskRef := make([]float64, kv*n)
				for j := 0; j < n; j++ {
					for i := 0; i < kv; i++ {
						if i > kv-n+j { // causal over the last n positions
							mask[j*kv+i] = float32(math.Inf(-1))
							maskRef[j*kv+i] = math.Inf(-1)
						}
					}
				}
				maskRaw := make([]byte, 2*len(mask))
				require.NoError(t, FromFloat(F16, maskRaw, mask))
				q := h.f32(qv, hd, int64(n), heads)
				var k, v *Tensor
				kref, vref := fromF32(kvals, hd, kv, kvHeads), fromF32(vvals, hd, kv, kvHeads)
				if kvType == F32 {
					k, v = h.f32(kvals, hd, kv, kvHeads), h.f32(vvals, hd, kv, kvHeads)
				} else {
					kraw, vraw := make([]byte, 2*len(kvals)), make([]byte, 2*len(vvals))
					require.NoError(t, FromFloat(F16, kraw, kvals))
					require.NoError(t, FromFloat(F16, vraw, vvals))
					k, v = h.input(F16, kraw, hd, kv, kvHeads), h.input(F16, vraw, hd, kv, kvHeads)
					kref.data, vref.data = dequant64(t, F16, kraw, len(kvals)), dequant64(t, F16, vraw, len(vvals))
				}
				m := h.input(F16, maskRaw, kv, int64(n))
				out := h.graph.FlashAttention(q, k, v, m, float32(scale))
				assert.Equal(t, []int64{hd, heads, int64(n)}, out.Shape())
				got := h.run(out)[0]
				qref := fromF32(qv, hd, n, heads)
				tol := f32Tol
				if kvType == F16 {
					// GGML rounds Q to F16 for the K products and accumulates
					// V in F16 (its CPU kernel's choice for F16 V).
					qref.data = roundTrip(t, F16, qv)
					tol = 2e-3
				}
				want := refAttention(qref, kref, vref, maskRef, scale)
				assert.Less(t, relL2(got, want.data), tol)
			})
		}
	}
}

func TestGetRows(t *testing.T) {
	for _, typ := range []Type{F32, F16, Q8_0, Q4_K} {
		for _, n := range batches {
			t.Run(fmt.Sprintf("%v/n=%d", typ, n), func(t *testing.T) {
				r := rng(t)
				const d, rows = 256, 50
				_, raw := randQuantized(t, r, typ, d, rows)
				ids := make([]int32, n)
				for i := range ids {
					ids[i] = int32(r.IntN(rows))
				}
				h := newHarness(t)
				a := h.input(typ, raw, d, rows)
				b := h.input(I32, i32Bytes(ids), int64(n))
				got := h.run(h.graph.GetRows(a, b))[0]
				all := dequant64(t, typ, raw, d*rows)
				want := make([]float64, 0, d*n)
				for _, id := range ids {
					want = append(want, all[int(id)*d:int(id+1)*d]...)
				}
				assert.Less(t, relL2(got, want), f32Tol)
			})
		}
	}
}

func TestSetRows(t *testing.T) {
	for _, dstType := range []Type{F32, F16, Q8_0} {
		for _, n := range batches {
			t.Run(fmt.Sprintf("%v/n=%d", dstType, n), func(t *testing.T) {
				r := rng(t)
				const d, slots = 64, 100
				init := randF32(r, d*slots)
				initRaw := f32Bytes(init)
				if dstType != F32 {
					size, err := dstType.RowBytes(d * slots)
					require.NoError(t, err)
					initRaw = make([]byte, size)
					require.NoError(t, FromFloat(dstType, initRaw, init))
				}
				src := randF32(r, d*n)
				perm := r.Perm(slots)[:n]
				ids := make([]int64, n)
				for i, p := range perm {
					ids[i] = int64(p)
				}
				h := newHarness(t)
				dst := h.input(dstType, initRaw, d, slots)
				s := h.f32(src, d, int64(n))
				idx := h.input(I64, i64Bytes(ids), int64(n))
				got := h.run(h.graph.SetRows(dst, s, idx))[0]
				want := dequant64(t, dstType, initRaw, d*slots)
				for i, slot := range ids {
					copy(want[int(slot)*d:], roundTrip(t, dstType, src[i*d:(i+1)*d]))
				}
				assert.Less(t, relL2(got, want), f32Tol)
			})
		}
	}
}

// TestSetColumns: SetColumns stores each column converted to F16 exactly
// as the backend converts (the bits of FromFloat), at its index, and leaves
// every other element of dst as it was; values that round to the largest
// half, to infinity, to subnormals and to zero among them.
func TestSetColumns(t *testing.T) {
	for _, n := range batches {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r := rng(t)
			const rows, cols = 64, 100
			init := randF32(r, rows*cols)
			initRaw := make([]byte, 2*rows*cols)
			require.NoError(t, FromFloat(F16, initRaw, init))
			src := randF32(r, rows*n)
			special := []float32{65504, 65519.9, 65520, -1e9, 6e-8, 2.9e-8, 1e-5, float32(math.Copysign(0, -1)), 0.3333333}
			copy(src, special)
			ids := make([]int64, n)
			for i, p := range r.Perm(cols)[:n] {
				ids[i] = int64(p)
			}
			h := newHarness(t)
			dst := h.input(F16, initRaw, cols, rows)
			s := h.f32(src, rows, int64(n))
			idx := h.input(I64, i64Bytes(ids), int64(n))
			got := h.run(h.graph.SetColumns(dst, s, idx))[0]
			want := dequant64(t, F16, initRaw, rows*cols)
			for i, c := range ids {
				col := roundTrip(t, F16, src[i*rows:(i+1)*rows])
				for r := range rows {
					want[r*cols+int(c)] = col[r]
				}
			}
			require.Len(t, got, len(want))
			for i := range want {
				if g, w := got[i], want[i]; g != float32(w) && !(math.IsNaN(float64(g)) && math.IsNaN(w)) {
					t.Fatalf("element %d (row %d, column %d): %v, want %v", i, i/cols, i%cols, g, w)
				}
			}
		})
	}
}

func TestLayoutOps(t *testing.T) {
	for _, n := range batches {
		t.Run(fmt.Sprintf("n=%d", n), func(t *testing.T) {
			r := rng(t)
			const a0, a1 = 16, 5
			h := newHarness(t)
			xv := randF32(r, a0*a1*n)
			x := h.f32(xv, a0, a1, int64(n))
			// Permute + Cont: [a0, a1, n] -> [a0, n, a1] packed.
			perm := h.graph.Cont(h.graph.Permute(x, 0, 2, 1, 3))
			// Transpose + Cont of a 2-D reshape.
			tr := h.graph.Cont(h.graph.Transpose(h.graph.Reshape(x, a0, a1*int64(n))))
			// Copy to F16.
			f16 := h.graph.Copy(x, h.graph.NewTensor(F16, a0, a1, int64(n)))
			// Concat along dimension 1 with itself.
			cat := h.graph.Concat(x, x, 1)
			// A view of the second half of each row, then packed.
			half := h.graph.Cont(h.graph.View(x, []int64{a0 / 2, a1 * int64(n)}, []int64{a0 * 4}, a0/2*4))
			outs := h.run(perm, tr, f16, cat, half)

			src := fromF32(xv, a0, a1, n)
			wantPerm := newND(a0, n, a1)
			wantTr := newND(a1*n, a0)
			wantCat := newND(a0, 2*a1, n)
			wantHalf := newND(a0/2, a1*n)
			for j := 0; j < n; j++ {
				for i1 := 0; i1 < a1; i1++ {
					for i0 := 0; i0 < a0; i0++ {
						v := src.at(i0, i1, j, 0)
						wantPerm.set(i0, j, i1, 0, v)
						wantTr.set(j*a1+i1, i0, 0, 0, v)
						wantCat.set(i0, i1, j, 0, v)
						wantCat.set(i0, a1+i1, j, 0, v)
						if i0 >= a0/2 {
							wantHalf.set(i0-a0/2, j*a1+i1, 0, 0, v)
						}
					}
				}
			}
			assert.Less(t, relL2(outs[0], wantPerm.data), f32Tol)
			assert.Less(t, relL2(outs[1], wantTr.data), f32Tol)
			assert.Less(t, relL2(outs[2], roundTrip(t, F16, xv)), f32Tol)
			assert.Less(t, relL2(outs[3], wantCat.data), f32Tol)
			assert.Less(t, relL2(outs[4], wantHalf.data), f32Tol)
		})
	}
}

// TestShapesAgreeWithGGML checks the Go-side shape tracking of every kind of
// tensor against GGML's own element, row and byte counts.
func TestShapesAgreeWithGGML(t *testing.T) {
	ctx := NewContext(64, 0)
	defer ctx.Close()
	a := ctx.NewTensor(F32, 64, 6, 4)
	q := ctx.NewTensor(Q4_0, 64, 10)
	ids := ctx.NewTensor(I32, 3)
	m16 := ctx.NewTensor(F16, 6, 6)
	tensors := map[string]*Tensor{
		"new":       a,
		"quantized": q,
		"view":      ctx.View(a, []int64{32, 3, 2}, []int64{a.Stride(1) * 2, a.Stride(2) * 2}, 128),
		"reshape":   ctx.Reshape(a, 64*6, 4),
		"permute":   ctx.Permute(a, 0, 2, 1, 3),
		"transpose": ctx.Transpose(a),
		"cont":      ctx.Cont(ctx.Permute(a, 1, 0, 2, 3)),
		"getrows":   ctx.GetRows(q, ids),
		"mulmat":    ctx.MulMat(q, ctx.NewTensor(F32, 64, 5)),
		"rope":      ctx.RoPE(ctx.Reshape(a, 16, 4, 24), ctx.NewTensor(I32, 24), 16, 1e4),
		"softmax":   ctx.SoftMax(ctx.NewTensor(F32, 6, 6, 2), m16, 1),
		"concat":    ctx.Concat(a, a, 2),
		"flash":     ctx.FlashAttention(ctx.NewTensor(F32, 64, 6, 4), ctx.NewTensor(F16, 64, 6, 2), ctx.NewTensor(F16, 64, 6, 2), m16, 1),
	}
	for name, x := range tensors {
		el, rows, bytes, contig := tensorFacts(x)
		assert.Equal(t, el, x.Elements(), "%s %v elements", name, x)
		assert.Equal(t, rows, x.Rows(), "%s %v rows", name, x)
		assert.Equal(t, bytes, x.Bytes(), "%s %v bytes", name, x)
		assert.Equal(t, contig, x.Contiguous(), "%s %v contiguous", name, x)
	}
}

func TestMisuseIsAPanicNotAnAbort(t *testing.T) {
	ctx := NewContext(8, 0)
	defer ctx.Close()
	a := ctx.NewTensor(F32, 8, 2)
	b := ctx.NewTensor(F32, 7, 2)
	assert.Panics(t, func() { ctx.MulMat(a, b) })
	assert.Panics(t, func() { ctx.Reshape(a, 5) })
	assert.Panics(t, func() { ctx.View(a, []int64{8, 3}, []int64{32}, 0) }, "view past the end")
	assert.Panics(t, func() { ctx.NewTensor(Q4_0, 31) }, "row not a multiple of the block")
	assert.Panics(t, func() { a.SetF32(make([]float32, 16)) }, "not allocated")
	for i := 0; i < 6; i++ {
		ctx.NewTensor(F32, 1)
	}
	assert.Panics(t, func() { ctx.NewTensor(F32, 1) }, "context full")
	ctx.Close()
	ctx.Close() // idempotent
	assert.Panics(t, func() { ctx.NewTensor(F32, 1) }, "use after Close")
}

// TestMulMatRows checks that the rows MulMatRows computes are bit for bit
// those of the whole product, for every type it takes, lone and several
// columns, in whole groups of 64 rows from a matrix of Mistral's 32,000 (a
// product of a row count the CPU's tiles do not divide goes through other
// kernels, whose last bits differ: callers keep to such groups). Its control multiplies the gathered F16 rows
// without storing them back as F16 (the columns are then not rounded to F16
// as the whole product rounds them): that must differ somewhere.
func TestMulMatRows(t *testing.T) {
	const k, vocab = 128, 32000
	for _, typ := range []Type{F16, BF16, F32} {
		for _, n := range []int{1, 2, 3, 8} {
			for _, sel := range []int{64, 128, 256, 576, 1024} {
				t.Run(fmt.Sprintf("%v/n=%d/rows=%d", typ, n, sel), func(t *testing.T) {
					r := rng(t)
					rb, err := typ.RowBytes(k)
					require.NoError(t, err)
					raw := make([]byte, rb*vocab)
					require.NoError(t, FromFloat(typ, raw, randF32(r, k*vocab)))
					ids := make([]int32, sel)
					for i, p := range r.Perm(vocab)[:sel] {
						ids[i] = int32(p)
					}
					h := newHarness(t)
					a := h.input(typ, raw, k, vocab)
					b := h.f32(randF32(r, k*n), k, int64(n))
					idx := h.input(I32, i32Bytes(ids), int64(sel))
					outs := []*Tensor{h.graph.MulMat(a, b), h.graph.MulMatRows(a, idx, b)}
					if typ == F16 {
						outs = append(outs, h.graph.MulMat(h.graph.GetRows(a, idx), b))
					}
					got := h.run(outs...)
					whole, rows := got[0], got[1]
					require.Len(t, rows, sel*n)
					for c := range n {
						for i, id := range ids {
							w, g := whole[c*vocab+int(id)], rows[c*sel+i]
							if math.Float32bits(w) != math.Float32bits(g) {
								t.Fatalf("column %d, row %d: %v (%#x), whole product %v (%#x)", c, id, g, math.Float32bits(g), w, math.Float32bits(w))
							}
						}
					}
					if typ == F16 {
						differs := false
						for c := range n {
							for i, id := range ids {
								differs = differs || got[2][c*sel+i] != whole[c*vocab+int(id)]
							}
						}
						require.True(t, differs, "the control (rows widened to F32) gave the same bits: the check could not tell")
					}
				})
			}
		}
	}
}
