package mistral

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var concurrentPrompts = []string{
	"CHAPTER I", "Natasha", "The French army", "\"Well, Prince,", "Pierre", "It was", "Moscow", "The old count",
	"Prince Andrew", "When", "Anna Pavlovna", "Rostov", "Kutuzov", "The soldiers", "She", "Napoleon",
}

// generateIDs generates greedily from prompt in a new Session and returns
// the ids and the last logits.
func generateIDs(t testing.TB, m *Model, cfg SessionConfig, prompt string, steps int) ([]int32, []float32) {
	s, err := m.NewSession(cfg)
	require.NoError(t, err)
	defer s.Close()
	var out []int32
	for tok, err := range s.Generate(context.Background(), prompt, GenerateConfig{MaxTokens: steps, IgnoreEOS: true}) {
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		out = append(out, tok.ID)
	}
	return out, append([]float32(nil), s.Logits()...)
}

// checkConcurrentEqualsAlone generates from n prompts in n goroutines at
// once and requires each Session's tokens and last logits to be exactly
// those it gives alone, and the passes to have been shared.
func checkConcurrentEqualsAlone(t *testing.T, m *Model, cfg SessionConfig, n, steps int) {
	alone := make([][]int32, n)
	aloneLogits := make([][]float32, n)
	for i := range n {
		alone[i], aloneLogits[i] = generateIDs(t, m, cfg, concurrentPrompts[i], steps)
	}
	got := make([][]int32, n)
	gotLogits := make([][]float32, n)
	before := m.sched.passes.Load()
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { got[i], gotLogits[i] = generateIDs(t, m, cfg, concurrentPrompts[i], steps) })
	}
	wg.Wait()
	passes := m.sched.passes.Load() - before
	for i := range n {
		assert.Equal(t, alone[i], got[i], "session %d (%q)", i, concurrentPrompts[i])
		assert.Equal(t, aloneLogits[i], gotLogits[i], "session %d: last logits", i)
	}
	t.Logf("%d sessions x %d tokens: %d passes", n, steps, passes)
	if n > 1 {
		// Alone, each session takes about steps passes (and a few for its
		// prompt); together, their decoding shares passes.
		assert.Less(t, passes, int64(n*steps*3/4), "decoding was batched")
	}
}

// TestConcurrentSessionsEqualAlone: 1, 2, 4, 8 and 16 Sessions generating
// greedily at once, past the window, give each exactly what it gives alone.
func TestConcurrentSessionsEqualAlone(t *testing.T) {
	t.Parallel() // long; uses no test hook
	m := loadTiny(t)
	for _, n := range []int{1, 2, 4, 8, 16} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			checkConcurrentEqualsAlone(t, m, SessionConfig{}, n, 150)
		})
	}
}

// TestConcurrentSessionsEqualAloneV3 is the same on the llama.cpp-made v3
// files (extended): repacked Q4_0 and the K-quants compute a lone row as in
// a batch; Q8_0 does with SessionConfig.Deterministic.
func TestConcurrentSessionsEqualAloneV3(t *testing.T) {
	t.Parallel() // long; uses no test hook
	v3Files(t)
	for _, c := range v3Exact {
		t.Run(c.file, func(t *testing.T) {
			m, err := Load(context.Background(), filepath.Join(sharedV3, c.file), Config{Threads: 1})
			require.NoError(t, err)
			defer m.Close()
			// 3 and 6 Sessions: passes padded to whole row groups on Q4_0.
			for _, n := range []int{3, 6, 8} {
				checkConcurrentEqualsAlone(t, m, SessionConfig{Deterministic: c.deterministic}, n, 110)
			}
		})
	}
}

// TestLongPromptDoesNotStarveDecoding: while one Session reads a long
// prompt, another generates; the prompt is computed in chunks between the
// other's steps, so its 24 tokens come long before the prompt is read.
func TestLongPromptDoesNotStarveDecoding(t *testing.T) {
	m := loadTiny(t)
	long := make([]int32, 3000)
	for i := range long {
		long[i] = int32(100 + i%5000)
	}
	reader, decoder := newSession(t, m), newSession(t, m)
	require.NoError(t, decoder.Feed(context.Background(), mustEncode(t, m, "It was")))
	var readDone, decodeDone time.Time
	var wg sync.WaitGroup
	wg.Go(func() {
		assert.NoError(t, reader.Feed(context.Background(), long))
		readDone = time.Now()
	})
	wg.Go(func() {
		for _, err := range decoder.GenerateTokens(context.Background(), nil, GenerateConfig{MaxTokens: 24, IgnoreEOS: true}) {
			assert.NoError(t, err)
		}
		decodeDone = time.Now()
	})
	wg.Wait()
	assert.True(t, decodeDone.Before(readDone), "the decoding finished before the long prompt was read")
	assert.Equal(t, len(long), reader.Position())
}

