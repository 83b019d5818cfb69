//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"fmt"
	"runtime"
)

// Context holds the metadata of tensors and graphs: shapes, types, the
// operations that produce them. It never holds tensor data (GGML's no_alloc
// mode): data lives in backend buffers (see Buffer and Allocator).
//
// A Context is not safe for concurrent use. Close releases its C memory; the
// tensors and graphs made in it must not be used afterwards.
type Context struct {
	c        *C.struct_ggml_context
	capacity int // bytes of GGML's metadata pool
}

// NewContext returns a context with room for maxTensors tensors (every
// operation makes one, so do views and reshapes) and for graphs totalling
// graphNodes nodes (zero when the context will hold no graph).
func NewContext(maxTensors, graphNodes int) *Context {
	if maxTensors < 0 || graphNodes < 0 {
		panic(fmt.Sprintf("ggml: NewContext(%d, %d): negative size", maxTensors, graphNodes))
	}
	size := maxTensors * int(C.ggml_tensor_overhead())
	if graphNodes > 0 {
		size += int(C.ggml_graph_overhead_custom(C.size_t(graphNodes), false))
	}
	// ggml_init never fails for a no_alloc context with a pool it allocates
	// itself, short of the C allocator failing, which GGML reports by abort.
	c := C.ggml_init(C.struct_ggml_init_params{mem_size: C.size_t(size), no_alloc: true})
	return &Context{c: c, capacity: size}
}

// Close frees the context's metadata. It is idempotent and nil-safe.
func (ctx *Context) Close() {
	if ctx == nil || ctx.c == nil {
		return
	}
	C.ggml_free(ctx.c)
	ctx.c = nil
}

// reserve panics unless n more bytes fit in the context's pool: GGML would
// abort the process instead.
func (ctx *Context) reserve(n int, what string) {
	if ctx.c == nil {
		panic("ggml: use of a closed Context")
	}
	if used := int(C.ggml_used_mem(ctx.c)); used+n > ctx.capacity {
		panic(fmt.Sprintf("ggml: Context full: %s needs %d bytes, %d of %d used", what, n, used, ctx.capacity))
	}
}

// newTensor records a tensor GGML has just made, with the shape and strides
// the Go side computed for it.
func (ctx *Context) wrap(c *C.struct_ggml_tensor, typ Type, dims int, ne, nb [4]int64) *Tensor {
	return &Tensor{c: c, typ: typ, dims: dims, ne: ne, nb: nb}
}

// NewTensor makes a tensor of the given type and shape (ne[0] first, one to
// four dimensions). Its data is placed later by a Buffer or an Allocator.
func (ctx *Context) NewTensor(typ Type, shape ...int64) *Tensor {
	if len(shape) < 1 || len(shape) > 4 {
		panic(fmt.Sprintf("ggml: NewTensor: %d dimensions, want 1 to 4", len(shape)))
	}
	if !typ.Known() {
		panic(fmt.Sprintf("ggml: NewTensor: unknown type %v", typ))
	}
	ne := [4]int64{1, 1, 1, 1}
	for i, n := range shape {
		if n <= 0 {
			panic(fmt.Sprintf("ggml: NewTensor: shape %v has a dimension <= 0", shape))
		}
		ne[i] = n
	}
	if ne[0]%int64(typ.BlockSize()) != 0 {
		panic(fmt.Sprintf("ggml: NewTensor: row length %d is not a multiple of %v's block size %d", ne[0], typ, typ.BlockSize()))
	}
	ctx.reserve(int(C.ggml_tensor_overhead()), "NewTensor")
	cne := [4]C.int64_t{C.int64_t(ne[0]), C.int64_t(ne[1]), C.int64_t(ne[2]), C.int64_t(ne[3])}
	c := C.ggml_new_tensor(ctx.c, C.int(typ), C.int(len(shape)), &cne[0])
	runtime.KeepAlive(&cne)
	return ctx.wrap(c, typ, len(shape), ne, contiguousStrides(typ, ne))
}

// contiguousStrides returns the byte strides of a packed tensor.
func contiguousStrides(typ Type, ne [4]int64) [4]int64 {
	var nb [4]int64
	nb[0] = int64(typ.BlockBytes())
	nb[1] = nb[0] * (ne[0] / int64(typ.BlockSize()))
	nb[2] = nb[1] * ne[1]
	nb[3] = nb[2] * ne[2]
	return nb
}
