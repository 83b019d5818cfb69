package mmap

import (
	"os"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// resident reports which pages of mem are in physical memory.
func resident(t *testing.T, mem []byte) []bool {
	page := os.Getpagesize()
	vec := make([]byte, (len(mem)+page-1)/page)
	_, _, errno := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&mem[0])), uintptr(len(mem)),
		uintptr(unsafe.Pointer(&vec[0])))
	require.Zero(t, errno, "mincore")
	out := make([]bool, len(vec))
	for i, v := range vec {
		out[i] = v&1 != 0
	}
	return out
}

// TestAdviceOnLinux watches pages leave physical memory: Zero gives back
// all of them, DontNeed the whole pages inside its range only (on anonymous
// memory, where Linux then reads them as zeros).
func TestAdviceOnLinux(t *testing.T) {
	page := os.Getpagesize()
	mem, err := Anon(4 * page)
	require.NoError(t, err)
	defer Unmap(mem)
	assert.Equal(t, []bool{false, false, false, false}, resident(t, mem), "nothing written, nothing resident")
	fill := func() {
		for i := range mem {
			mem[i] = 1
		}
	}
	fill()
	assert.Equal(t, []bool{true, true, true, true}, resident(t, mem))
	Zero(mem)
	assert.Equal(t, []bool{false, false, false, false}, resident(t, mem), "Zero gives the pages back")

	fill()
	require.NoError(t, DontNeed(mem[1:3*page+1]))
	assert.Equal(t, []bool{true, false, false, true}, resident(t, mem), "DontNeed drops the whole pages inside")
	assert.Equal(t, byte(1), mem[page-1])
	assert.Equal(t, byte(1), mem[3*page])
}
