package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// samplerRefOrder returns the ids of logits in order of decreasing logit, the
// lowest id first among equals.
func samplerRefOrder(logits []float32) []int32 {
	ids := make([]int32, len(logits))
	for i := range ids {
		ids[i] = int32(i)
	}
	slices.SortStableFunc(ids, func(a, b int32) int {
		switch {
		case logits[a] > logits[b]:
			return -1
		case logits[a] < logits[b]:
			return 1
		}
		return 0
	})
	return ids
}

func samplerCandidateIDs(c *Candidates) []int32 {
	ids := make([]int32, c.Len())
	for i := range ids {
		ids[i] = c.ID(i)
	}
	return ids
}

func TestCandidatesKeepTopAndSort(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var c Candidates
	for _, n := range []int{1, 2, 3, 50, 1000, samplerVocab} {
		logits := make([]float32, n)
		for i := range logits {
			logits[i] = float32(math.Round(r.NormFloat64() * 8)) // many ties
		}
		want := samplerRefOrder(logits)
		for _, k := range []int{-1, 0, 1, 2, 5, 40, 64, 999, n - 1, n, n + 5} {
			c.reset(logits)
			c.KeepTop(k)
			kept := min(max(k, 1), n)
			assert.Equal(t, want[:kept], samplerCandidateIDs(&c), "n=%d k=%d", n, k)
			assert.True(t, c.Sorted())
		}
		c.reset(logits)
		c.Sort()
		assert.Equal(t, want, samplerCandidateIDs(&c))
		c.KeepTop(3) // on sorted candidates
		assert.Equal(t, want[:min(3, n)], samplerCandidateIDs(&c))
	}
}

func TestCandidatesEdit(t *testing.T) {
	var c Candidates
	c.reset([]float32{0, 3, 1, 2, float32(math.NaN())})
	assert.Equal(t, samplerNegInf, c.Logit(4), "NaN is −Inf")
	assert.False(t, c.Sorted())
	c.Sort()
	assert.Equal(t, []int32{1, 3, 2, 0, 4}, samplerCandidateIDs(&c))
	assert.InDelta(t, math.Exp(3)/(1+math.Exp(1)+math.Exp(2)+math.Exp(3)), c.Prob(0), 1e-7)
	assert.Zero(t, c.Prob(4))
	c.Swap(0, 1)
	assert.False(t, c.Sorted())
	assert.InDelta(t, math.Exp(3)/(1+math.Exp(1)+math.Exp(2)+math.Exp(3)), c.Prob(1), 1e-7, "probabilities move with their tokens")
	c.DeleteFunc(func(id int32, logit float32) bool { return id == 3 || math.IsInf(float64(logit), -1) })
	assert.Equal(t, []int32{1, 2, 0}, samplerCandidateIDs(&c))
	assert.InDelta(t, math.Exp(3)/(1+math.Exp(1)+math.Exp(3)), c.Prob(0), 1e-7, "renormalised")
	c.SetLogit(2, 3)
	assert.InDelta(t, math.Exp(3)/(2*math.Exp(3)+math.Exp(1)), c.Prob(2), 1e-7)
	c.Truncate(10)
	assert.Equal(t, 3, c.Len())
	c.Truncate(1)
	assert.Equal(t, []int32{1}, samplerCandidateIDs(&c))
	assert.Equal(t, float32(1), c.Prob(0))
}

func TestCandidatesProbs(t *testing.T) {
	logits := samplerLogits(samplerVocab, 5)
	var c Candidates
	c.reset(logits)
	top := float64(slices.Max(logits))
	sum := 0.0
	for _, l := range logits {
		sum += math.Exp(float64(l) - top)
	}
	total := 0.0
	for i := range c.Len() {
		want := math.Exp(float64(logits[c.ID(i)])-top) / sum
		assert.InEpsilon(t, want, c.Prob(i), 1e-6)
		total += float64(c.Prob(i))
	}
	assert.InDelta(t, 1, total, 1e-5)
}

