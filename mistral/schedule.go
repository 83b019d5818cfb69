package mistral

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The scheduler runs the forward passes of a Model's Sessions: one pass at
// a time, on one backend with all of the model's threads, so that Sessions
// computing at the same time never run more threads than there are cores.
//
// A Session asks for a pass with a request: its next tokens, all within its
// current block (see slots), and waits. The scheduler merges what is
// waiting into one pass, each Session a segment attending to its own cache:
//
//   - every single-token request (a generation step) joins the next pass, so
//     Sessions generating at the same time decode together, one read of the
//     weights for all of them (continuous batching: they join and leave
//     between passes);
//   - prompts are computed in the same passes, in chunks: a whole block when
//     no Session is decoding, otherwise as many tokens as keep the pass
//     within twice the time of the decoding alone (see passTimes), so that
//     a long prompt in one Session does not hold up the tokens of the
//     others.
//
// After a pass, the Sessions that were generating need a moment to choose
// their next token; the scheduler waits for them a little (a fraction of the
// last pass's time) before the next pass, so that they decode together. A
// Session that does not come back in time (its caller stopped reading its
// stream) is not waited for again until it does. A Session computing while
// nothing else is (no pass running or asked for, no other Session
// generating) runs its pass on its own goroutine: the same pass, without
// handing it to the loop and back.
type scheduler struct {
	m   *model
	run runner

	mu       sync.Mutex
	queue    []*request
	active   map[*Session]*activity // Sessions inside a generation loop
	busy     bool                   // a pass is being computed (by the loop, or inline)
	closed   bool
	wake     chan struct{} // a request arrived (buffered: one pending signal)
	finished chan struct{} // closed when the loop has ended

	times    passTimes     // guarded by mu
	lastPass time.Duration // guarded by mu
	passes   atomic.Int64  // passes run (for tests and statistics)
}

// activity is the scheduler's view of a Session that is generating.
type activity struct {
	queued bool // it has a request waiting
	late   bool // it missed the last wait; not waited for until it comes back
}

// request is one Session's ask for a pass.
type request struct {
	s      *Session
	tokens []int32 // candidates, all within the Session's current block
	all    bool    // the logits of every token computed, not only the last's
	only   []int32 // without all: the last token's logits of these tokens only, if the pass computes it alone (see Session.only)

	n     int   // set by the scheduler: how many of tokens the pass computed
	err   error // set by the scheduler
	taken bool  // the scheduler took it into a pass (guarded by scheduler.mu)
	done  chan struct{}
}

func (r *request) decode() bool { return len(r.tokens) == 1 && !r.all }

// Limits of one pass.
const (
	maxSegments       = 64 // Sessions in one pass
	maxPromptSegments = 4  // Sessions reading a prompt in one pass
)

func newScheduler(m *model) (*scheduler, error) {
	be, err := m.dev.NewBackend(m.threads())
	if err != nil {
		return nil, err
	}
	sc := &scheduler{
		m:        m,
		run:      newRunner(m, be),
		active:   map[*Session]*activity{},
		wake:     make(chan struct{}, 1),
		finished: make(chan struct{}),
	}
	go sc.loop()
	return sc, nil
}

// compute asks for a pass over tokens (all in s's current block) and waits
// for it. It returns how many of them the pass computed (at least one,
// unless err is set). When ctx is done while the request waits, it is
// withdrawn; when it is already being computed, compute waits for the pass
// to end (its tokens are then in the cache) and reports it.
func (sc *scheduler) compute(ctx context.Context, s *Session, tokens []int32, all bool, only []int32) (int, error) {
	r := &s.req
	r.s, r.tokens, r.all, r.only, r.n, r.err, r.taken = s, tokens, all, only, 0, nil, false
	if r.done == nil {
		r.done = make(chan struct{}, 1)
	}
	sc.mu.Lock()
	if sc.closed {
		sc.mu.Unlock()
		return 0, fmt.Errorf("model %w", ErrClosed)
	}
	sc.queue = append(sc.queue, r)
	if a := sc.active[s]; a != nil {
		a.queued, a.late = true, false
	}
	if sc.alone(s) {
		return sc.inline(r)
	}
	sc.mu.Unlock()
	select {
	case sc.wake <- struct{}{}:
	default:
	}
	select {
	case <-r.done:
		return r.n, r.err
	case <-ctx.Done():
	}
	sc.mu.Lock()
	if !r.taken {
		sc.queue = slices.DeleteFunc(sc.queue, func(q *request) bool { return q == r })
		if a := sc.active[s]; a != nil {
			a.queued = false
		}
		sc.mu.Unlock()
		return 0, ctx.Err()
	}
	sc.mu.Unlock()
	<-r.done
	return r.n, r.err
}

