//go:build cgo

package ggml

// #include "api.h"
import "C"

import "fmt"

// View returns a view of a: a tensor of a's type with the given shape
// (ne[0] first), byte strides for dimensions 1 and up (one fewer than the
// shape's length), starting offset bytes into a's data. The view must lie
// inside a.
func (ctx *Context) View(a *Tensor, shape []int64, strides []int64, offset int64) *Tensor {
	n := len(shape)
	if n < 1 || n > 4 || len(strides) != n-1 {
		panic(fmt.Sprintf("ggml: View: %d dimensions with %d strides", n, len(strides)))
	}
	ne := [4]int64{1, 1, 1, 1}
	nb := [4]int64{int64(a.typ.BlockBytes()), 0, 0, 0}
	copy(ne[:], shape)
	for i := range ne {
		if ne[i] <= 0 {
			panic(fmt.Sprintf("ggml: View: shape %v has a dimension <= 0", shape))
		}
	}
	if ne[0]%int64(a.typ.BlockSize()) != 0 {
		panic(fmt.Sprintf("ggml: View: row length %d is not a multiple of %v's block size", ne[0], a.typ))
	}
	copy(nb[1:], strides)
	// Unused trailing strides follow the packed layout, as GGML sets them.
	for i := n; i < 4; i++ {
		if i == 1 {
			nb[1] = nb[0] * (ne[0] / int64(a.typ.BlockSize()))
		} else {
			nb[i] = nb[i-1] * ne[i-1]
		}
	}
	v := &Tensor{typ: a.typ, dims: n, ne: ne, nb: nb}
	if offset < 0 || offset+v.Bytes() > a.Bytes() {
		panic(fmt.Sprintf("ggml: View: %v at offset %d outside %v (%d bytes)", v, offset, a, a.Bytes()))
	}
	ctx.op("View", a)
	o := C.size_t(offset)
	switch n {
	case 1:
		v.c = C.ggml_view_1d(ctx.c, a.c, C.int64_t(ne[0]), o)
	case 2:
		v.c = C.ggml_view_2d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]), C.size_t(nb[1]), o)
	case 3:
		v.c = C.ggml_view_3d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]), C.int64_t(ne[2]),
			C.size_t(nb[1]), C.size_t(nb[2]), o)
	default:
		v.c = C.ggml_view_4d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]), C.int64_t(ne[2]), C.int64_t(ne[3]),
			C.size_t(nb[1]), C.size_t(nb[2]), C.size_t(nb[3]), o)
	}
	return v
}

// Reshape returns a contiguous a seen with another shape of the same number
// of elements.
func (ctx *Context) Reshape(a *Tensor, shape ...int64) *Tensor {
	n := len(shape)
	if n < 1 || n > 4 {
		panic(fmt.Sprintf("ggml: Reshape: %d dimensions, want 1 to 4", n))
	}
	if !a.Contiguous() {
		panic(fmt.Sprintf("ggml: Reshape: %v is not contiguous", a))
	}
	ne := [4]int64{1, 1, 1, 1}
	copy(ne[:], shape)
	if ne[0]*ne[1]*ne[2]*ne[3] != a.Elements() || ne[0] <= 0 || ne[1] <= 0 || ne[2] <= 0 || ne[3] <= 0 {
		panic(fmt.Sprintf("ggml: Reshape: %v to %v changes the number of elements", a, shape))
	}
	if ne[0]%int64(a.typ.BlockSize()) != 0 {
		panic(fmt.Sprintf("ggml: Reshape: row length %d is not a multiple of %v's block size", ne[0], a.typ))
	}
	ctx.op("Reshape", a)
	r := &Tensor{typ: a.typ, dims: n, ne: ne, nb: contiguousStrides(a.typ, ne)}
	switch n {
	case 1:
		r.c = C.ggml_reshape_1d(ctx.c, a.c, C.int64_t(ne[0]))
	case 2:
		r.c = C.ggml_reshape_2d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]))
	case 3:
		r.c = C.ggml_reshape_3d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]), C.int64_t(ne[2]))
	default:
		r.c = C.ggml_reshape_4d(ctx.c, a.c, C.int64_t(ne[0]), C.int64_t(ne[1]), C.int64_t(ne[2]), C.int64_t(ne[3]))
	}
	return r
}

// Permute returns a view of a whose dimension i becomes dimension axes[i].
// For example Permute(a, 0, 2, 1, 3) swaps dimensions 1 and 2.
func (ctx *Context) Permute(a *Tensor, axes ...int) *Tensor {
	if len(axes) != 4 {
		panic(fmt.Sprintf("ggml: Permute: %d axes, want 4", len(axes)))
	}
	var seen [4]bool
	for _, ax := range axes {
		if ax < 0 || ax > 3 || seen[ax] {
			panic(fmt.Sprintf("ggml: Permute: axes %v are not a permutation of 0..3", axes))
		}
		seen[ax] = true
	}
	ctx.op("Permute", a)
	p := &Tensor{typ: a.typ, dims: a.dims}
	for i, ax := range axes {
		p.ne[ax] = a.ne[i]
		p.nb[ax] = a.nb[i]
	}
	for i := 3; i >= p.dims; i-- {
		if p.ne[i] != 1 {
			p.dims = i + 1
			break
		}
	}
	p.c = C.ggml_permute(ctx.c, a.c, C.int(axes[0]), C.int(axes[1]), C.int(axes[2]), C.int(axes[3]))
	return p
}

// Transpose swaps the first two dimensions of a (a view).
func (ctx *Context) Transpose(a *Tensor) *Tensor {
	d := a.dims
	t := ctx.Permute(a, 1, 0, 2, 3)
	t.dims = max(d, 2)
	return t
}

// Cont returns a packed copy of a (for example of a permuted view).
func (ctx *Context) Cont(a *Tensor) *Tensor {
	ctx.op("Cont", a)
	return ctx.wrap(C.ggml_cont(ctx.c, a.c), a.typ, a.dims, a.ne, contiguousStrides(a.typ, a.ne))
}

// Copy copies a into b, converting to b's type, and returns b (as a new node
// of the graph). a and b must have the same number of elements.
func (ctx *Context) Copy(a, b *Tensor) *Tensor {
	if a.Elements() != b.Elements() {
		panic(fmt.Sprintf("ggml: Copy: %v into %v: element counts differ", a, b))
	}
	ctx.op("Copy", a, b)
	return ctx.wrap(C.ggml_cpy(ctx.c, a.c, b.c), b.typ, b.dims, b.ne, b.nb)
}

// Concat joins a and b along dimension dim; all other dimensions must agree.
func (ctx *Context) Concat(a, b *Tensor, dim int) *Tensor {
	if dim < 0 || dim > 3 || a.typ != b.typ {
		panic(fmt.Sprintf("ggml: Concat: %v and %v along %d", a, b, dim))
	}
	ne := a.ne
	for i := 0; i < 4; i++ {
		if i != dim && a.ne[i] != b.ne[i] {
			panic(fmt.Sprintf("ggml: Concat: %v and %v differ outside dimension %d", a, b, dim))
		}
	}
	ne[dim] += b.ne[dim]
	ctx.op("Concat", a, b)
	return ctx.wrap(C.ggml_concat(ctx.c, a.c, b.c, C.int(dim)), a.typ, max(a.dims, b.dims, dim+1), ne, contiguousStrides(a.typ, ne))
}