// TestStalledStreamDoesNotHoldOthers: a Session whose caller stops reading
// its stream does not stop the others.
func TestStalledStreamDoesNotHoldOthers(t *testing.T) {
	m := loadTiny(t)
	stalled := newSession(t, m)
	release := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for range stalled.Generate(context.Background(), "Pierre", GenerateConfig{MaxTokens: 40, IgnoreEOS: true}) {
			<-release // the caller stops at the first token until released
		}
	})
	want, _ := generateIDs(t, m, SessionConfig{}, "Natasha", 60)
	got := make(chan []int32)
	go func() {
		ids, _ := generateIDs(t, m, SessionConfig{}, "Natasha", 60)
		got <- ids
	}()
	select {
	case ids := <-got:
		assert.Equal(t, want, ids)
	case <-time.After(time.Minute):
		t.Error("a stalled stream held the other Session")
	}
	close(release)
	wg.Wait()
}

// TestCancelLeavesBatch: a Session whose context is cancelled while others
// decode with it stops with the context's error, stays usable, and the
// others' tokens are unchanged.
func TestCancelLeavesBatch(t *testing.T) {
	m := loadTiny(t)
	want := make([][]int32, 3)
	for i := range want {
		want[i], _ = generateIDs(t, m, SessionConfig{}, concurrentPrompts[i], 80)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	victim := newSession(t, m)
	got := make([][]int32, 3)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], _ = generateIDs(t, m, SessionConfig{}, concurrentPrompts[i], 80) })
	}
	var victimErr error
	wg.Go(func() {
		n := 0
		for _, err := range victim.Generate(ctx, "Moscow", GenerateConfig{MaxTokens: 1000, IgnoreEOS: true}) {
			if err != nil {
				victimErr = err
				return
			}
			if n++; n == 10 {
				cancel()
			}
		}
	})
	wg.Wait()
	assert.ErrorIs(t, victimErr, context.Canceled)
	assert.Equal(t, want, got)
	// The cancelled session goes on from where it stopped.
	pos := victim.Position()
	for _, err := range victim.GenerateTokens(context.Background(), nil, GenerateConfig{MaxTokens: 3}) {
		require.NoError(t, err)
	}
	assert.Equal(t, pos+3, victim.Position())
}

// TestCloseModelWhileGenerating: closing the Model under running
// generations ends them with ErrClosed, without a hang.
func TestCloseModelWhileGenerating(t *testing.T) {
	m, err := Load(context.Background(), tinyModel, Config{Threads: 1})
	require.NoError(t, err)
	started := make(chan struct{}, 4)
	errs := make(chan error, 4)
	for i := range 4 {
		s, err := m.NewSession(SessionConfig{})
		require.NoError(t, err)
		defer s.Close()
		go func() {
			// The error is sent once the loop is over: the Session is
			// released then, before the test's deferred Close.
			n := 0
			var gerr error
			for _, err := range s.Generate(context.Background(), concurrentPrompts[i], GenerateConfig{IgnoreEOS: true}) {
				if err != nil {
					gerr = err
					break
				}
				if n++; n == 5 {
					started <- struct{}{}
				}
			}
			errs <- gerr
		}()
	}
	for range 4 {
		<-started
	}
	require.NoError(t, m.Close())
	for range 4 {
		select {
		case err := <-errs:
			assert.True(t, errors.Is(err, ErrClosed), "%v", err)
		case <-time.After(time.Minute):
			t.Fatal("a generation did not end after Close")
		}
	}
}