// alone reports whether s may compute its pass on its own goroutine: no
// pass is being computed, none but its own is asked for, and no other
// Session is generating (whose next step this pass could have shared).
// Then the pass is the one the loop would take, without the two goroutine
// hand-offs (on a small model, a sixth of a token's time). Called with mu
// held.
func (sc *scheduler) alone(s *Session) bool {
	if sc.busy || len(sc.queue) > 1 {
		return false
	}
	for o := range sc.active {
		if o != s {
			return false
		}
	}
	return true
}

// inline computes the pass of r, the only request queued, on the calling
// goroutine (see alone). Called with mu held; returns with it released.
func (sc *scheduler) inline(r *request) (int, error) {
	reqs := sc.take()
	sc.busy = true
	sc.mu.Unlock()
	sc.pass(reqs)
	<-r.done
	sc.idle()
	return r.n, r.err
}

// idle ends a pass: requests that came meanwhile are the loop's.
func (sc *scheduler) idle() {
	sc.mu.Lock()
	sc.busy = false
	waiting := len(sc.queue) > 0
	sc.mu.Unlock()
	if waiting {
		select {
		case sc.wake <- struct{}{}:
		default:
		}
	}
}

// begin and end bracket a Session's generation loop: between them, the
// scheduler expects its requests back soon after each pass.
func (sc *scheduler) begin(s *Session) {
	sc.mu.Lock()
	sc.active[s] = &activity{}
	sc.mu.Unlock()
}

func (sc *scheduler) end(s *Session) {
	sc.mu.Lock()
	delete(sc.active, s)
	sc.mu.Unlock()
	select { // the loop may be waiting for it
	case sc.wake <- struct{}{}:
	default:
	}
}

// generating returns how many Sessions are in a generation loop.
func (sc *scheduler) generating() int {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	return len(sc.active)
}

// loop runs passes until the scheduler is closed.
func (sc *scheduler) loop() {
	defer close(sc.finished)
	for {
		reqs := sc.next()
		if reqs == nil {
			return
		}
		sc.pass(reqs)
		sc.idle()
	}
}

// next waits for requests and takes those of the next pass, deciding how
// many tokens each computes. It returns nil when the scheduler is closed.
func (sc *scheduler) next() []*request {
	var deadline time.Time
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		sc.mu.Lock()
		if sc.closed {
			sc.mu.Unlock()
			return nil
		}
		if len(sc.queue) > 0 && !sc.busy {
			missing := sc.missing()
			if missing == 0 || !deadline.IsZero() && !time.Now().Before(deadline) {
				sc.markLate()
				reqs := sc.take()
				sc.busy = true
				sc.mu.Unlock()
				return reqs
			}
			if deadline.IsZero() {
				deadline = time.Now().Add(sc.gatherWait())
			}
		}
		sc.mu.Unlock()
		var expire <-chan time.Time
		if !deadline.IsZero() {
			d := time.Until(deadline)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			expire = timer.C
		}
		select {
		case <-sc.wake:
		case <-expire:
		}
	}
}

// missing counts the generating Sessions the next pass waits for: those
// with no request queued that have not been late.
func (sc *scheduler) missing() int {
	n := 0
	for _, a := range sc.active {
		if !a.queued && !a.late {
			n++
		}
	}
	return n
}

// markLate marks the generating Sessions that are not back as late.
func (sc *scheduler) markLate() {
	for _, a := range sc.active {
		if !a.queued {
			a.late = true
		}
	}
}

// gatherWait is how long a pass waits for generating Sessions to come
// back: long enough for choosing a token, short against a pass.
func (sc *scheduler) gatherWait() time.Duration {
	return min(max(sc.lastPass/4, 50*time.Microsecond), 10*time.Millisecond)
}

// step reports whether r is a generation step: a generating Session's
// token (and the drafts checked with it), or any single token.
func (sc *scheduler) step(r *request) bool {
	return r.decode() || sc.active[r.s] != nil
}

