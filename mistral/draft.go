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
// they are not, none for a while when they keep failing, so that a text
// with nothing to copy costs nothing.

// Prompt lookup's n-gram lengths and reach.
const (
	lookupMinN     = 2    // a single repeated token says too little
	lookupMaxN     = 4    //
	lookupReach    = 4096 // tokens of history searched back
	maxDraftTokens = 16   // the most tokens drafted for one pass
)

// lookup returns up to k tokens that followed the most recent earlier
// occurrence of the last n tokens of hist, for the longest n in
// [lookupMinN, lookupMaxN] that occurs, appended to dst[:0].
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
			return append(dst, hist[end:min(end+k, len(hist))]...)
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
	k        int // tokens to draft next (1..maxDraftTokens)
	misses   int // drafts in a row of which nothing was taken
	cooldown int // steps left without drafting
	pause    int // the next cooldown's length
}

func newDrafter() drafter { return drafter{k: 4, pause: 8} }

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
