//go:build cgo

package ggml

// #include "api.h"
import "C"

import (
	"errors"
	"fmt"
	"unsafe"

	"github.com/gomistral/gomistral/internal/mmap"
)

// NewOnDemandBuffer places the tensors, none of which may be placed yet,
// one after the other in memory taken straight from the operating system
// and returns the buffer holding them. Unlike AllocTensors, nothing is
// written to it: the memory reads as zeros and takes physical pages only
// where something is written, so a KV cache costs what it holds rather than
// what it could hold, and creating one is instant. Clear(0) gives the pages
// back. The memory is CPU memory, for the CPU backend.
func NewOnDemandBuffer(tensors ...*Tensor) (*Buffer, error) {
	const align = 64
	offsets, size, err := layOut(tensors, align)
	if err != nil {
		return nil, fmt.Errorf("ggml: NewOnDemandBuffer: %w", err)
	}
	mem, err := mmap.Anon(int(size))
	if err != nil {
		return nil, fmt.Errorf("ggml: NewOnDemandBuffer: %d bytes: %w", size, err)
	}
	p := unsafe.Pointer(&mem[0])
	buf := &Buffer{base: p, size: size, mem: mem}
	buf.pinner.Pin(p) // (Go memory where the system has no mmap)
	buf.c = C.ggml_backend_cpu_buffer_from_ptr(p, C.size_t(size))
	for i, t := range tensors {
		if err := buf.Place(t, offsets[i]); err != nil {
			buf.Close()
			return nil, err
		}
	}
	return buf, nil
}

// layOut places tensors one after the other, each at a multiple of align
// bytes, and returns their offsets and the bytes they span. None may be
// placed yet.
func layOut(tensors []*Tensor, align int64) (offsets []int64, size int64, err error) {
	if len(tensors) == 0 {
		return nil, 0, errors.New("no tensors")
	}
	offsets = make([]int64, len(tensors))
	for i, t := range tensors {
		if t.Allocated() {
			return nil, 0, fmt.Errorf("%v is already placed", t)
		}
		offsets[i] = size
		size += (t.Bytes() + align - 1) / align * align
	}
	if size == 0 {
		return nil, 0, errors.New("the tensors hold no bytes")
	}
	if size != int64(int(size)) {
		return nil, 0, fmt.Errorf("%d bytes do not fit in memory", size)
	}
	return offsets, size, nil
}

// HugePages asks the system to back the memory of the tensors, placed in
// buf, with huge pages (see mmap.HugePages) where buf is from
// NewOnDemandBuffer; elsewhere it does nothing. It suits a tensor written
// all over from its first use, such as a cache kept transposed (every
// position writes one element of every row): its writes and reads then
// cost one TLB entry per 2 MiB instead of one per 4 KiB, and it takes its
// memory 2 MiB at a time.
func (buf *Buffer) HugePages(tensors ...*Tensor) {
	if buf.mem == nil {
		return
	}
	base := uintptr(buf.base)
	for _, t := range tensors {
		p := uintptr(t.data())
		if p < base || p+uintptr(t.Bytes()) > base+uintptr(len(buf.mem)) {
			panic(fmt.Sprintf("ggml: HugePages(%v): not placed in this buffer", t))
		}
		mmap.HugePages(buf.mem[p-base : p-base+uintptr(t.Bytes())])
	}
}