// take removes the requests of the next pass from the queue and decides
// how many tokens each computes: every generation step whole (up to
// maxSegments), and prompt chunks within what the cost model allows.
func (sc *scheduler) take() []*request {
	var reqs, rest []*request
	steps := 0 // rows of the steps
	for _, r := range sc.queue {
		if sc.step(r) && len(reqs) < maxSegments {
			r.n = len(r.tokens)
			reqs = append(reqs, r)
			steps += r.n
		}
	}
	budget := maxBlockTokens
	if steps > 0 {
		budget = sc.times.promptBudget(steps)
	}
	prompts := 0
	for _, r := range sc.queue {
		if sc.step(r) {
			if r.n == 0 {
				rest = append(rest, r)
			}
			continue
		}
		if budget <= 0 || prompts == maxPromptSegments || len(reqs) == maxSegments {
			rest = append(rest, r)
			continue
		}
		r.n = min(len(r.tokens), budget)
		if steps > 0 {
			budget -= r.n // prompts share what decoding leaves
		}
		reqs = append(reqs, r)
		prompts++
	}
	for _, r := range reqs {
		r.taken = true
		if a := sc.active[r.s]; a != nil {
			a.queued = false
		}
	}
	n := copy(sc.queue, rest)
	clear(sc.queue[n:]) // (no stale pointers to Sessions)
	sc.queue = sc.queue[:n]
	// A stable order (steps by Session, then prompts) lets passes of the
	// same shape reuse their graph.
	slices.SortStableFunc(reqs, func(a, b *request) int {
		as, bs := sc.step(a), sc.step(b)
		if as != bs {
			if as {
				return -1
			}
			return 1
		}
		if as {
			return cmpID(a.s.id, b.s.id)
		}
		return 0
	})
	return reqs
}

func cmpID(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// maxBlockTokens bounds a prompt chunk when nothing else is computed: the
// Session's block (its BatchSize) bounds it anyway.
const maxBlockTokens = 1 << 20

// pass computes the requests' tokens in one forward pass and hands each its
// result.
func (sc *scheduler) pass(reqs []*request) {
	segs := make([]segment, len(reqs))
	rows := 0
	for i, r := range reqs {
		out := 1
		if r.all {
			out = r.n
		}
		segs[i] = segment{s: r.s, tokens: r.tokens[:r.n], outputs: out}
		rows += r.n
	}
	// Some of the last token's logits only: where it is computed, alone.
	if r := reqs[0]; len(reqs) == 1 && !r.all && r.n == len(r.tokens) {
		segs[0].only = r.only
	}
	// Rows are padded as the Sessions ask (see kernelFacts.padding).
	exact, outputs := false, 0
	for _, sg := range segs {
		exact = exact || sg.s.padLone
		outputs += sg.outputs
	}
	pad, padOut := sc.m.kernels.padding(rows, outputs, exact, exact && len(segs) == 1)
	start := time.Now()
	err := sc.runLocked(segs, pad, padOut)
	d := time.Since(start)
	if err == nil {
		sc.mu.Lock()
		sc.lastPass = d
		// A pass that built its graph took that time once: the times
		// of passes by rows are those of computing them, all the logits
		// included (what guesses cost: see worth).
		if segs[0].only == nil {
			sc.times.observe(rows, d-sc.run.built)
			if len(segs) == 1 && outputs == rows {
				sc.times.observeGuesses(rows, d-sc.run.built)
			}
		}
		sc.mu.Unlock()
		sc.passes.Add(1)
	}
	for _, r := range reqs {
		if err != nil {
			r.n, r.err = 0, err
		}
		r.done <- struct{}{}
	}
}

// runLocked runs one pass with the model held open.
func (sc *scheduler) runLocked(segs []segment, pad, padOut int) error {
	m := sc.m
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return fmt.Errorf("model %w", ErrClosed)
	}
	return sc.run.run(segs, pad, padOut)
}

// close stops the loop after the pass it is computing; requests still
// queued fail with ErrClosed. It is idempotent and nil-safe.
func (sc *scheduler) close() {
	if sc == nil {
		return
	}
	sc.mu.Lock()
	if sc.closed {
		sc.mu.Unlock()
		<-sc.finished
		return
	}
	sc.closed = true
	queued := sc.queue
	sc.queue = nil
	for _, r := range queued {
		r.taken = true
	}
	sc.mu.Unlock()
	select {
	case sc.wake <- struct{}{}:
	default:
	}
	<-sc.finished
	for _, r := range queued {
		r.n, r.err = 0, fmt.Errorf("model %w", ErrClosed)
		r.done <- struct{}{}
	}
}

// free releases the backend and graphs (after close). Nil-safe.
func (sc *scheduler) free() {
	if sc == nil {
		return
	}
	sc.run.close()
}

// passTimes holds the recent time of a pass by its rows, to size the prompt
// chunks computed beside decoding. A pass's time does not grow in a straight
// line with its rows (the products take rows in groups, and a few rows cost
// little more than one where reading the weights rules), and a busy machine
// slows every pass for a while; so chunks are sized from what passes of each
// size took lately, not from a fitted model: the largest chunk whose passes
// stayed within promptSlowdown times the decoding's own pass. A size not seen
// lately is tried once before it is relied on (or avoided), and the decoding
// alone is measured again when its time is stale. The same times tell a
// generation what its drafts' rows cost (see worth).
type passTimes struct {
	n    int64                     // passes observed
	time [maxTimedRows + 1]float64 // seconds, by rows
	seen [maxTimedRows + 1]int64   // when each size was last observed (n; 0: never)
	// The same of the passes whose every row had its logits computed (a
	// token and its guesses): what guesses cost.
	guessTime [maxDraftTokens + 2]float64
	guessSeen [maxDraftTokens + 2]int64
}

