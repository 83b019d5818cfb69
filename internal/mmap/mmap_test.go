package mmap

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFile(t *testing.T) {
	want := bytes.Repeat([]byte("0123456789abcdef"), 3*os.Getpagesize()/16+7)
	path := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(path, want, 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()

	b, err := File(f, int64(len(want)))
	require.NoError(t, err)
	assert.Equal(t, want, b)
	require.NoError(t, DontNeed(b[5:len(b)-5]))
	assert.Equal(t, want, b, "the bytes read the same after DontNeed")
	require.NoError(t, Unmap(b))

	b, err = File(f, 0)
	assert.NoError(t, err)
	assert.Nil(t, b)
	assert.NoError(t, Unmap(nil))
	_, err = File(f, -1)
	assert.ErrorContains(t, err, "too large")
}

func TestAnon(t *testing.T) {
	page := os.Getpagesize()
	mem, err := Anon(3*page + 100)
	require.NoError(t, err)
	assert.Equal(t, make([]byte, len(mem)), mem, "fresh memory reads as zeros")
	for i := range mem {
		mem[i] = byte(i%255 + 1)
	}
	Zero(mem)
	assert.Equal(t, make([]byte, len(mem)), mem, "Zero")
	HugePages(mem) // advice only: the memory stays usable
	mem[len(mem)-1] = 1
	require.NoError(t, Unmap(mem))
}

// TestPages checks the pages that advice applies to: the whole pages inside
// the range, never one that the range only partly covers.
func TestPages(t *testing.T) {
	page := os.Getpagesize()
	mem := make([]byte, 6*page)
	base := page - int(addrOf(mem)%uintptr(page)) // mem[base:] starts a page
	for _, tc := range []struct {
		start, end     int // of the range, from base
		wantLo, wantHi int // of the pages inside, from base; equal when none
	}{
		{0, page, 0, page},
		{0, 3 * page, 0, 3 * page},
		{1, 3 * page, page, 3 * page},
		{0, 3*page - 1, 0, 2 * page},
		{1, 3*page - 1, page, 2 * page},
		{1, page + 1, 0, 0},
		{1, 2*page - 1, 0, 0},
		{page, page, 0, 0},
	} {
		got := pages(mem[base+tc.start : base+tc.end])
		if tc.wantLo == tc.wantHi {
			assert.Nil(t, got, "range [%d, %d)", tc.start, tc.end)
			continue
		}
		if assert.NotNil(t, got, "range [%d, %d)", tc.start, tc.end) {
			assert.Equal(t, addrOf(mem[base+tc.wantLo:]), addrOf(got), "start of range [%d, %d)", tc.start, tc.end)
			assert.Equal(t, tc.wantHi-tc.wantLo, len(got), "length of range [%d, %d)", tc.start, tc.end)
		}
	}
	assert.Nil(t, pages(nil))
}
