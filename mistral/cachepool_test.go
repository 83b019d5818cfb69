package mistral

import (
	"context"
	"testing"

	"github.com/gomistral/gomistral/internal/memstat"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestClosedSessionCacheReused: a Session made after another closed takes
// its KV cache, whose memory went back to the system at Close, and with it
// the graphs built for that cache: the same generation (with drafts, so
// passes of several shapes) builds no graph and gives the same tokens, from a
// cache that reads as zeros again. The control: a Session made while the
// other is open has a cache of its own, and builds its graphs.
func TestClosedSessionCacheReused(t *testing.T) {
	ctx := context.Background()
	m := loadTiny(t) // a Model of its own: its runner counts only this test's graphs
	// Drafts of their own (prompt lookup's depend on the time passes take):
	// the same passes in every run.
	testHookDrafts = func(id int32) []int32 { return []int32{id, id + 1} }
	defer func() { testHookDrafts = nil }()
	gen := func(s *Session) []int32 {
		var ids []int32
		for tok, err := range s.Generate(ctx, "It was a fine morning, and the", GenerateConfig{MaxTokens: 64}) {
			require.NoError(t, err)
			ids = append(ids, tok.ID)
		}
		return ids
	}
	run := &m.sched.run

	// A first Session builds the graphs and grows the allocator's buffer
	// to the largest (growing it forgets the graphs built before).
	warm, err := m.NewSession(SessionConfig{})
	require.NoError(t, err)
	want := gen(warm)
	require.NoError(t, warm.Close())

	first, err := m.NewSession(SessionConfig{})
	require.NoError(t, err)
	assert.Equal(t, want, gen(first))
	cache := first.cache
	held := memstat.AnonResident()
	require.NoError(t, first.Close())
	freed := held - memstat.AnonResident()
	if held > 0 {
		// The values alone take most of their memory with the first token.
		values := first.CacheBytes() / 2
		assert.Greater(t, freed, values/2, "bytes given back at Close, of a cache of %d", first.CacheBytes())
	}

	builds := run.builds
	second := newSession(t, m)
	require.Same(t, cache, second.cache, "the closed Session's cache, taken again")
	assert.Equal(t, want, gen(second), "the same generation in the cache taken again")
	assert.Equal(t, builds, run.builds, "graphs built for a cache taken again")
	third := newSession(t, m)
	require.NotSame(t, cache, third.cache, "control: a cache in use is not taken")
	assert.Equal(t, want, gen(third))
	assert.Greater(t, run.builds, builds, "control: graphs built for a new cache")
}
