package mistral

// Drafts: guesses of the next few tokens, checked by the model in one pass
// (see generate). A guess costs a row of a pass; a right one saves a pass.
//
// Prompt lookup: text that copies from its prompt or from itself (names,
// quotes, code, the keys of a JSON document, a model stuck in a loop) is
// predicted by what followed the last few tokens the last time they
// appeared. The drafter proposes the tokens that followed the most recent
// earlier occurrence of the history's last n tokens (n from lookupMaxN down
// to lookupMinN), and adapts how many: more while they are taken, fewer when
// they are not, none for a while when they keep failing. A Session decoding
// alone feeds them only where they pay for their rows (worth): the chance
// that a guess is right, learnt from the guesses fed and from the ones
// found but not fed, against the time the scheduler measured for passes of
// that many rows on this machine. A second row may cost next to nothing
// (memory-bound products) or nearly what the first does (compute-bound
// ones, a large output matrix): a text with nothing to copy costs nothing
// either way.

// Prompt lookup's n-gram lengths and reach.
const (
	lookupMinN     = 2    // a single repeated token says too little
	lookupMaxN     = 4    //
	lookupReach    = 4096 // tokens of history searched back
	maxDraftTokens = 16   // the most tokens drafted for one pass
)

// lookup returns the k tokens that followed the most recent earlier
// occurrence of the last n tokens of hist, for the longest n in
// [lookupMinN, lookupMaxN] that occurs, appended to dst[:0]; none if no
// such n occurs. Where the history ends before k tokens, the tokens that
// followed it are taken as repeating (the occurrence overlaps the tail:
// the text is going round a loop).
func lookup(dst, hist []int32, k int) []int32 {
	dst = dst[:0]
	if k <= 0 {
		return dst
	}
	start := max(0, len(hist)-lookupReach)
	for n := min(lookupMaxN, len(hist)-1); n >= lookupMinN; n-- {
		tail := hist[len(hist)-n:]
		// The occurrence must end before the tail begins... or overlap it
		// (a loop of period p matches at distance p): it only has to end
		// before the last token, so that something follows it.
		for end := len(hist) - 1; end-n >= start; end-- {
			if !equalTail(hist[end-n:end], tail) {
				continue
			}
			// What follows runs up to the end of the history and, for an
			// occurrence that overlaps the tail (a loop of period
			// len(hist)-end), goes round the loop again.
			for i := range k {
				if j := end + i; j < len(hist) {
					dst = append(dst, hist[j])
				} else {
					dst = append(dst, dst[j-len(hist)])
				}
			}
			return dst
		}
	}
	return dst
}

func equalTail(a, b []int32) bool {
	// Compare from the end: the last token differs most often.
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// drafter decides how many tokens to draft, from how the last drafts fared.
type drafter struct {
	k        int     // tokens to draft next (1..maxDraftTokens)
	misses   int     // drafts in a row of which nothing was taken
	cooldown int     // steps left without drafting
	pause    int     // the next cooldown's length
	accept   float64 // recent chance that a guess is right, given the ones before it were
}

// Acceptance: the estimate a generation starts from, and how much each
// guess seen weighs in it.
const (
	acceptPrior  = 0.5
	acceptWeight = 0.15
)

func newDrafter() drafter { return drafter{k: 4, pause: 8, accept: acceptPrior} }

// observe records whether a guess was the token drawn: one fed, or one
// lookup found but the generation did not feed (it costs nothing to check).
func (d *drafter) observe(right bool) {
	x := 0.0
	if right {
		x = 1
	}
	d.accept += acceptWeight * (x - d.accept)
}

// worth returns how many of k guesses to feed (0..k): the number that
// makes the most tokens per second, a pass of r rows taking time(r) (0:
// not measured yet), each guess right with chance p given the ones before
// it were. A pass yields its token and the guesses up to the first wrong
// one: 1 + p + p² + ... + pⁿ tokens for n guesses. A size not measured yet
// is worth trying when it is the k asked for: its time is learnt by
// computing it once.
func worth(k int, p float64, time func(rows int) float64) int {
	t1 := time(1)
	if k <= 0 || t1 <= 0 {
		return k
	}
	if time(1+k) <= 0 {
		return k
	}
	best, bestRate := 0, 1/t1
	tokens, pn := 1.0, 1.0
	for n := 1; n <= k; n++ {
		pn *= p
		tokens += pn
		t := time(1 + n)
		if t <= 0 {
			continue
		}
		if rate := tokens / t; rate > bestRate {
			best, bestRate = n, rate
		}
	}
	return best
}

// want returns how many tokens to draft at this step (0: none).
func (d *drafter) want() int {
	if d.cooldown > 0 {
		d.cooldown--
		return 0
	}
	return d.k
}

// taken records that of drafted tokens, taken were right.
func (d *drafter) taken(drafted, taken int) {
	if drafted == 0 {
		return
	}
	for range taken {
		d.observe(true)
	}
	if taken < drafted {
		d.observe(false)
	}
	switch {
	case taken == drafted:
		d.k = min(maxDraftTokens, 2*d.k)
		d.misses, d.pause = 0, 8
	case taken == 0:
		d.k = max(1, d.k/2)
		if d.misses++; d.misses >= 2 {
			// Nothing is being copied: stop guessing for a while, longer
			// each time it happens again.
			d.cooldown, d.misses = d.pause, 0
			d.pause = min(2*d.pause, 256)
		}
	default:
		d.k = max(1, taken+1)
		d.misses, d.pause = 0, 8
	}
}
