package sample

import (
	"math"
	"slices"
)

// A Stage is one step of a Sampler's chain, written by the caller and given
// in Config.Stages. Apply may change logits, remove candidates or
// reorder them, through the methods of Candidates. It must leave at least one
// candidate and must not keep c after it returns. Apply runs on the
// goroutine that calls Sample.
type Stage interface {
	Apply(c *Candidates)
}

// A Filter is a Stage that only removes candidates, each for its id: Apply
// changes no logit and keeps, of the candidates it is given, every one
// Keeps reports (it may keep others). A greedy Sampler (temperature 0,
// no bias, no penalties) whose stages are all Filters tries the token Only
// names, or else the largest logits in turn (a few): the first that every
// Filter keeps is the token the whole chain would choose, and the
// candidates are not built.
// Keeps may answer false, and Only nothing, when unsure: the chain then
// runs as usual.
type Filter interface {
	Stage
	Keeps(id int32) bool
	// Only reports a token that, whenever Apply keeps it, is the only
	// one Apply keeps (ok false: none).
	Only() (id int32, ok bool)
}

// StageFunc adapts an ordinary function to a Stage.
type StageFunc func(c *Candidates)

// Apply calls f(c).
func (f StageFunc) Apply(c *Candidates) { f(c) }

// Candidates are the tokens still in the running while a Sampler picks one:
// at first every token of the vocabulary, in order of id, with its logit.
// Candidates are indexed 0 to Len()-1; an index names a position in the
// current order, not a token (ID gives the token).
//
// The methods keep track of what the stages have computed: whether the
// candidates are sorted, and their probabilities, which are computed at the
// first call of Prob and again only after a change. None of them allocates.
// The methods panic on an index out of range, as a slice does.
type Candidates struct {
	// These three have the same length, the number of candidates, and the
	// capacity of the vocabulary.
	ids    []int32   // (candidates) the tokens
	logits []float32 // (candidates) logits[i] is the logit of ids[i]
	probs  []float32 // (candidates) softmax(logits) × weightSum when probsValid; else scratch

	// Scratch for selection (sampler_select.go), of the vocabulary's length.
	sel         selection // the candidates as selection orders them
	where       []int32   // where[id] is the index of id, while gathering
	spareIDs    []int32   // the next ids, while gathering
	spareLogits []float32 // the next logits, while gathering
	spareProbs  []float32 // the next probs, while gathering

	sorted     bool    // in order of decreasing logit, then increasing id
	byID       bool    // ids[i] == i for every i
	probsValid bool    // probs, weightSum and logSum are up to date
	weightSum  float64 // Σ probs, when probsValid
	logSum     float64 // log Σ exp(logits), when probsValid
}

// reset makes every token of the vocabulary a candidate, with its logit.
func (c *Candidates) reset(logits []float32) {
	n := len(logits)
	if cap(c.ids) < n || cap(c.spareIDs) < n {
		c.ids, c.spareIDs = make([]int32, n), make([]int32, n)
		c.logits, c.spareLogits = make([]float32, n), make([]float32, n)
		c.probs, c.spareProbs = make([]float32, n), make([]float32, n)
		c.sel = make(selection, n)
		c.where = make([]int32, n)
	}
	c.resize(n)
	copy(c.logits, logits)
	ids, ls := c.ids, c.logits[:n]
	for i := range ids {
		ids[i] = int32(i)
		if ls[i] != ls[i] { // NaN
			ls[i] = float32(math.Inf(-1))
		}
	}
	c.sorted = n == 1
	c.byID = true
	c.probsValid = false
}

// resize sets the number of candidates to n ≤ the vocabulary.
func (c *Candidates) resize(n int) {
	c.ids = c.ids[:n]
	c.logits = c.logits[:n]
	c.probs = c.probs[:n]
}

// Len returns the number of candidates.
func (c *Candidates) Len() int { return len(c.ids) }

// ID returns the token of the i-th candidate.
func (c *Candidates) ID(i int) int32 { return c.ids[i] }

// Logit returns the logit of the i-th candidate.
func (c *Candidates) Logit(i int) float32 { return c.logits[i] }

// SetLogit sets the logit of the i-th candidate (NaN is taken as −Inf).
func (c *Candidates) SetLogit(i int, logit float32) {
	if logit != logit {
		logit = float32(math.Inf(-1))
	}
	c.logits[i] = logit
	c.sorted = false
	c.probsValid = false
}

// Prob returns the probability of the i-th candidate: the softmax of the
// logits over the candidates, at temperature 1. The first call after a
// change computes every candidate's probability, in O(Len()).
func (c *Candidates) Prob(i int) float32 {
	c.ensureProbs()
	return float32(float64(c.probs[i]) / c.weightSum)
}

// Sorted reports whether the candidates are in order of decreasing logit,
// the lowest id first among equals, as Sort and KeepTop leave them.
func (c *Candidates) Sorted() bool { return c.sorted }

// Sort puts the candidates in order of decreasing logit, the lowest id first
// among equals. It does nothing when they are sorted already.
func (c *Candidates) Sort() {
	if c.sorted {
		return
	}
	sel := c.loadByLogit()
	sel.sort()
	c.gather(sel, len(sel))
	c.sorted = true
}

