//go:build cgo

package ggml

// #include "api.h"
import "C"

import "fmt"

// The operations of a Mistral forward pass. Each one checks its operands the
// way GGML would, but panics with a message instead of aborting the process:
// a mismatch is a programmer error. Results are new tensors of the graph
// being built; their data is placed by an Allocator before compute.

// result records a new packed tensor made by an operation.
func (ctx *Context) result(c *C.struct_ggml_tensor, typ Type, dims int, ne [4]int64) *Tensor {
	return ctx.wrap(c, typ, dims, ne, contiguousStrides(typ, ne))
}

// op reserves room for an operation's result tensor, after checking that
// none of its operands is a repacked matrix, which only MulMat can read.
func (ctx *Context) op(name string, operands ...*Tensor) {
	for _, t := range operands {
		if t != nil && t.repacked {
			panic(fmt.Sprintf("ggml: %s of repacked %v: only MulMat reads repacked matrices", name, t))
		}
	}
	ctx.reserve(int(C.ggml_tensor_overhead()), name)
}

// canRepeat reports whether b broadcasts over a: every dimension of a is a
// multiple of b's.
func canRepeat(b, a *Tensor) bool {
	for i := 0; i < 4; i++ {
		if a.ne[i]%b.ne[i] != 0 {
			return false
		}
	}
	return true
}

func sameShape(a, b *Tensor) bool { return a.ne == b.ne }

// GetRows gathers rows of a (any type; rows dequantised to F32) by the I32
// indices in ids: the result is [a.ne0, ids.ne0, ids.ne1, ids.ne2].
func (ctx *Context) GetRows(a, ids *Tensor) *Tensor {
	if ids.typ != I32 || a.ne[2] != ids.ne[1] || a.ne[3] != ids.ne[2] || ids.ne[3] != 1 {
		panic(fmt.Sprintf("ggml: GetRows(%v, %v): want I32 indices matching a's outer dimensions", a, ids))
	}
	ctx.op("GetRows", a)
	typ := F32
	if a.typ == I32 {
		typ = I32
	}
	ne := [4]int64{a.ne[0], ids.ne[0], ids.ne[1], ids.ne[2]}
	return ctx.result(C.ggml_get_rows(ctx.c, a.c, ids.c), typ, max(ids.dims+1, 2), ne)
}

// SetRows writes the F32 rows of src into dst (converting to dst's type) at
// the row indices given by ids (I64 or I32, one per row of src), and returns
// a view of dst that is the node to expand in the graph.
func (ctx *Context) SetRows(dst, src, ids *Tensor) *Tensor {
	if src.typ != F32 || (ids.typ != I64 && ids.typ != I32) ||
		dst.ne[0] != src.ne[0] || dst.ne[2] != src.ne[2] || dst.ne[3] != src.ne[3] ||
		src.ne[1] != ids.ne[0] || src.ne[2]%ids.ne[1] != 0 || src.ne[3]%ids.ne[2] != 0 || ids.ne[3] != 1 ||
		!contiguousRows(dst) || !contiguousRows(src) {
		panic(fmt.Sprintf("ggml: SetRows(%v, %v, %v): shapes or types do not fit", dst, src, ids))
	}
	ctx.op("SetRows", dst, src)
	return ctx.wrap(C.ggml_set_rows(ctx.c, dst.c, src.c, ids.c), dst.typ, dst.dims, dst.ne, dst.nb)
}

// SetColumns writes the columns of src (F32 [rows, n], contiguous) into
// dst (F16 [cols, rows], contiguous) at the column indices ids (I64 [n]),
// converted to F16 as SetRows converts, and returns a view of dst that is
// the node to expand in the graph. It is SetRows on dst's transpose: a
// column is one element of every row, each written by a plain store rather
// than as a row of one element. Indices outside dst are skipped.
func (ctx *Context) SetColumns(dst, src, ids *Tensor) *Tensor {
	if dst.typ != F16 || src.typ != F32 || ids.typ != I64 || dst.dims > 2 || src.dims > 2 || ids.dims > 1 ||
		dst.ne[1] != src.ne[0] || src.ne[1] != ids.ne[0] ||
		!dst.Contiguous() || !src.Contiguous() || !ids.Contiguous() {
		panic(fmt.Sprintf("ggml: SetColumns(%v, %v, %v): shapes or types do not fit", dst, src, ids))
	}
	ctx.op("SetColumns", dst, src)
	return ctx.wrap(C.gm_set_columns_f16(ctx.c, dst.c, src.c, ids.c), dst.typ, dst.dims, dst.ne, dst.nb)
}

// contiguousRows reports whether each row's elements are packed.
func contiguousRows(t *Tensor) bool {
	return t.ne[0] == int64(t.typ.BlockSize()) || t.nb[0] == int64(t.typ.BlockBytes())
}

