package mistral

import (
	"context"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunnerKeepsGraphs: passes whose shapes alternate (a token alone, a
// token and its guesses, as generation with drafts does) reuse the graphs
// built for them, and a pass that grows the allocator's buffer makes the
// others be built again; every pass gives the logits the same tokens get
// in one block.
func TestRunnerKeepsGraphs(t *testing.T) {
	m, other := loadTiny(t), loadTiny(t)
	ctx := context.Background()
	sizes := []int{1, 3, 1, 3, 1, 3, 40, 1, 3, 1}
	var ids []int32
	for i, n := range sizes {
		for j := range n {
			ids = append(ids, int32(100+7*i+j))
		}
	}
	vocab := m.Params().Vocab

	// The reference: every position's logits from passes of one block (on
	// another Model: its own runner).
	ref := newSession(t, other)
	want := make([]float32, 0, len(ids)*vocab)
	require.NoError(t, ref.FeedAll(ctx, ids, func(_ int, l []float32) error {
		want = append(want, l...)
		return nil
	}))

	s := newSession(t, m)
	run := &m.sched.run
	got := make([]float32, 0, len(ids)*vocab)
	builds := run.builds
	var builtAt []int
	for i, n := range sizes {
		before := run.builds
		at := len(got) / vocab
		require.NoError(t, s.FeedAll(ctx, ids[at:at+n], func(_ int, l []float32) error {
			got = append(got, l...)
			return nil
		}))
		if run.builds > before {
			builtAt = append(builtAt, i)
		}
		if n == 40 {
			require.Len(t, run.graphs, 1, "after the buffer grew, only the new graph is kept")
		}
	}
	require.Equal(t, want, got, "logits of the alternating passes against one block's")
	// Built: the first 1-token pass, the first 3-token one (its buffer is
	// larger: the 1-token graph goes), the 1-token one again; then none
	// until the 40-token pass, and both shapes again after it.
	require.Equal(t, []int{0, 1, 2, 6, 7, 8}, builtAt, "passes that built their graph (%d builds)", run.builds-builds)
}

// TestRunnerBoundsGraphs: the runner keeps at most maxGraphs graphs, the
// least recently used going first; a shape whose graph went is built again
// and gives the logits it gave before.
func TestRunnerBoundsGraphs(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	run := &m.sched.run
	s := newSession(t, m)
	ids := make([]int32, maxGraphs+8)
	for i := range ids {
		ids[i] = int32(200 + 3*i)
	}
	// The largest pass first, so that the buffer never grows after it
	// (growing it forgets every graph: not the bound under test).
	require.NoError(t, s.Feed(ctx, ids))
	shapes := maxGraphs + 4
	first := make([][]float32, shapes+1)
	for n := 1; n <= shapes; n++ {
		s.Reset()
		before := run.builds
		require.NoError(t, s.Feed(ctx, ids[:n]))
		require.Equal(t, before+1, run.builds, "a new shape (%d tokens) is built", n)
		require.LessOrEqual(t, len(run.graphs), maxGraphs)
		first[n] = slices.Clone(s.Logits())
	}
	require.Len(t, run.graphs, maxGraphs)

	// The most recent shape is kept; the oldest ones went.
	s.Reset()
	before := run.builds
	require.NoError(t, s.Feed(ctx, ids[:shapes]))
	require.Equal(t, before, run.builds, "the last shape's graph is kept")
	s.Reset()
	require.NoError(t, s.Feed(ctx, ids[:1]))
	require.Equal(t, before+1, run.builds, "the first shape's graph went and is built again")
	require.Equal(t, bitsOf(first[1]), bitsOf(s.Logits()))
	require.LessOrEqual(t, len(run.graphs), maxGraphs)
}