func TestExpNonPositive(t *testing.T) {
	worst := 0.0
	for x := 0.0; x >= -104; x -= 1.0 / 1024 {
		want := math.Exp(x)
		worst = max(worst, math.Abs(expNonPositive(x)-want)/want)
	}
	assert.Less(t, worst, 1e-8)
	assert.Equal(t, 1.0, expNonPositive(0))
	assert.Zero(t, expNonPositive(-105))
	assert.Zero(t, expNonPositive(math.Inf(-1)))
	assert.Zero(t, expNonPositive(math.NaN()))
}

// hardLogits returns n logits of which about one in eight is NaN, one in
// eight -Inf and one in eight a tie (-0, 0, 1 or 2), the rest normal.
func hardLogits(rng *rand.Rand, n int) []float32 {
	l := make([]float32, n)
	for i := range l {
		switch rng.IntN(8) {
		case 0:
			l[i] = float32(math.NaN())
		case 1:
			l[i] = float32(math.Inf(-1))
		case 2:
			l[i] = []float32{float32(math.Copysign(0, -1)), 0, 1, 2}[rng.IntN(4)]
		default:
			l[i] = float32(rng.NormFloat64())
		}
	}
	return l
}

// TestGreedyShortcut: greedy sampling with nothing to apply takes the
// largest logit straight from the logits; it must pick what the candidates
// would (NaN as -Inf, the lowest id of equals, id 0 when all are -Inf).
// largest, which finds it, returns the first ids of the sorted candidates.
func TestGreedyShortcut(t *testing.T) {
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	negZero := float32(math.Copysign(0, -1))
	cases := [][]float32{
		{1}, {nan}, {-inf}, {nan, nan}, {-inf, -inf, -inf}, {nan, 2, 2}, {3, nan, 3},
		{-inf, nan, -5}, {inf, inf}, {0, negZero}, {negZero, 0}, {-1, -1, -0.5, -0.5},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 400 {
		n := 1 + rng.IntN(40)
		if i%2 == 1 {
			n = 1 + rng.IntN(400) // whole blocks of largest's, and a rest
		}
		l := hardLogits(rng, n)
		cases = append(cases, l)
	}
	var c Candidates
	var s Sampler
	var buf [greedyTries]int32
	for _, l := range cases {
		c.reset(l)
		want := c.argmax()
		assert.Equal(t, want, s.Sample(l), "%v: Sampler.Sample at temperature 0", l)
		// largest: the first ids of the sorted candidates, those above -Inf.
		finite := make([]float32, len(l))
		for i := range finite {
			finite[i] = c.Logit(i) // NaN made -Inf
		}
		ref := slices.DeleteFunc(samplerRefOrder(finite), func(id int32) bool { return math.IsInf(float64(finite[id]), -1) })
		ref = ref[:min(len(ref), greedyTries)]
		assert.Equal(t, ref, slices.Clone(largest(&buf, l)), "%v", l)
	}
}

// TestKeepIDs: KeepIDs leaves what DeleteFunc with the same set leaves,
// from the whole vocabulary and from candidates already filtered and
// reordered.
func TestKeepIDs(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const vocab = 300
	logits := make([]float32, vocab)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64())
	}
	state := func(c *Candidates) (ids []int32, ls []float32) {
		for i := range c.Len() {
			ids, ls = append(ids, c.ID(i)), append(ls, c.Logit(i))
		}
		return ids, ls
	}
	for trial := range 100 {
		var keep []int32
		for id := int32(-2); id < vocab+3; id++ {
			if rng.IntN(4) == 0 {
				keep = append(keep, id) // a few outside the vocabulary too
			}
		}
		var a, b Candidates
		a.reset(logits)
		b.reset(logits)
		if trial%2 == 1 { // not the whole vocabulary in order of id any more
			a.KeepTop(200)
			b.KeepTop(200)
		}
		a.KeepIDs(keep)
		b.DeleteFunc(func(id int32, _ float32) bool { _, ok := slices.BinarySearch(keep, id); return !ok })
		ai, al := state(&a)
		bi, bl := state(&b)
		require.Equal(t, bi, ai, "trial %d", trial)
		require.Equal(t, bl, al, "trial %d", trial)
		assert.Equal(t, b.argmax(), a.argmax(), "trial %d", trial)
	}
	var c Candidates
	c.reset(logits)
	assert.Panics(t, func() { c.KeepIDs([]int32{5, 3}) }, "ids out of order")
	c.KeepTop(10)
	assert.Panics(t, func() { c.KeepIDs([]int32{5, 5}) }, "ids repeated, candidates not by id")
}

