//go:build cgo

package ggml

// #include <stdlib.h>
// #include "api.h"
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// DeviceKind is what a Device is (GGML's enum ggml_backend_dev_type).
type DeviceKind int

const (
	DeviceCPU         DeviceKind = 0 // the host's processors
	DeviceGPU         DeviceKind = 1 // a GPU with memory of its own
	DeviceIntegrated  DeviceKind = 2 // a GPU sharing the host's memory (Apple silicon, iGPUs)
	DeviceAccelerator DeviceKind = 3 // an accelerator used beside the CPU (BLAS and the like)
)

func (k DeviceKind) String() string {
	switch k {
	case DeviceCPU:
		return "CPU"
	case DeviceGPU:
		return "GPU"
	case DeviceIntegrated:
		return "integrated GPU"
	case DeviceAccelerator:
		return "accelerator"
	}
	return fmt.Sprintf("DeviceKind(%d)", int(k))
}

// Device is a place where GGML computes, from GGML's device registry: the
// CPU (always there), or an accelerator this build of GGML has (Metal on
// Apple silicon). A Device makes what a model needs to run there, so that
// the caller never names the CPU or a GPU:
//
//   - NewBackend: the backend that computes graphs;
//   - MapHost: a buffer over memory the caller owns (a mapped model file),
//     whose tensors the device reads in place;
//   - NewCacheBuffer: the memory of a KV cache;
//   - Repacks and NewRepackBuffer: the weights the device multiplies faster
//     in a layout of its own, and the memory that holds them;
//   - Product: the facts of its matrix kernels that decide whether a row's
//     result depends on the rows computed with it.
//
// Devices are safe for concurrent use; they live as long as the process.
type Device struct {
	c           *C.struct_ggml_backend_device
	name        string
	description string
	kind        DeviceKind
}

var devices = sync.OnceValue(func() []*Device {
	n := int(C.ggml_backend_dev_count())
	out := make([]*Device, 0, n)
	for i := range n {
		c := C.ggml_backend_dev_get(C.size_t(i))
		if c == nil {
			continue
		}
		out = append(out, &Device{
			c:           c,
			name:        C.GoString(C.ggml_backend_dev_name(c)),
			description: C.GoString(C.ggml_backend_dev_description(c)),
			kind:        DeviceKind(C.ggml_backend_dev_type(c)),
		})
	}
	return out
})

// Devices returns the devices GGML was built with, the CPU among them.
func Devices() []*Device { return append([]*Device(nil), devices()...) }

// CPU returns the CPU device.
func CPU() *Device {
	for _, d := range devices() {
		if d.kind == DeviceCPU {
			return d
		}
	}
	panic("ggml: GGML's registry has no CPU device")
}

// Name returns GGML's name of the device ("CPU", "Metal", ...).
func (d *Device) Name() string { return d.name }

// Description returns what GGML says the device is (for the CPU, its model).
func (d *Device) Description() string { return d.description }

// Kind returns what kind of device it is.
func (d *Device) Kind() DeviceKind { return d.kind }

func (d *Device) String() string { return d.name + " (" + d.description + ")" }

// Memory returns the device's free and total memory in bytes, as GGML
// reports them.
func (d *Device) Memory() (free, total int64) {
	var f, t C.size_t
	C.ggml_backend_dev_memory(d.c, &f, &t)
	return int64(f), int64(t)
}

func (d *Device) cpu() bool { return d.kind == DeviceCPU }

// NewBackend returns a backend computing on the device. threads is the
// number of threads a CPU backend computes with (at least 1); other devices
// ignore it.
func (d *Device) NewBackend(threads int) (*Backend, error) {
	if d.cpu() {
		return NewCPU(threads)
	}
	c := C.ggml_backend_dev_init(d.c, nil)
	if c == nil {
		return nil, fmt.Errorf("ggml: %s: the backend failed to initialise", d.name)
	}
	return &Backend{c: c, threads: threads}, nil
}

// MapHost wraps memory the caller owns, which must stay valid and unmoved
// until the Buffer is closed (a read-only mapping of a model file, or Go
// memory, which is pinned here), so that tensors placed in it are read in
// place by the device. The start of mem must be 32-byte aligned.
func (d *Device) MapHost(mem []byte) (*Buffer, error) {
	if d.cpu() {
		return NewHostBuffer(mem)
	}
	if len(mem) == 0 {
		return nil, errors.New("ggml: MapHost: empty memory")
	}
	p := unsafe.Pointer(&mem[0])
	if uintptr(p)%32 != 0 {
		return nil, fmt.Errorf("ggml: MapHost: memory at %#x is not 32-byte aligned", uintptr(p))
	}
	buf := &Buffer{base: p, size: int64(len(mem))}
	buf.pinner.Pin(p)
	buf.c = C.ggml_backend_dev_buffer_from_host_ptr(d.c, p, C.size_t(len(mem)), C.size_t(len(mem)))
	if buf.c == nil {
		buf.pinner.Unpin()
		return nil, fmt.Errorf("ggml: MapHost: %s cannot read host memory in place", d.name)
	}
	return buf, nil
}

// NewCacheBuffer places the tensors, none of which may be placed yet, in
// memory of the device that reads as zeros. On the CPU the memory comes from
// the system as it is written (see NewOnDemandBuffer): a cache costs what it
// holds, and Clear(0) gives its pages back.
func (d *Device) NewCacheBuffer(tensors ...*Tensor) (*Buffer, error) {
	if d.cpu() {
		return NewOnDemandBuffer(tensors...)
	}
	const align = 64
	offsets, size, err := layOut(tensors, align)
	if err != nil {
		return nil, fmt.Errorf("ggml: NewCacheBuffer: %w", err)
	}
	c := C.ggml_backend_buft_alloc_buffer(C.ggml_backend_dev_buffer_type(d.c), C.size_t(size))
	if c == nil {
		return nil, fmt.Errorf("ggml: NewCacheBuffer: %s: out of memory (%d bytes)", d.name, size)
	}
	buf := &Buffer{c: c, base: C.ggml_backend_buffer_get_base(c), size: int64(C.ggml_backend_buffer_get_size(c))}
	buf.Clear(0)
	for i, t := range tensors {
		if err := buf.Place(t, offsets[i]); err != nil {
			buf.Close()
			return nil, err
		}
	}
	return buf, nil
}

// Repacks reports whether the device keeps a weight matrix of this type and
// shape in a layout of its own, which it multiplies faster than the file's:
// on the CPU, GGML's interleaved layouts that its AVX2 kernels read (Q4_0,
// Q4_K and IQ4_NL: about 20% faster generation and 35% faster prompts on a
// 7B Q4_0 file; on a 7B Q4_K_M file, prompts 1.9x and generation 1.3-1.7x,
// bench/results/repack-q4k-2026-12-02.txt).
func (d *Device) Repacks(t Type, shape []int64) bool {
	if !d.cpu() {
		return false
	}
	switch t {
	case Q4_0, Q4_K, IQ4_NL:
		return CanRepack(t, shape)
	}
	return false
}

// NewRepackBuffer allocates size bytes of the device's memory for repacked
// weights (see Repacks and Buffer.PlaceRepacked).
func (d *Device) NewRepackBuffer(size int64) (*Buffer, error) {
	if !d.cpu() {
		return nil, fmt.Errorf("ggml: NewRepackBuffer: %s repacks nothing", d.name)
	}
	return NewRepackBuffer(size)
}