// MulMat multiplies: result[i, j] = sum_k a[k, i] * b[k, j], for every outer
// index of b (a broadcast over b's dimensions 2 and 3). a may be of any type
// (quantised weights); the result is F32 [a.ne1, b.ne1, b.ne2, b.ne3].
func (ctx *Context) MulMat(a, b *Tensor) *Tensor {
	if a.ne[0] != b.ne[0] || b.ne[2]%a.ne[2] != 0 || b.ne[3]%a.ne[3] != 0 || a.nb[0] > a.nb[1] {
		panic(fmt.Sprintf("ggml: MulMat(%v, %v): shapes do not fit", a, b))
	}
	if a.repacked && (b.typ != F32 || a.dims != 2 || b.ne[3] != 1) {
		panic(fmt.Sprintf("ggml: MulMat(%v, %v): a repacked matrix multiplies F32 operands of at most 3 dimensions", a, b))
	}
	ctx.op("MulMat", b)
	ne := [4]int64{a.ne[1], b.ne[1], b.ne[2], b.ne[3]}
	return ctx.result(C.ggml_mul_mat(ctx.c, a.c, b.c), F32, max(a.dims, b.dims, 2), ne)
}

// RowsExact reports whether GetRows reads rows of type t exactly (F32,
// F16 and BF16 widen to F32 without rounding), so that MulMatRows can store
// them back as they were.
func RowsExact(t Type) bool { return t == F32 || t == F16 || t == BF16 }

// MulMatRows returns the rows ids (I32 [n]) of MulMat(a, b): F32 [n,
// b.ne1], for a 2-D matrix a of a type RowsExact accepts. The rows are
// gathered, stored in a's type again and multiplied as a is, so that on the
// CPU each entry is bit for bit the one the whole product gives when both
// have rows in groups of 64 (TestMulMatRows checks it): the kernels compute
// an entry from its row and column alone, whatever other rows they compute
// with, but a row count their tiles do not divide goes to other kernels.
func (ctx *Context) MulMatRows(a, ids, b *Tensor) *Tensor {
	if !RowsExact(a.typ) || a.dims != 2 || a.repacked || ids.typ != I32 || ids.dims != 1 {
		panic(fmt.Sprintf("ggml: MulMatRows(%v, %v, %v): want a 2-D F32, F16 or BF16 matrix and I32 row ids", a, ids, b))
	}
	rows := ctx.GetRows(a, ids)
	if a.typ != F32 {
		rows = ctx.Copy(rows, ctx.NewTensor(a.typ, a.ne[0], ids.ne[0]))
	}
	return ctx.MulMat(rows, b)
}

// MulMatF32 is MulMat with float32 accumulation requested where a backend
// would otherwise use less.
func (ctx *Context) MulMatF32(a, b *Tensor) *Tensor {
	r := ctx.MulMat(a, b)
	C.ggml_mul_mat_set_prec(r.c, precF32)
	return r
}

// Add returns a + b, with b broadcast over a.
func (ctx *Context) Add(a, b *Tensor) *Tensor {
	if !canRepeat(b, a) {
		panic(fmt.Sprintf("ggml: Add(%v, %v): b does not broadcast over a", a, b))
	}
	ctx.op("Add", a, b)
	return ctx.result(C.ggml_add(ctx.c, a.c, b.c), a.typ, a.dims, a.ne)
}

// Mul returns a * b elementwise, with b broadcast over a.
func (ctx *Context) Mul(a, b *Tensor) *Tensor {
	if !canRepeat(b, a) {
		panic(fmt.Sprintf("ggml: Mul(%v, %v): b does not broadcast over a", a, b))
	}
	ctx.op("Mul", a, b)
	return ctx.result(C.ggml_mul(ctx.c, a.c, b.c), a.typ, a.dims, a.ne)
}

// Scale returns a * s.
func (ctx *Context) Scale(a *Tensor, s float32) *Tensor {
	ctx.op("Scale", a)
	return ctx.result(C.ggml_scale(ctx.c, a.c, C.float(s)), a.typ, a.dims, a.ne)
}

// RMSNorm divides each row of a (F32) by its root mean square plus eps:
// x / sqrt(mean(x^2) + eps).
func (ctx *Context) RMSNorm(a *Tensor, eps float32) *Tensor {
	if a.typ != F32 {
		panic(fmt.Sprintf("ggml: RMSNorm(%v): want F32", a))
	}
	ctx.op("RMSNorm", a)
	return ctx.result(C.ggml_rms_norm(ctx.c, a.c, C.float(eps)), F32, a.dims, a.ne)
}

// SiLU returns x * sigmoid(x) elementwise.
func (ctx *Context) SiLU(a *Tensor) *Tensor {
	ctx.op("SiLU", a)
	return ctx.result(C.ggml_silu(ctx.c, a.c), a.typ, a.dims, a.ne)
}

// SwiGLU returns silu(gate) * up elementwise, the gated unit of Mistral's
// feed-forward block.
func (ctx *Context) SwiGLU(gate, up *Tensor) *Tensor {
	if !sameShape(gate, up) || gate.typ != up.typ || !contiguousRows(gate) || !contiguousRows(up) {
		panic(fmt.Sprintf("ggml: SwiGLU(%v, %v): want equal shapes and types", gate, up))
	}
	ctx.op("SwiGLU", gate, up)
	return ctx.result(C.ggml_swiglu_split(ctx.c, gate.c, up.c), gate.typ, gate.dims, gate.ne)
}

