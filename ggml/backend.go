//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"github.com/gomistral/gomistral/internal/mmap"
)

// Backend computes graphs. The CPU backend runs GGML's kernels on a number of
// threads. A Backend is not safe for concurrent use: one graph at a time.
type Backend struct {
	c       *C.struct_ggml_backend
	threads int
}

// NewCPU returns a CPU backend that computes with the given number of
// threads (at least 1). The first call logs, once per process, when the CPU
// could run faster kernels than GGML was compiled for.
func NewCPU(threads int) (*Backend, error) {
	if threads < 1 {
		return nil, fmt.Errorf("ggml: NewCPU: %d threads, want at least 1", threads)
	}
	warnBuildOnce()
	c := C.ggml_backend_cpu_init()
	if c == nil {
		return nil, errors.New("ggml: NewCPU: the CPU backend failed to initialise")
	}
	C.ggml_backend_cpu_set_n_threads(c, C.int(threads))
	return &Backend{c: c, threads: threads}, nil
}

// Threads returns the number of threads the backend computes with.
func (b *Backend) Threads() int { return b.threads }

// SetThreads changes the number of threads (at least 1).
func (b *Backend) SetThreads(n int) {
	if n < 1 {
		panic(fmt.Sprintf("ggml: SetThreads(%d)", n))
	}
	b.live()
	C.ggml_backend_cpu_set_n_threads(b.c, C.int(n))
	b.threads = n
}

func (b *Backend) live() {
	if b == nil || b.c == nil {
		panic("ggml: use of a closed or nil Backend")
	}
}

// Compute runs the graph. Every tensor in it must have its data placed.
func (b *Backend) Compute(g *Graph) error {
	b.live()
	if st := C.ggml_backend_graph_compute(b.c, g.c); st != statusSuccess {
		return fmt.Errorf("ggml: compute: %s", statusText(int(st)))
	}
	return nil
}

// Close frees the backend. It is idempotent and nil-safe.
func (b *Backend) Close() {
	if b == nil || b.c == nil {
		return
	}
	C.ggml_backend_free(b.c)
	b.c = nil
}

func statusText(st int) string {
	switch st {
	case statusAllocFailed:
		return "allocation failed"
	case statusFailed:
		return "failed"
	case statusAborted:
		return "aborted"
	}
	return fmt.Sprintf("status %d", st)
}

// Buffer is backend memory holding tensor data: allocated by the backend, or
// wrapping memory the caller owns (for example a read-only mapping of a
// model file, so weights are used in place, never copied).
type Buffer struct {
	c      *C.struct_ggml_backend_buffer
	base   unsafe.Pointer
	size   int64
	pinner runtime.Pinner
	repack bool   // a repacking buffer (NewRepackBuffer)
	mem    []byte // memory from the operating system (NewOnDemandBuffer)
}

// AllocTensors allocates one buffer of the backend for every tensor of ctx
// that has no data yet, and places them in it. The buffer starts zeroed.
func (b *Backend) AllocTensors(ctx *Context) (*Buffer, error) {
	b.live()
	c := C.ggml_backend_alloc_ctx_tensors(ctx.c, b.c)
	if c == nil {
		return nil, errors.New("ggml: AllocTensors: out of memory (or no tensors to allocate)")
	}
	buf := &Buffer{c: c, base: C.ggml_backend_buffer_get_base(c), size: int64(C.ggml_backend_buffer_get_size(c))}
	buf.Clear(0)
	return buf, nil
}

// NewHostBuffer wraps memory the caller owns, which must stay valid and
// unmoved until the Buffer is closed (mmapped memory, or Go memory, which is
// pinned here). The start of mem must be 32-byte aligned, as GGML's CPU
// kernels require.
func NewHostBuffer(mem []byte) (*Buffer, error) {
	if len(mem) == 0 {
		return nil, errors.New("ggml: NewHostBuffer: empty memory")
	}
	p := unsafe.Pointer(&mem[0])
	if uintptr(p)%32 != 0 {
		return nil, fmt.Errorf("ggml: NewHostBuffer: memory at %#x is not 32-byte aligned", uintptr(p))
	}
	buf := &Buffer{base: p, size: int64(len(mem))}
	buf.pinner.Pin(p)
	buf.c = C.ggml_backend_cpu_buffer_from_ptr(p, C.size_t(len(mem)))
	return buf, nil
}

