//go:build cgo

package ggml

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"

	"github.com/gomistral/gomistral/ggml/gguf"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDevices: the registry has the CPU, its kind is the one GGML reports
// (checking our copy of enum ggml_backend_dev_type), and the CPU device makes
// working backends and buffers.
func TestDevices(t *testing.T) {
	cpu := CPU()
	assert.Equal(t, DeviceCPU, cpu.Kind())
	assert.Equal(t, "CPU", cpu.Name())
	assert.NotEmpty(t, cpu.Description())
	assert.Contains(t, Devices(), cpu)
	_, total := cpu.Memory()
	assert.Positive(t, total, "the CPU's memory")

	be, err := cpu.NewBackend(2)
	require.NoError(t, err)
	defer be.Close()
	assert.Equal(t, 2, be.Threads())

	// A host buffer over Go memory and a cache buffer, used by one graph.
	mem := make([]byte, 4096+32)
	off := (32 - int(uintptr(unsafe.Pointer(&mem[0]))%32)) % 32
	host, err := cpu.MapHost(mem[off : off+4096])
	require.NoError(t, err)
	defer host.Close()
	weights := NewContext(1, 0)
	defer weights.Close()
	x := weights.NewTensor(F32, 4)
	require.NoError(t, host.Place(x, 0))
	x.SetF32([]float32{1, 2, 3, 4})

	cache := NewContext(1, 0)
	defer cache.Close()
	y := cache.NewTensor(F32, 4)
	cb, err := cpu.NewCacheBuffer(y)
	require.NoError(t, err)
	defer cb.Close()
	got := make([]float32, 4)
	y.ReadF32(got)
	assert.Equal(t, []float32{0, 0, 0, 0}, got, "a new cache reads as zeros")

	g := NewContext(8, 8)
	defer g.Close()
	sum := g.Add(x, x)
	graph := g.NewGraph(8)
	graph.Expand(g.Copy(sum, y))
	ga := NewAllocator(be)
	defer ga.Close()
	require.NoError(t, ga.Alloc(graph))
	require.NoError(t, be.Compute(graph))
	y.ReadF32(got)
	assert.Equal(t, []float32{2, 4, 6, 8}, got)

	_, err = cpu.MapHost(mem[off+1 : off+65])
	assert.ErrorContains(t, err, "aligned")
}

// TestProductKernels checks the facts Device.Product states, for every type
// the CPU multiplies with: with two rows or more, a row's result does not
// depend on the other rows (bit for bit, wherever it sits in the batch);
// and where LoneRowDiffers is false, a row alone gives that same result.
// (Where it is true the lone row may or may not differ: nothing to check.)
func TestProductKernels(t *testing.T) {
	cpu := CPU()
	for _, typ := range gguf.Types() {
		if !Computable(typ) || !CanQuantize(typ) || NeedsImportance(typ) ||
			strings.HasPrefix(typ.String(), "iq1") || strings.HasPrefix(typ.String(), "iq2") {
			continue // (quantising to the 1- and 2-bit IQ types takes seconds per matrix)
		}
		for _, repack := range []bool{false, true} {
			const k, m = 512, 24
			if repack && !cpu.Repacks(typ, []int64{k, m}) {
				continue
			}
			facts := cpu.Product(typ, repack)
			t.Run(fmt.Sprintf("%v/repacked=%v", typ, repack), func(t *testing.T) {
				r := rng(t)
				_, wq := randQuantized(t, r, typ, k, m)
				x := randF32(r, k*5)
				h := newHarness(t)
				w := h.input(typ, wq, k, m)
				if repack {
					w = repacked(t, typ, wq, k, m)
				}
				// Row 0 of x alone, first of two, last of three (after
				// two others), middle of five.
				one := h.f32(x[:k], k, 1)
				two := h.f32(x[:2*k], k, 2)
				three := h.f32(append(append([]float32(nil), x[k:3*k]...), x[:k]...), k, 3)
				five := h.f32(append(append(append([]float32(nil), x[k:3*k]...), x[:k]...), x[3*k:5*k]...), k, 5)
				out := h.run(h.graph.MulMat(w, one), h.graph.MulMat(w, two), h.graph.MulMat(w, three), h.graph.MulMat(w, five))
				inTwo := out[1][:m]
				if facts.WholeGroups {
					// Alike only in whole groups, which
					// TestRepackedRowsDoNotDependOnBatch checks; here, that
					// the facts say so rightly.
					assert.NotEqual(t, inTwo, out[3][2*m:3*m], "said to differ out of whole groups")
					return
				}
				assert.Equal(t, inTwo, out[2][2*m:3*m], "first of two and last of three")
				assert.Equal(t, inTwo, out[3][2*m:3*m], "first of two and middle of five")
				if !facts.LoneRowDiffers {
					assert.Equal(t, inTwo, out[0], "Product says a lone row is computed as in a batch")
				}
			})
		}
	}
}
