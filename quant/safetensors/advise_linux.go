package safetensors

import (
	"os"
	"syscall"
)

// dontNeed advises the kernel that mapping[start:end] is not needed for now.
// The range is widened to whole pages inside it; errors are ignored, as the
// advice is only a hint.
func dontNeed(mapping []byte, start, end int64) {
	page := int64(os.Getpagesize())
	start = (start + page - 1) / page * page
	end = end / page * page
	if start >= end {
		return
	}
	_ = syscall.Madvise(mapping[start:end], syscall.MADV_DONTNEED)
}