// RoPE rotates the adjacent pairs (x[2i], x[2i+1]) of the first dims
// elements of every head of a ([head_dim, heads, tokens]) by the angle
// pos * base^(-2i/dims), where pos is the token's entry in positions (I32, one
// per token). This is GGML's normal mode, the layout GGUF stores Mistral's
// Q and K weights in.
func (ctx *Context) RoPE(a, positions *Tensor, dims int, base float32) *Tensor {
	if positions.typ != I32 || positions.Rows() != 1 || a.ne[2] != positions.ne[0] ||
		dims <= 0 || dims%2 != 0 || int64(dims) > a.ne[0] || a.ne[3] != 1 {
		panic(fmt.Sprintf("ggml: RoPE(%v, %v, %d): want [head_dim, heads, tokens] and one I32 position per token", a, positions, dims))
	}
	ctx.op("RoPE", a)
	c := C.ggml_rope_ext(ctx.c, a.c, positions.c, nil, C.int(dims), ropeModeNormal, 0,
		C.float(base), 1, 0, 1, 0, 0)
	return ctx.result(c, a.typ, a.dims, a.ne)
}

// SoftMax returns softmax(a*scale + mask) along each row. mask (F16 or F32,
// packed; may be nil) has a's row length and at least as many rows, and
// broadcasts over a's dimensions 2 and 3; -Inf entries exclude positions.
func (ctx *Context) SoftMax(a, mask *Tensor, scale float32) *Tensor {
	return ctx.softMax(a, mask, scale, false)
}

// SoftMaxInPlace is SoftMax writing its result over a (which must not be
// needed afterwards), saving the memory of a second tensor.
func (ctx *Context) SoftMaxInPlace(a, mask *Tensor, scale float32) *Tensor {
	return ctx.softMax(a, mask, scale, true)
}

func (ctx *Context) softMax(a, mask *Tensor, scale float32, inplace bool) *Tensor {
	if !a.Contiguous() {
		panic(fmt.Sprintf("ggml: SoftMax(%v): a is not contiguous", a))
	}
	var cm *C.struct_ggml_tensor
	if mask != nil {
		if (mask.typ != F16 && mask.typ != F32) || !mask.Contiguous() || mask.ne[0] != a.ne[0] ||
			mask.ne[1] < a.ne[1] || a.ne[2]%mask.ne[2] != 0 || a.ne[3]%mask.ne[3] != 0 {
			panic(fmt.Sprintf("ggml: SoftMax(%v, mask %v): mask does not fit", a, mask))
		}
		cm = mask.c
	}
	ctx.op("SoftMax", a, mask)
	if inplace {
		return ctx.wrap(C.ggml_soft_max_ext_inplace(ctx.c, a.c, cm, C.float(scale), 0), a.typ, a.dims, a.ne, a.nb)
	}
	return ctx.result(C.ggml_soft_max_ext(ctx.c, a.c, cm, C.float(scale), 0), a.typ, a.dims, a.ne)
}

// FlashAttention computes softmax(K^T Q * scale + mask) V in one fused,
// numerically stable pass, per head:
//
//	q    [head_dim, tokens, heads]        (F32)
//	k    [head_dim, kv, kv_heads]         (F16, or another type GGML supports)
//	v    [head_dim_v, kv, kv_heads]       (same type as k, not transposed)
//	mask [kv, tokens]                     (F16, packed, may be nil)
//
// with heads a multiple of kv_heads (grouped-query attention). The result is
// F32 [head_dim_v, heads, tokens].
func (ctx *Context) FlashAttention(q, k, v, mask *Tensor, scale float32) *Tensor {
	if k.ne[0] != q.ne[0] || q.ne[2]%k.ne[2] != 0 || k.ne[2] != v.ne[2] || k.ne[1] != v.ne[1] ||
		q.ne[3] != k.ne[3] || q.ne[3] != v.ne[3] || k.typ != v.typ {
		panic(fmt.Sprintf("ggml: FlashAttention(q %v, k %v, v %v): shapes do not fit", q, k, v))
	}
	var cm *C.struct_ggml_tensor
	if mask != nil {
		if mask.typ != F16 || !mask.Contiguous() || mask.ne[0] != k.ne[1] || mask.ne[1] < q.ne[1] ||
			q.ne[2]%mask.ne[2] != 0 || q.ne[3]%mask.ne[3] != 0 {
			panic(fmt.Sprintf("ggml: FlashAttention(q %v, k %v, mask %v): mask does not fit", q, k, mask))
		}
		cm = mask.c
	}
	ctx.op("FlashAttention", q, k, v, mask)
	c := C.ggml_flash_attn_ext(ctx.c, q.c, k.c, v.c, cm, C.float(scale), 0, 0)
	C.ggml_flash_attn_ext_set_prec(c, precF32)
	ne := [4]int64{v.ne[0], q.ne[2], q.ne[1], q.ne[3]}
	return ctx.result(c, F32, 3, ne)
}
