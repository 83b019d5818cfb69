//go:build cgo

package ggml

// #include "api.h"
import "C"

import "fmt"

// Graph is a computation graph: the operations needed to compute the tensors
// expanded into it, in an order that respects their dependencies. It lives in
// the Context that made it.
type Graph struct {
	c    *C.struct_ggml_cgraph
	size int
}

// NewGraph makes a graph with room for size nodes (and as many leaves:
// weights and inputs). A graph never holds more nodes than its context holds
// tensors, so the context's tensor count plus the leaves from other contexts
// is always enough.
func (ctx *Context) NewGraph(size int) *Graph {
	if size <= 0 {
		panic(fmt.Sprintf("ggml: NewGraph(%d): size must be positive", size))
	}
	ctx.reserve(int(C.ggml_graph_overhead_custom(C.size_t(size), false)), "NewGraph")
	return &Graph{c: C.ggml_new_graph_custom(ctx.c, C.size_t(size), false), size: size}
}

// Expand adds t and every operation it depends on to the graph. Operations
// run in the order they were expanded, so expanding a read of a cache before
// the write that overwrites it makes the read see the old contents.
func (g *Graph) Expand(t *Tensor) {
	C.ggml_build_forward_expand(g.c, t.c)
}

// Nodes returns the number of operations in the graph.
func (g *Graph) Nodes() int { return int(C.ggml_graph_n_nodes(g.c)) }
