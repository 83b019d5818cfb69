//go:build cgo

package ggml

import (
	"bufio"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnDemandBuffer places tensors in memory from the system: they read as
// zeros, GGML computes with them, only what is written becomes resident,
// and Clear(0) gives the pages back.
func TestOnDemandBuffer(t *testing.T) {
	const cols, rows = 1024, 4096 // 16 MiB of F32 per tensor
	w := NewContext(4, 0)
	defer w.Close()
	var ts []*Tensor
	for range 4 {
		ts = append(ts, w.NewTensor(F32, cols, rows))
	}
	buf, err := NewOnDemandBuffer(ts...)
	require.NoError(t, err)
	defer buf.Close()
	require.Equal(t, int64(4*cols*rows*4), buf.Size())

	const tensorPages = cols * rows * 4 / 4096
	if runtime.GOOS == "linux" {
		assert.Zero(t, residentPages(t, buf.mem), "nothing written, nothing resident")
	}
	r := rng(t)
	a, b := randF32(r, cols*rows), randF32(r, cols*rows)
	ts[0].SetF32(a)
	ts[1].SetF32(b)
	if runtime.GOOS == "linux" {
		half := buf.mem[:2*cols*rows*4]
		assert.Equal(t, 2*tensorPages, residentPages(t, half), "the two written tensors are resident")
		// (A huge page may straddle the boundary where the kernel gives them.)
		assert.LessOrEqual(t, residentPages(t, buf.mem[len(half):]), 512, "the two unwritten ones are not")
	}
	got := make([]float32, cols*rows)
	ts[3].ReadF32(got)
	assert.Equal(t, make([]float32, cols*rows), got, "fresh memory reads as zeros")

	ctx := NewContext(4, 4)
	defer ctx.Close()
	sum := ctx.Add(ts[0], ts[1])
	g := ctx.NewGraph(4)
	g.Expand(ctx.Copy(sum, ts[2]))
	be, err := NewCPU(2)
	require.NoError(t, err)
	defer be.Close()
	ga := NewAllocator(be)
	defer ga.Close()
	require.NoError(t, ga.Alloc(g))
	require.NoError(t, be.Compute(g))
	ts[2].ReadF32(got)
	for i := range got {
		if got[i] != a[i]+b[i] {
			t.Fatalf("element %d: %v + %v computed as %v", i, a[i], b[i], got[i])
		}
	}

	buf.Clear(0)
	if runtime.GOOS == "linux" {
		assert.Zero(t, residentPages(t, buf.mem), "Clear(0) gave the pages back")
	}
	ts[0].ReadF32(got)
	assert.Equal(t, make([]float32, cols*rows), got, "cleared memory reads as zeros")
	buf.Clear(7)
	ts[3].ReadF32(got[:1])
	assert.Equal(t, math.Float32frombits(0x07070707), got[0], "Clear with another byte writes it")

	buf.Close()
	buf.Close() // idempotent
}

func TestOnDemandBufferErrors(t *testing.T) {
	_, err := NewOnDemandBuffer()
	assert.ErrorContains(t, err, "no tensors")

	w := NewContext(1, 0)
	defer w.Close()
	x := w.NewTensor(F32, 8)
	buf, err := NewOnDemandBuffer(x)
	require.NoError(t, err)
	defer buf.Close()
	_, err = NewOnDemandBuffer(x)
	assert.ErrorContains(t, err, "already placed")
}

// TestRepackBufferAsksForHugePages checks the advice Linux gets for the
// memory of repacked weights (the flag "hg" of the mapping).
func TestRepackBufferAsksForHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge page advice is given on Linux only")
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	if !CanRepack(Q4_0, []int64{4096, 1024}) {
		t.Skip("no repacked layout on this CPU/build")
	}
	buf, err := NewRepackBuffer(16 << 20)
	require.NoError(t, err)
	defer buf.Close()
	flags := smapsField(t, unsafe.Add(buf.base, buf.size/2), "VmFlags")
	assert.Contains(t, strings.Fields(flags), "hg", "VmFlags %q", flags)
}

// smapsField returns a field of /proc/self/smaps for the mapping holding p.
func smapsField(t *testing.T, p unsafe.Pointer, field string) string {
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	addr := uint64(uintptr(p))
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		// A mapping starts with a line "start-end perms ...".
		first, _, _ := strings.Cut(line, " ")
		if lo, hi, ok := strings.Cut(first, "-"); ok {
			l, err1 := strconv.ParseUint(lo, 16, 64)
			h, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				in = l <= addr && addr < h
				continue
			}
		}
		if name, value, ok := strings.Cut(line, ":"); in && ok && name == field {
			return strings.TrimSpace(value)
		}
	}
	require.NoError(t, sc.Err())
	t.Fatalf("no %s for the mapping at %#x in /proc/self/smaps", field, addr)
	return ""
}

// TestOnDemandHugePages: the memory of the tensors named gets the advice,
// the rest of the buffer keeps 4 KiB pages (mappings split where the advice
// starts and ends).
func TestOnDemandHugePages(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("huge page advice is given on Linux only")
	}
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	ctx := NewContext(3, 0)
	defer ctx.Close()
	k := ctx.NewTensor(F16, 1024, 4096)
	v := ctx.NewTensor(F16, 4096, 1024)
	buf, err := NewOnDemandBuffer(k, v)
	require.NoError(t, err)
	defer buf.Close()
	buf.HugePages(v)
	hg := func(p unsafe.Pointer) bool { return slices.Contains(strings.Fields(smapsField(t, p, "VmFlags")), "hg") }
	assert.True(t, hg(unsafe.Add(v.data(), v.Bytes()/2)), "the values' memory")
	assert.False(t, hg(unsafe.Add(k.data(), k.Bytes()/2)), "the keys' memory")

	other := ctx.NewTensor(F32, 8)
	assert.Panics(t, func() { buf.HugePages(other) }, "a tensor placed elsewhere")
}
