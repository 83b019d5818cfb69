package memstat

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAnonResidentSeesAllocation: touching 64 MiB of new memory shows in
// the figure.
func TestAnonResidentSeesAllocation(t *testing.T) {
	before := AnonResident()
	if before == 0 {
		t.Skip("needs /proc/self/status")
	}
	b := make([]byte, 64<<20)
	for i := range b {
		if i%4096 == 0 {
			b[i] = 1
		}
	}
	after := AnonResident()
	runtime.KeepAlive(b)
	assert.Greater(t, after-before, int64(48<<20), "before %d, after %d", before, after)
}