// TestPassTimes: prompt chunks are the largest whose passes stayed within
// twice the steps alone, sizes not seen lately are tried, and stale times
// are measured again.
func TestPassTimes(t *testing.T) {
	ms := func(x float64) time.Duration { return time.Duration(x * float64(time.Millisecond)) }
	var c passTimes
	assert.Equal(t, 0, c.promptBudget(1), "the steps alone not timed: this pass times them")
	c.observe(1, ms(100))
	assert.Equal(t, 1, c.promptBudget(1), "nothing larger seen: try one token")
	c.observe(2, ms(120))
	assert.Equal(t, 2, c.promptBudget(1), "two rows stayed within: try three")
	// Not a straight line: rows in groups of four, the fifth costs more.
	for _, rows := range []int{3, 4, 5, 6} {
		c.observe(rows, ms(map[int]float64{3: 150, 4: 190, 5: 260, 6: 280}[rows]))
	}
	assert.Equal(t, 3, c.promptBudget(1), "four rows within 200 ms, five not")
	assert.Equal(t, 0, c.promptBudget(8), "eight steps alone not seen")

	// A busy machine: the same sizes slow down, the chunks shrink.
	for range 8 {
		c.observe(2, ms(190))
		c.observe(3, ms(300))
		c.observe(4, ms(400))
	}
	assert.Equal(t, 1, c.promptBudget(1), "two rows still within, three slower now")
	// Stale times are not relied on: the steps are timed again, then the
	// larger sizes tried one by one.
	for range staleAfter + 1 {
		c.observe(300, ms(1)) // (beyond the table: counts as a pass only)
	}
	assert.Equal(t, 0, c.promptBudget(1))
	c.observe(1, ms(140))
	d, _ := c.recent(1)
	assert.InDelta(t, 0.120, d, 1e-9, "a stale time is averaged with the new one")
	assert.Equal(t, 1, c.promptBudget(1))
	c.observe(2, ms(120))
	assert.Equal(t, 2, c.promptBudget(1))

	var grouped passTimes // products by groups of four rows: two cost what four do
	for rows, d := range map[int]float64{1: 100, 2: 210, 3: 205, 4: 195, 5: 320} {
		grouped.observe(rows, ms(d))
	}
	assert.Equal(t, 3, grouped.promptBudget(1), "four rows within although two and three are not")
	for range 10 {
		grouped.observe(5, ms(180))
	}
	assert.Equal(t, 5, grouped.promptBudget(1), "five rows now within: six not seen, try them")

	var switched passTimes // a second row costs what several do
	for rows, d := range map[int]float64{1: 100, 2: 250, 3: 260, 4: 300, 5: 330} {
		switched.observe(rows, ms(d))
	}
	assert.Equal(t, 3, switched.promptBudget(1), "within 1.25 times the pass with one prompt token")

	var fast passTimes // reading the weights rules: rows are nearly free
	for rows := 1; rows <= maxPromptChunk+1; rows++ {
		fast.observe(rows, ms(100+0.1*float64(rows)))
	}
	assert.Equal(t, maxPromptChunk, fast.promptBudget(1))
	var wide passTimes
	for rows := 200; rows <= maxTimedRows; rows++ {
		wide.observe(rows, ms(100+0.1*float64(rows)))
	}
	assert.Equal(t, maxTimedRows-200, wide.promptBudget(200), "no larger pass is timed")
	assert.Equal(t, maxPromptChunk, wide.promptBudget(maxTimedRows+1), "steps too many to be timed: prompts still go on")
}

func TestPadding(t *testing.T) {
	rowsOf := func(f kernelFacts, rows, outputs int, exact, lone bool) int {
		pad, _ := f.padding(rows, outputs, exact, lone)
		return pad
	}
	grouped := kernelFacts{rowGroup: 4}
	for rows, want := range map[int]int{1: 0, 2: 2, 3: 1, 4: 0, 5: 0, 6: 2, 7: 1, 8: 0, 9: 0} {
		assert.Equal(t, want, rowsOf(grouped, rows, 1, false, false), "%d rows", rows)
	}
	assert.Equal(t, 1, rowsOf(grouped, 1, 1, true, true), "a lone token padded as its Session asks")
	plain := kernelFacts{}
	for rows := 2; rows < 10; rows++ {
		assert.Zero(t, rowsOf(plain, rows, 1, true, true))
	}
	assert.Equal(t, 1, rowsOf(plain, 1, 1, true, true))
	_, out := plain.padding(1, 1, true, true)
	assert.Equal(t, 1, out, "a lone output row computed twice")
	_, out = plain.padding(3, 3, true, false)
	assert.Zero(t, out)

	// Rows alike only in whole groups: an exact pass is padded to whole
	// groups, whatever its rows; one that is not exact as before.
	whole := kernelFacts{loneRowDiffers: true, wholeGroup: 4}
	for rows, want := range map[int]int{1: 3, 2: 2, 3: 1, 4: 0, 5: 3, 8: 0, 9: 3} {
		assert.Equal(t, want, rowsOf(whole, rows, 1, true, false), "%d rows, exact", rows)
	}
	assert.Zero(t, rowsOf(whole, 1, 1, false, false))
	_, out = whole.padding(1, 1, true, true)
	assert.Equal(t, 1, out, "the output matrix is not one of them: a lone output row twice")
	whole.outputWhole = true
	for outputs, want := range map[int]int{1: 3, 2: 2, 4: 0, 6: 2} {
		_, out := whole.padding(8, outputs, true, false)
		assert.Equal(t, want, out, "%d outputs", outputs)
	}
}