// idFilter keeps the tokens of a set; Keeps says so, or lies when lie is
// set (the control: a shortcut trusting it must then go wrong).
type idFilter struct {
	keep    []bool
	lie     bool
	applied *int
}

func (f idFilter) Apply(c *Candidates) {
	*f.applied++
	c.DeleteFunc(func(id int32, _ float32) bool { return !f.keep[id] })
}

func (f idFilter) Keeps(id int32) bool { return f.lie || f.keep[id] }

// Only names the one token kept, when there is one.
func (f idFilter) Only() (int32, bool) {
	only, n := int32(0), 0
	for id, k := range f.keep {
		if k {
			only, n = int32(id), n+1
		}
	}
	return only, n == 1 && !f.lie
}

// TestFilterShortcut: greedy sampling through Filters alone takes the
// token a Filter keeps alone, or else the first of the largest logits that
// they all keep, without running them, and otherwise
// runs them: either way the token the same stages choose when they are
// not Filters (run as plain Stages, always). Two filters in a chain, logits
// with NaN, -Inf and ties. A filter whose Keeps lies makes the shortcut
// choose wrong tokens, which the comparison sees.
func TestFilterShortcut(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	mismatches := func(lie bool) (wrong, skipped int) {
		for range 400 {
			n := 1 + rng.IntN(40)
			l := hardLogits(rng, n)
			a, b := make([]bool, n), make([]bool, n)
			for i := range n {
				a[i], b[i] = rng.IntN(3) > 0, rng.IntN(4) > 0
			}
			a[rng.IntN(n)], b[0] = true, true // something is left
			for i := range n {
				b[i] = b[i] || a[i] // the second keeps all the first does, so one at least survives both
			}
			var applied int
			fa, fb := idFilter{keep: a, lie: lie, applied: &applied}, idFilter{keep: b, applied: &applied}
			filters, err := New(Config{Stages: []Stage{fa, fb}})
			require.NoError(t, err)
			plain, err := New(Config{Stages: []Stage{StageFunc(fa.Apply), StageFunc(fb.Apply)}})
			require.NoError(t, err)
			want := plain.Sample(l)
			applied = 0
			got := filters.Sample(l)
			if got != want {
				wrong++
			}
			// What the shortcut tries: the only token, or the largest logits.
			var buf [greedyTries]int32
			tried := largest(&buf, l)
			if only, ok := fa.Only(); ok {
				tried = []int32{only}
			}
			kept := slices.ContainsFunc(tried, func(id int32) bool { return a[id] && b[id] })
			if applied == 0 {
				skipped++
			}
			if !lie {
				assert.Equal(t, kept, applied == 0, "%v: stages skipped, though none of %v is kept by both, or run though one is", l, tried)
			}
		}
		return wrong, skipped
	}
	wrong, skipped := mismatches(false)
	assert.Zero(t, wrong, "the shortcut chose other tokens than the stages")
	assert.Greater(t, skipped, 50, "the shortcut was taken %d times of 400", skipped)
	wrong, _ = mismatches(true)
	assert.Greater(t, wrong, 0, "control: a lying Filter went unnoticed")
}