// KeepTop keeps the k candidates of highest logit (at least one), sorted as
// Sort sorts them. It sorts only those: it costs O(Len() + k log k).
func (c *Candidates) KeepTop(k int) {
	k = max(k, 1)
	if k >= c.Len() {
		c.Sort()
		return
	}
	if !c.sorted {
		c.keepTopByLogit(k)
		c.sorted = true
	}
	c.Truncate(k)
}

// Truncate keeps the first n candidates, in their order. It does nothing
// when n ≥ Len().
func (c *Candidates) Truncate(n int) {
	if n >= c.Len() {
		return
	}
	c.resize(max(n, 0))
	c.probsValid = false
}

// DeleteFunc removes the candidates for which del returns true, keeping the
// others in their order.
func (c *Candidates) DeleteFunc(del func(id int32, logit float32) bool) {
	n := 0
	for i, id := range c.ids {
		if l := c.logits[i]; !del(id, l) {
			c.ids[n], c.logits[n], c.probs[n] = id, l, c.probs[i]
			n++
		}
	}
	if n < c.Len() {
		c.byID = false
		c.Truncate(n)
	}
}

// KeepIDs keeps the candidates whose token is in keep, which must be in
// increasing order, and removes the others, keeping their order. While the
// candidates are still the whole vocabulary in order of id, it costs the
// length of keep, not of the vocabulary: a grammar that allows a few
// hundred tokens of 32,000 filters them at that cost.
func (c *Candidates) KeepIDs(keep []int32) {
	for i := 1; i < len(keep); i++ {
		if keep[i] <= keep[i-1] {
			panic("sample: Candidates.KeepIDs: ids not in increasing order")
		}
	}
	if !c.byID {
		c.DeleteFunc(func(id int32, _ float32) bool {
			_, found := slices.BinarySearch(keep, id)
			return !found
		})
		return
	}
	n := 0
	for _, id := range keep {
		if id < 0 || int(id) >= c.Len() {
			continue
		}
		// n <= id: the entries read are not yet overwritten.
		c.ids[n], c.logits[n], c.probs[n] = id, c.logits[id], c.probs[id]
		n++
	}
	if n < c.Len() {
		c.byID = false
		c.Truncate(n)
	}
}

// Swap exchanges the i-th and j-th candidates.
func (c *Candidates) Swap(i, j int) {
	c.ids[i], c.ids[j] = c.ids[j], c.ids[i]
	c.logits[i], c.logits[j] = c.logits[j], c.logits[i]
	c.probs[i], c.probs[j] = c.probs[j], c.probs[i]
	c.sorted = false
	c.byID = false
}

// ensureProbs computes the softmax of the logits over the candidates,
// unless it is up to date: probs gets the weights exp(logit − max), whose
// total is weightSum, and logSum is log Σ exp(logit). When every logit is
// −Inf, the first candidate gets weight 1; when some are +Inf, they share
// the probability.
func (c *Candidates) ensureProbs() {
	if c.probsValid {
		return
	}
	c.probsValid = true
	probs := c.probs
	top := float64(c.maxLogit())
	switch {
	case math.IsInf(top, -1):
		clear(probs)
		probs[0] = 1
		c.weightSum, c.logSum = 1, top
		return
	case math.IsInf(top, 1):
		c.weightSum, c.logSum = c.infiniteWeights(), top
		return
	}
	sum := 0.0
	for i, l := range c.logits {
		w := float32(expNonPositive(float64(l) - top))
		probs[i] = w
		sum += float64(w)
	}
	c.weightSum = sum
	c.logSum = top + math.Log(sum)
}

// infiniteWeights gives weight 1 to the candidates whose logit is +Inf and
// 0 to the others, and returns how many have weight 1.
func (c *Candidates) infiniteWeights() float64 {
	n := 0
	for i, l := range c.logits {
		c.probs[i] = 0
		if math.IsInf(float64(l), 1) {
			c.probs[i] = 1
			n++
		}
	}
	return float64(n)
}

// maxLogit returns the highest logit of the candidates.
func (c *Candidates) maxLogit() float32 {
	if c.sorted {
		return c.logits[0]
	}
	// Four running maxima, not one, so that each comparison need not wait
	// for the one before: twice as fast. (The builtin max would be slower
	// still, for its care of NaN and −0, absent here.)
	ls := c.logits
	t0, t1, t2, t3 := ls[0], ls[0], ls[0], ls[0]
	i := 0
	for ; i+4 <= len(ls); i += 4 {
		if l := ls[i]; l > t0 {
			t0 = l
		}
		if l := ls[i+1]; l > t1 {
			t1 = l
		}
		if l := ls[i+2]; l > t2 {
			t2 = l
		}
		if l := ls[i+3]; l > t3 {
			t3 = l
		}
	}
	for ; i < len(ls); i++ {
		if l := ls[i]; l > t0 {
			t0 = l
		}
	}
	return max(t0, t1, t2, t3)
}

// argmax returns the token of highest logit, the lowest id among equals.
func (c *Candidates) argmax() int32 {
	if c.sorted {
		return c.ids[0]
	}
	ls := c.logits
	best, top := 0, ls[0]
	for i := 1; i < len(ls); i++ {
		// In order of id, the first of equals is the lowest id.
		if l := ls[i]; l > top || (l == top && !c.byID && c.ids[i] < c.ids[best]) {
			best, top = i, l
		}
	}
	return c.ids[best]
}
