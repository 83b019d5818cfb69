// Package memstat reads the process's own memory use, for the tests and
// benchmarks that check memory comes back after work.
package memstat

import (
	"os"
	"strconv"
	"strings"
)

// AnonResident returns the process's anonymous resident memory in bytes
// (RssAnon in /proc/self/status): the memory it allocated, without the
// pages of mapped files such as a model's weights (those belong to the
// page cache and grow with what is read). It returns 0 where
// /proc/self/status is not (outside Linux).
func AnonResident() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				return 0
			}
			return kb << 10
		}
	}
	return 0
}
