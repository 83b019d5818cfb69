package sample

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The statistical tests draw many tokens with a fixed seed and compare their
// counts with the distribution the configuration defines, computed here
// independently: in float64, by full sorts, straight from the definitions of
// the stages. The chi-square critical value is for a false-positive rate of
// 1e-6, so the tests are deterministic and still catch small errors.
const samplerAlpha = 1e-6

// samplerMargin is how far from a stage's boundary (a cumulative probability
// against TopP or TypicalP, a ratio against MinP, a typicality score against
// the next) the test data must stay, so that float32 rounding in the
// Sampler cannot decide which tokens are kept.
const samplerMargin = 1e-5

// samplerRef is the distribution a configuration defines over the logits.
type samplerRef struct {
	probs []float64 // (vocabulary) the probability of each token
	kept  []int32   // the tokens left after truncation, in increasing order
	close string    // when not "", why the data is too close to a boundary
}

// samplerReference computes, in float64, the distribution a Sampler with cfg
// must draw from, after the accepted tokens; stage, if not nil, stands for
// cfg.Stages, applied to the logits by id.
func samplerReference(logits []float32, accepted []int32, cfg Config, stage func(l []float64) []bool) samplerRef {
	n := len(logits)
	l := make([]float64, n)
	for i, v := range logits {
		l[i] = float64(v)
	}
	for id, b := range cfg.LogitBias {
		if id >= 0 && int(id) < n {
			l[id] += float64(b)
		}
	}
	window := cfg.PenaltyWindow
	if window == 0 {
		window = 64
	}
	counts := map[int32]int{}
	for _, id := range accepted[max(0, len(accepted)-window):] {
		counts[id]++
	}
	for id, k := range counts {
		if int(id) >= n {
			continue
		}
		if rp := float64(cfg.RepeatPenalty); rp > 0 && rp != 1 {
			if l[id] > 0 {
				l[id] /= rp
			} else {
				l[id] *= rp
			}
		}
		l[id] -= float64(k)*float64(cfg.FrequencyPenalty) + float64(cfg.PresencePenalty)
	}
	alive := make([]int32, 0, n)
	var removed []bool
	if stage != nil {
		removed = stage(l)
	}
	for i := range n {
		if removed == nil || !removed[i] {
			alive = append(alive, int32(i))
		}
	}

	var ref samplerRef
	byLogit := func() {
		slices.SortFunc(alive, func(a, b int32) int {
			if c := cmp.Compare(l[b], l[a]); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
	}
	softmax := func() map[int32]float64 {
		top := math.Inf(-1)
		for _, id := range alive {
			top = max(top, l[id])
		}
		p := make(map[int32]float64, len(alive))
		sum := 0.0
		for _, id := range alive {
			p[id] = math.Exp(l[id] - top)
			sum += p[id]
		}
		for id := range p {
			p[id] /= sum
		}
		return p
	}
	// cut returns how many of alive (in order) it takes for their
	// probability to reach target.
	cut := func(p map[int32]float64, target float64, what string) int {
		cum := 0.0
		for i, id := range alive {
			before := cum
			cum += p[id]
			if cum >= target {
				if target-before < samplerMargin || cum-target < samplerMargin {
					ref.close = what + ": cumulative probability near the threshold"
				}
				return i + 1
			}
		}
		return len(alive)
	}

	if k := cfg.TopK; k > 0 && k < len(alive) {
		byLogit()
		alive = alive[:k]
	}
	if tp := float64(cfg.TypicalP); tp > 0 && tp < 1 {
		p := softmax()
		entropy := 0.0
		for _, id := range alive {
			if p[id] > 0 {
				entropy -= p[id] * math.Log(p[id])
			}
		}
		score := func(id int32) float64 { return math.Abs(-math.Log(p[id]) - entropy) }
		slices.SortFunc(alive, func(a, b int32) int {
			if c := cmp.Compare(score(a), score(b)); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		k := cut(p, tp, "typical-p")
		if k < len(alive) && l[alive[k]] != l[alive[k-1]] && score(alive[k])-score(alive[k-1]) < 1e-4 {
			ref.close = "typical-p: two scores near each other at the cut"
		}
		alive = alive[:k]
	}
	if tp := float64(cfg.TopP); tp > 0 && tp < 1 {
		p := softmax()
		byLogit()
		alive = alive[:cut(p, tp, "top-p")]
	}
	if mp := float64(cfg.MinP); mp > 0 {
		p := softmax()
		top := 0.0
		for _, id := range alive {
			top = max(top, p[id])
		}
		alive = slices.DeleteFunc(alive, func(id int32) bool {
			if math.Abs(p[id]/top-mp) < samplerMargin {
				ref.close = "min-p: a ratio near the threshold"
			}
			return p[id] < mp*top
		})
	}

	ref.probs = make([]float64, n)
	top := math.Inf(-1)
	for _, id := range alive {
		top = max(top, l[id])
	}
	sum := 0.0
	for _, id := range alive {
		ref.probs[id] = math.Exp((l[id] - top) / float64(cfg.Temperature))
		sum += ref.probs[id]
	}
	for _, id := range alive {
		ref.probs[id] /= sum
	}
	ref.kept = slices.Sorted(slices.Values(alive))
	return ref
}

// samplerStatCase is a configuration whose draws are tested.
type samplerStatCase struct {
	name     string
	cfg      Config
	accepted []int32
	// stage is cfg.Stages for the reference: it may change the logits (by
	// id) and returns which tokens it removed (nil: none).
	stage func(l []float64) []bool
}

// samplerCounts draws n tokens with cfg and counts them.
func samplerCounts(tc samplerStatCase, logits []float32, n int) []int {
	s := mustNew(tc.cfg)
	for _, id := range tc.accepted {
		s.Accept(id)
	}
	counts := make([]int, len(logits))
	for range n {
		counts[s.Sample(logits)]++ // not accepted: the distribution stays fixed
	}
	return counts
}

func runSamplerStatCases(t *testing.T, logits []float32, draws int, cases []samplerStatCase) {
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.cfg.Seed = uint64(1000 + i)
			ref := samplerReference(logits, tc.accepted, tc.cfg, tc.stage)
			require.Empty(t, ref.close, "test data too close to a boundary; change it")
			counts := samplerCounts(tc, logits, draws)
			stat, df := samplerChiSquare(t, counts, ref.probs, draws)
			if df == 0 {
				return // one possible token, always drawn (checked above)
			}
			crit := samplerChiSquareCritical(df, samplerAlpha)
			assert.Less(t, stat, crit, "chi-square with %d degrees of freedom", df)
			t.Logf("%d tokens kept, chi-square %.1f, %d degrees of freedom, critical %.1f", len(ref.kept), stat, df, crit)
		})
	}
}

// samplerSmallLogits is a vocabulary of 8 tokens for the statistical tests.
var samplerSmallLogits = []float32{1.2, 0.3, -0.5, 2.0, 0.0, -1.7, 0.9, 1.5}

func TestChiSquareSmallVocabulary(t *testing.T) {
	draws := 200_000
	if testing.Short() || raceEnabled {
		draws = 20_000
	}
	evenUpNoFour := func(l []float64) []bool {
		removed := make([]bool, len(l))
		for id := range l {
			if id%2 == 0 {
				l[id]++
			}
		}
		removed[4] = true
		return removed
	}
	cases := []samplerStatCase{
		{name: "temperature 1", cfg: Config{Temperature: 1}},
		{name: "temperature 0.5", cfg: Config{Temperature: 0.5}},
		{name: "temperature 2.5", cfg: Config{Temperature: 2.5}},
		{name: "top-k 3", cfg: Config{Temperature: 1, TopK: 3}},
		{name: "top-k 5 temperature 0.7", cfg: Config{Temperature: 0.7, TopK: 5}},
		{name: "top-p 0.6", cfg: Config{Temperature: 1, TopP: 0.6}},
		{name: "top-p 0.85 temperature 1.5", cfg: Config{Temperature: 1.5, TopP: 0.85}},
		{name: "min-p 0.3", cfg: Config{Temperature: 1, MinP: 0.3}},
		{name: "min-p 0.1 temperature 1.8", cfg: Config{Temperature: 1.8, MinP: 0.1}},
		{name: "typical-p 0.5", cfg: Config{Temperature: 1, TypicalP: 0.5}},
		{name: "typical-p 0.9 temperature 1.2", cfg: Config{Temperature: 1.2, TypicalP: 0.9}},
		{name: "all truncations", cfg: Config{Temperature: 0.8, TopK: 7, TypicalP: 0.95, TopP: 0.9, MinP: 0.1}},
		{name: "penalties and bias", accepted: []int32{3, 3, 7, 0, 3, 1}, cfg: Config{
			Temperature: 1, RepeatPenalty: 1.3, FrequencyPenalty: 0.2, PresencePenalty: 0.4, PenaltyWindow: 4,
			LogitBias: map[int32]float32{5: 1.5, 2: samplerNegInf},
		}},
		{name: "penalties and truncation", accepted: []int32{3, 7, 7}, cfg: Config{
			Temperature: 0.9, RepeatPenalty: 1.5, FrequencyPenalty: 0.1, TopK: 5, TopP: 0.8,
		}},
		{name: "caller's stage", stage: evenUpNoFour, cfg: Config{
			Temperature: 1.1, TopK: 6,
			Stages: []Stage{StageFunc(func(c *Candidates) {
				for i := range c.Len() {
					if c.ID(i)%2 == 0 {
						c.SetLogit(i, c.Logit(i)+1)
					}
				}
				c.DeleteFunc(func(id int32, _ float32) bool { return id == 4 })
			})},
		}},
	}
	runSamplerStatCases(t, samplerSmallLogits, draws, cases)
}

func TestChiSquareLargeVocabulary(t *testing.T) {
	// Every draw here costs passes over the vocabulary: fewer draws, still
	// many more than the tokens that matter.
	draws := 10_000
	switch {
	case raceEnabled:
		draws = 200 // the code paths run; the statistics are the normal run's
	case testing.Short():
		draws = 1_000
	}
	logits := samplerLogits(samplerVocab, 11)
	boosted := samplerRefOrder(logits)[:8] // likely tokens, to penalise
	cases := []samplerStatCase{
		{name: "temperature 1", cfg: Config{Temperature: 1}},
		{name: "top-k 40 temperature 0.7", cfg: Config{Temperature: 0.7, TopK: 40}},
		{name: "top-p 0.9", cfg: Config{Temperature: 1, TopP: 0.9}},
		{name: "typical-p 0.8 temperature 1.2", cfg: Config{Temperature: 1.2, TypicalP: 0.8}},
		{name: "everything", accepted: boosted, cfg: Config{
			Temperature: 0.9, TopK: 2000, TypicalP: 0.97, TopP: 0.95, MinP: 0.005,
			RepeatPenalty: 1.2, FrequencyPenalty: 0.3, PresencePenalty: 0.2,
			LogitBias: map[int32]float32{boosted[0]: samplerNegInf, 5: 9},
		}},
	}
	runSamplerStatCases(t, logits, draws, cases)
}

func TestChiSquareDetectsWrongDistribution(t *testing.T) {
	// The test is worth something only if it fails for a distribution that
	// is slightly off: here, temperature 1.1 drawn, 1 expected.
	draws := 200_000
	counts := samplerCounts(samplerStatCase{cfg: Config{Temperature: 1.1, Seed: 1}}, samplerSmallLogits, draws)
	ref := samplerReference(samplerSmallLogits, nil, Config{Temperature: 1}, nil)
	stat, df := samplerChiSquare(t, counts, ref.probs, draws)
	assert.Greater(t, stat, samplerChiSquareCritical(df, samplerAlpha))
}

func TestTruncationKeepsExactSets(t *testing.T) {
	// The tokens each truncating stage keeps, on large vocabularies where
	// selection and partitioning, not sorting, do the work.
	var c Candidates
	checked := 0
	seeds := 6
	if testing.Short() || raceEnabled {
		seeds = 2
	}
	for seed := range uint64(seeds) {
		logits := samplerLogits(samplerVocab, 100+seed)
		for _, cfg := range []Config{
			{TopK: 1}, {TopK: 37}, {TopK: 5000},
			{TopP: 0.3}, {TopP: 0.9}, {TopP: 0.99},
			{TypicalP: 0.2}, {TypicalP: 0.8}, {TypicalP: 0.95},
			{MinP: 0.5}, {MinP: 0.01},
			{TopK: 300, TypicalP: 0.9, TopP: 0.95, MinP: 0.001},
		} {
			cfg.Temperature = 1
			ref := samplerReference(logits, nil, cfg, nil)
			if ref.close != "" {
				continue
			}
			s := mustNew(cfg)
			c.reset(logits)
			s.truncate(&c)
			got := slices.Sorted(slices.Values(samplerCandidateIDs(&c)))
			assert.Equal(t, ref.kept, got, "seed %d, %+v", seed, cfg)
			checked++
		}
	}
	assert.Greater(t, checked, 8*seeds, "too many cases skipped as near a boundary")
	t.Log(strconv.Itoa(checked) + " sets checked")
}