const (
	maxTimedRows = 256 // passes of more rows are not timed
	// staleAfter is how many passes a size's time is trusted after it was
	// last seen. Trying a larger chunk again may cost the decoding one slow
	// pass: far fewer than one in a hundred keeps that out of the p99.
	staleAfter = 256
	// promptSlowdown bounds a pass with a prompt chunk against the same
	// generation steps alone.
	promptSlowdown = 2.0
	// groupSlack bounds a pass with a prompt chunk against the same steps
	// with one prompt token.
	groupSlack = 1.25
)

func (t *passTimes) observe(rows int, d time.Duration) {
	t.n++
	if rows <= 0 || rows > maxTimedRows {
		return
	}
	t.time[rows] = t.update(t.time[rows], t.seen[rows], d)
	t.seen[rows] = t.n
}

// observeGuesses records a pass of rows rows whose every row had its
// logits computed, after observe.
func (t *passTimes) observeGuesses(rows int, d time.Duration) {
	if rows <= 0 || rows >= len(t.guessTime) {
		return
	}
	t.guessTime[rows] = t.update(t.guessTime[rows], t.guessSeen[rows], d)
	t.guessSeen[rows] = t.n
}

// update returns a size's time, old, last seen at pass seen, after a pass
// of that size took d.
func (t *passTimes) update(old float64, seen int64, d time.Duration) float64 {
	x := d.Seconds()
	switch {
	case seen == 0:
		return x
	case t.n-seen > staleAfter: // the old time still tells something
		return (old + x) / 2
	default:
		return old + rowTimeWeight*(x-old)
	}
}

// rowTimeWeight is how much the latest pass of a size weighs in its time.
const rowTimeWeight = 0.25

// rowTime returns the time of the last passes of rows rows that computed
// the logits of every row (not those of a token with the drafts a grammar
// forces, which need the last row's only), 0 if none was seen: what a generation's
// drafts cost on this machine, this model and these kernels (a second row
// may cost little, or as much as the first where the products are
// compute-bound).
func (sc *scheduler) rowTime(rows int) float64 {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	t := &sc.times
	if rows <= 0 || rows >= len(t.guessTime) || t.guessSeen[rows] == 0 {
		return 0
	}
	return t.guessTime[rows]
}

// of returns the time of passes of rows rows, and false if none was seen.
func (t *passTimes) of(rows int) (d float64, seen bool) {
	if rows <= 0 || rows > maxTimedRows || t.seen[rows] == 0 {
		return 0, false
	}
	return t.time[rows], true
}

// recent returns the time of a pass of rows rows, if one was seen lately.
func (t *passTimes) recent(rows int) (float64, bool) {
	if d, ok := t.of(rows); ok && t.n-t.seen[rows] <= staleAfter {
		return d, true
	}
	return 0, false
}

// Prompt chunks beside decoding: fewest and most tokens.
const (
	minPromptChunk = 1
	maxPromptChunk = 64
)

// promptBudget returns how many prompt tokens a pass with steps rows of
// generation steps may compute as well: 0 when the steps alone have not
// been timed lately (this pass times them), otherwise the largest chunk
// whose pass stayed within promptSlowdown times theirs (or groupSlack
// times the pass with one prompt token, if more), or the size after
// the largest seen lately when that size was not seen lately and the one
// before it stayed within. Sizes past one over the bound are still
// considered: where the products take rows in groups, four rows may cost
// what two do.
func (t *passTimes) promptBudget(steps int) int {
	if steps > maxTimedRows {
		// Passes this large are not timed: a quarter more rows.
		return min(maxPromptChunk, steps/4)
	}
	alone, ok := t.recent(steps)
	if !ok {
		return 0
	}
	most := promptSlowdown * alone
	if one, ok := t.recent(steps + 1); ok {
		// Where one more row costs what several do (the products switch
		// to a kernel that takes rows in groups), a prompt read beside
		// decoding costs that much whatever its chunk: then the chunks
		// that cost little more than one token's are allowed too.
		most = max(most, groupSlack*one)
	}
	b := 0
	for k := 1; k <= maxPromptChunk && steps+k <= maxTimedRows; k++ {
		d, ok := t.recent(steps + k)
		switch {
		case !ok && b == k-1:
			return k // not seen lately, after one within: try it
		case !ok:
			return max(b, minPromptChunk)
		case d <= most:
			b = k
		}
	}
	return max(b, minPromptChunk)
}
