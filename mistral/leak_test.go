package mistral

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomistral/gomistral/internal/memstat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func settledRSS() int64 {
	runtime.GC()
	debug.FreeOSMemory()
	return memstat.AnonResident()
}

// TestThousandSessionsDoNotLeak creates, uses and closes 1,000 sessions:
// the process's memory must stay flat (GGML's C memory is released by
// Close, not by the garbage collector).
func TestThousandSessionsDoNotLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 sessions; skipped with -short")
	}
	if memstat.AnonResident() == 0 {
		t.Skip("needs /proc/self/status")
	}
	if raceEnabled {
		t.Skip("memory is not measurable under the race detector (its shadow memory grows with every allocation)")
	}
	m := loadTiny(t)
	use := func() {
		s, err := m.NewSession(SessionConfig{})
		require.NoError(t, err)
		require.NoError(t, s.Feed(context.Background(), []int32{1, 415, 1064, 302}))
		require.NoError(t, s.Close())
	}
	for i := 0; i < 100; i++ { // warm up allocators
		use()
	}
	before := settledRSS()
	for i := 0; i < 1000; i++ {
		use()
	}
	after := settledRSS()
	t.Logf("anonymous RSS after 100 sessions: %.1f MB; after 1,000 more: %.1f MB (%+.1f MB)",
		float64(before)/1e6, float64(after)/1e6, float64(after-before)/1e6)
	// One leaked session would hold its 0.5 MB cache and compute buffer:
	// 1,000 of them would show as hundreds of MB.
	assert.Less(t, after-before, int64(16<<20), "RSS grew by %d bytes", after-before)
}

// syncBuffer is a bytes.Buffer safe for the cleanup goroutine's writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// TestUnclosedIsReported: a Session and a Model dropped without Close are
// freed when collected, with a warning that says where they were made.
func TestUnclosedIsReported(t *testing.T) {
	var out syncBuffer
	logger := slog.New(slog.NewTextHandler(&out, nil))
	func() {
		m, err := Load(context.Background(), tinyModel, Config{Threads: 1, Logger: logger})
		require.NoError(t, err)
		s, err := m.NewSession(SessionConfig{})
		require.NoError(t, err)
		require.NoError(t, s.Feed(context.Background(), []int32{1, 415}))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && strings.Count(out.String(), "without Close") < 2 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	log := out.String()
	assert.Contains(t, log, "a Session was garbage collected without Close")
	assert.Contains(t, log, "a Model "+tinyModel+" was garbage collected without Close")
	assert.Contains(t, log, "leak_test.go", "the warning says where it was made")
}