// Size returns the buffer's size in bytes.
func (buf *Buffer) Size() int64 { return buf.size }

// Place puts t's data at the byte offset in the buffer. The tensor must not be
// placed yet and must be a tensor of its own, not a view; the offset must be
// 32-byte aligned and the data must fit.
func (buf *Buffer) Place(t *Tensor, offset int64) error {
	if buf.c == nil {
		panic("ggml: use of a closed Buffer")
	}
	if t.Allocated() {
		return fmt.Errorf("ggml: Place %v: already placed", t)
	}
	if offset < 0 || offset%32 != 0 || offset > buf.size || t.Bytes() > buf.size-offset {
		return fmt.Errorf("ggml: Place %v (%d bytes) at offset %d of a %d-byte buffer: out of range or misaligned",
			t, t.Bytes(), offset, buf.size)
	}
	if st := C.ggml_backend_tensor_alloc(buf.c, t.c, unsafe.Add(buf.base, offset)); st != statusSuccess {
		return fmt.Errorf("ggml: Place %v: %s", t, statusText(int(st)))
	}
	return nil
}

// Clear sets every byte of the buffer to v. Clear(0) on a buffer from
// NewOnDemandBuffer gives its pages back to the system instead of writing.
func (buf *Buffer) Clear(v byte) {
	if buf.c == nil {
		panic("ggml: use of a closed Buffer")
	}
	if buf.mem != nil && v == 0 {
		mmap.Zero(buf.mem)
		return
	}
	C.ggml_backend_buffer_clear(buf.c, C.uint8_t(v))
}

// OnDemand reports whether the buffer's memory comes from the system as it
// is written (NewOnDemandBuffer): Clear(0) gives its pages back, keeping
// its addresses.
func (buf *Buffer) OnDemand() bool { return buf.mem != nil }

// Close frees the buffer (not memory the caller lent it). It is idempotent
// and nil-safe. Tensors placed in it must not be used afterwards.
func (buf *Buffer) Close() {
	if buf == nil || buf.c == nil {
		return
	}
	C.ggml_backend_buffer_free(buf.c)
	buf.c = nil
	buf.pinner.Unpin()
	if buf.mem != nil {
		_ = mmap.Unmap(buf.mem)
		buf.mem = nil
	}
}

// Allocator places the intermediate tensors of graphs in one backend buffer,
// reusing memory between nodes whose lifetimes do not overlap. Reserve it for
// the largest graph first, then Alloc each graph before computing it.
type Allocator struct {
	c *C.struct_ggml_gallocr
}

// NewAllocator returns an allocator of the backend's default memory.
func NewAllocator(b *Backend) *Allocator {
	b.live()
	return &Allocator{c: C.ggml_gallocr_new(C.ggml_backend_get_default_buffer_type(b.c))}
}

// Reserve sizes the allocator's buffer for g (and smaller graphs like it).
func (a *Allocator) Reserve(g *Graph) error {
	a.live()
	if !C.ggml_gallocr_reserve(a.c, g.c) {
		return errors.New("ggml: Allocator.Reserve: out of memory")
	}
	return nil
}

// Alloc places every tensor of g that has no data yet, growing the buffer if
// g needs more than was reserved.
func (a *Allocator) Alloc(g *Graph) error {
	a.live()
	if !C.ggml_gallocr_alloc_graph(a.c, g.c) {
		return errors.New("ggml: Allocator.Alloc: out of memory")
	}
	return nil
}

// Size returns the size of the allocator's buffer in bytes.
func (a *Allocator) Size() int64 {
	a.live()
	return int64(C.ggml_gallocr_get_buffer_size(a.c, 0))
}

func (a *Allocator) live() {
	if a == nil || a.c == nil {
		panic("ggml: use of a closed or nil Allocator")
	}
}

// Close frees the allocator and its buffer. It is idempotent and nil-safe.
func (a *Allocator) Close() {
	if a == nil || a.c == nil {
		return
	}
	C.ggml_gallocr_free(a.c)
	a.c = nil
}
