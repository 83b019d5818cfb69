package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var samplerNegInf = float32(math.Inf(-1))

// samplerRecorder is a Stage that records the logits it sees, by token id, and
// the number of candidates.
type samplerRecorder struct {
	logits []float32 // (vocabulary) NaN for the tokens no longer candidates
	len    int
}

func (r *samplerRecorder) Apply(c *Candidates) {
	r.len = c.Len()
	for i := range r.logits {
		r.logits[i] = float32(math.NaN())
	}
	for i := range c.Len() {
		r.logits[c.ID(i)] = c.Logit(i)
	}
}

// samplerStageLogits returns the logits a caller's Stage sees for cfg, after the
// accepted tokens: the logits after the bias and the penalties.
func samplerStageLogits(cfg Config, accepted []int32, logits []float32) []float32 {
	rec := &samplerRecorder{logits: make([]float32, len(logits))}
	cfg.Stages = append(slices.Clone(cfg.Stages), rec)
	s := mustNew(cfg)
	for _, id := range accepted {
		s.Accept(id)
	}
	s.Sample(logits)
	return rec.logits
}

// samplerRefArgmax is the greedy answer, computed plainly: the highest logit, the
// lowest id among equals, NaN never chosen unless all are NaN or −Inf.
func samplerRefArgmax(logits []float32) int32 {
	best := int32(0)
	for i, l := range logits {
		b := logits[best]
		if l > b || (b != b && l == l) {
			best = int32(i)
		}
	}
	return best
}

func TestPenaltiesAndBiasExact(t *testing.T) {
	// Every value below is exact in float32, so the expected logits are
	// written out by hand from the definitions.
	base := []float32{2, -2, 0, 1.5, -1, 3, 0.5, -0.5}
	tests := []struct {
		name     string
		cfg      Config
		accepted []int32
		want     []float32
	}{
		{"nothing", Config{}, []int32{0, 1, 2}, base},
		{"penalties off without history", Config{RepeatPenalty: 2, FrequencyPenalty: 1, PresencePenalty: 1}, nil, base},
		{"repeat: positive divided, negative and zero multiplied",
			Config{RepeatPenalty: 2}, []int32{0, 1, 2, 0},
			[]float32{1, -4, 0, 1.5, -1, 3, 0.5, -0.5}},
		{"repeat below 1 encourages",
			Config{RepeatPenalty: 0.5}, []int32{0, 1},
			[]float32{4, -1, 0, 1.5, -1, 3, 0.5, -0.5}},
		{"repeat 1 is off", Config{RepeatPenalty: 1}, []int32{0, 1}, base},
		{"frequency: once per occurrence",
			Config{FrequencyPenalty: 0.5}, []int32{3, 3, 3, 4},
			[]float32{2, -2, 0, 0, -1.5, 3, 0.5, -0.5}},
		{"presence: once",
			Config{PresencePenalty: 0.25}, []int32{3, 3, 5},
			[]float32{2, -2, 0, 1.25, -1, 2.75, 0.5, -0.5}},
		{"negative frequency encourages",
			Config{FrequencyPenalty: -1}, []int32{2, 2},
			[]float32{2, -2, 2, 1.5, -1, 3, 0.5, -0.5}},
		{"all three",
			Config{RepeatPenalty: 2, FrequencyPenalty: 0.5, PresencePenalty: 0.25}, []int32{5, 5, 1},
			[]float32{2, -4.75, 0, 1.5, -1, 0.25, 0.5, -0.5}},
		{"window: only the last tokens count",
			Config{FrequencyPenalty: 1, PenaltyWindow: 2}, []int32{0, 0, 0, 6, 7},
			[]float32{2, -2, 0, 1.5, -1, 3, -0.5, -1.5}},
		{"window wraps around",
			Config{FrequencyPenalty: 1, PenaltyWindow: 3}, []int32{1, 2, 3, 4, 5, 3},
			[]float32{2, -2, 0, 0.5, -2, 2, 0.5, -0.5}},
		{"default window holds 64 tokens",
			Config{PresencePenalty: 1}, append([]int32{1}, slices.Repeat([]int32{2}, 63)...),
			[]float32{2, -3, -1, 1.5, -1, 3, 0.5, -0.5}},
		{"default window forgets the 65th most recent",
			Config{PresencePenalty: 1}, append([]int32{1}, slices.Repeat([]int32{2}, 64)...),
			[]float32{2, -2, -1, 1.5, -1, 3, 0.5, -0.5}},
		{"tokens outside the vocabulary are ignored",
			Config{FrequencyPenalty: 1}, []int32{100, 7, 8},
			[]float32{2, -2, 0, 1.5, -1, 3, 0.5, -1.5}},
		{"bias",
			Config{LogitBias: map[int32]float32{1: 1, 5: samplerNegInf, 6: -0.25, 9: 100}}, nil,
			[]float32{2, -1, 0, 1.5, -1, samplerNegInf, 0.25, -0.5}},
		{"bias before penalties",
			Config{LogitBias: map[int32]float32{0: 2}, RepeatPenalty: 2}, []int32{0},
			[]float32{2, -2, 0, 1.5, -1, 3, 0.5, -0.5}}, // (2+2)/2, not 2/2+2
		{"forbidden stays forbidden under penalties",
			Config{LogitBias: map[int32]float32{3: samplerNegInf}, RepeatPenalty: 2, FrequencyPenalty: -5}, []int32{3},
			[]float32{2, -2, 0, samplerNegInf, -1, 3, 0.5, -0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logits := slices.Clone(base)
			got := samplerStageLogits(tt.cfg, tt.accepted, logits)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, base, logits, "Sample modified its input")
		})
	}
}

func TestResetForgetsHistory(t *testing.T) {
	base := []float32{2, -2, 0, 1.5}
	cfg := Config{FrequencyPenalty: 1, Temperature: 1, Seed: 9}
	rec := &samplerRecorder{logits: make([]float32, len(base))}
	cfg.Stages = []Stage{rec}
	a, b := mustNew(cfg), mustNew(cfg)
	a.Accept(0)
	a.Accept(3)
	a.Sample(base)
	assert.Equal(t, []float32{1, -2, 0, 0.5}, rec.logits)
	b.Sample(base)

	a.Reset()
	for range 100 { // the generators go on in step
		assert.Equal(t, b.Sample(base), a.Sample(base))
		assert.Equal(t, base, rec.logits)
	}
}

func TestGreedyIsArgmax(t *testing.T) {
	nan := float32(math.NaN())
	tests := []struct {
		name   string
		logits []float32
		want   int32
	}{
		{"single", []float32{-3}, 0},
		{"plain", []float32{0.1, 2.5, -1, 2.4}, 1},
		{"ties: lowest id", []float32{1, 3, 2, 3, 3}, 1},
		{"negative", []float32{-5, -4, -4.5}, 1},
		{"NaN never wins", []float32{nan, -1, nan, -2}, 1},
		{"−Inf never wins", []float32{samplerNegInf, -100, samplerNegInf}, 1},
		{"all −Inf: lowest id", []float32{samplerNegInf, samplerNegInf, samplerNegInf}, 0},
		{"+Inf wins", []float32{3, float32(math.Inf(1)), 2}, 1},
	}
	configs := []Config{
		{},
		{TopK: 2, TopP: 0.5, MinP: 0.3},        // skipped when greedy
		{TypicalP: 0.1, Seed: 3},               // typical-p could drop the argmax: skipped
		{LogitBias: map[int32]float32{99: -1}}, // outside the vocabulary
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, samplerRefArgmax(tt.logits))
			for _, cfg := range configs {
				assert.Equal(t, tt.want, mustNew(cfg).Sample(tt.logits), "%+v", cfg)
			}
		})
	}
}

func TestTopKOneEqualsGreedy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	greedy := mustNew(Config{})
	top1 := []*Sampler{
		mustNew(Config{TopK: 1, Temperature: 0.5, Seed: 1}),
		mustNew(Config{TopK: 1, Temperature: 1, Seed: 2}),
		mustNew(Config{TopK: 1, Temperature: 3, TopP: 0.5, MinP: 0.5, Seed: 3}),
	}
	for _, vocab := range []int{1, 2, 7, 100, samplerVocab} {
		for range 20 {
			logits := make([]float32, vocab)
			for i := range logits {
				// Rounded to halves, so that ties are frequent.
				logits[i] = float32(math.Round(r.NormFloat64()*6) / 2)
			}
			want := samplerRefArgmax(logits)
			require.Equal(t, want, greedy.Sample(logits))
			for _, s := range top1 {
				assert.Equal(t, want, s.Sample(logits))
			}
		}
	}
}

// samplerDraws returns n tokens sampled by s from logits, each accepted.
func samplerDraws(s *Sampler, logits []float32, n int) []int32 {
	out := make([]int32, n)
	for i := range out {
		out[i] = s.Sample(logits)
		s.Accept(out[i])
	}
	return out
}

func TestSeed(t *testing.T) {
	logits := samplerLogits(1000, 3)
	cfg := Config{Temperature: 1.5, TopK: 200, RepeatPenalty: 1.2}
	seeded := func(seed uint64) []int32 {
		c := cfg
		c.Seed = seed
		return samplerDraws(mustNew(c), logits, 300)
	}
	assert.Equal(t, seeded(42), seeded(42), "the same seed gives the same tokens")
	runs := [][]int32{seeded(1), seeded(2), seeded(3), seeded(1 << 40), seeded(0), seeded(0)}
	for i := range runs {
		for j := range i {
			assert.NotEqual(t, runs[i], runs[j], "runs %d and %d", i, j)
		}
	}
}

func TestForbiddenNeverChosen(t *testing.T) {
	logits := []float32{5, 4, 3, 2, 1, 0}
	forbid := map[int32]float32{0: samplerNegInf, 2: samplerNegInf, 5: samplerNegInf}
	for _, cfg := range []Config{
		{LogitBias: forbid},
		{LogitBias: forbid, Temperature: 100, Seed: 1},
		{LogitBias: forbid, Temperature: 5, TypicalP: 0.99, Seed: 2},
		{LogitBias: forbid, Temperature: 5, TopP: 0.999, TopK: 5, MinP: 0.0001, Seed: 3},
	} {
		s := mustNew(cfg)
		seen := map[int32]int{}
		for range 5000 {
			seen[s.Sample(logits)]++
		}
		for id := range forbid {
			assert.Zero(t, seen[id], "token %d was forbidden (%+v)", id, cfg)
		}
		if cfg.Temperature > 0 {
			assert.Len(t, seen, 3, "every allowed token is drawn")
		}
	}
	// +Inf: only those tokens are possible, equally.
	plus := float32(math.Inf(1))
	for _, cfg := range []Config{
		{LogitBias: map[int32]float32{1: plus, 4: plus}, Temperature: 1, Seed: 1},
		{LogitBias: map[int32]float32{1: plus, 4: plus}, Temperature: 0.5, TopK: 3, TopP: 0.9, TypicalP: 0.9, MinP: 0.1, Seed: 2},
	} {
		s := mustNew(cfg)
		seen := map[int32]int{}
		for range 2000 {
			seen[s.Sample(logits)]++
		}
		assert.Len(t, seen, 2, "%+v", cfg)
		assert.InDelta(t, 1000, seen[1], 150, "%+v", cfg)
		assert.Equal(t, int32(1), mustNew(Config{LogitBias: cfg.LogitBias}).Sample(logits))
	}
	// Everything forbidden: the lowest id, deterministically.
	all := map[int32]float32{0: samplerNegInf, 1: samplerNegInf, 2: samplerNegInf}
	for _, cfg := range []Config{{LogitBias: all}, {LogitBias: all, Temperature: 1, TopP: 0.5, TypicalP: 0.5, MinP: 0.5, Seed: 1}} {
		assert.Equal(t, int32(0), mustNew(cfg).Sample([]float32{1, 2, 3}))
	}
}

func TestStagesRunWhereDocumented(t *testing.T) {
	logits := []float32{1, 2, 3, 4, 5, 6, 7, 8}
	var order []string
	seen := func(name string) Stage {
		return StageFunc(func(c *Candidates) {
			order = append(order, name)
			assert.Equal(t, len(logits), c.Len(), "%s: runs before truncation", name)
			assert.Equal(t, float32(8-1), c.Logit(7), "%s: runs after the bias", name)
			assert.Equal(t, float32(5.0/2), c.Logit(4), "%s: runs after the penalties", name)
		})
	}
	cfg := Config{
		Temperature: 1, TopK: 2, TopP: 0.5, MinP: 0.5, TypicalP: 0.5, Seed: 1,
		LogitBias: map[int32]float32{7: -1}, RepeatPenalty: 2,
		Stages: []Stage{seen("first"), seen("second")},
	}
	s := mustNew(cfg)
	s.Accept(4)
	s.Sample(logits)
	assert.Equal(t, []string{"first", "second"}, order)

	// What a stage does decides the outcome, greedy or not.
	boost := StageFunc(func(c *Candidates) {
		for i := range c.Len() {
			if c.ID(i) == 2 {
				c.SetLogit(i, 100)
			}
		}
	})
	onlyEven := StageFunc(func(c *Candidates) {
		c.DeleteFunc(func(id int32, _ float32) bool { return id%2 == 1 })
	})
	assert.Equal(t, int32(2), mustNew(Config{Stages: []Stage{boost}}).Sample(logits))
	assert.Equal(t, int32(2), mustNew(Config{Stages: []Stage{boost}, Temperature: 1, TopK: 1}).Sample(logits))
	assert.Equal(t, int32(6), mustNew(Config{Stages: []Stage{onlyEven}}).Sample(logits))
	odd := mustNew(Config{Stages: []Stage{onlyEven}, Temperature: 10, Seed: 4})
	for range 1000 {
		assert.Zero(t, odd.Sample(logits)%2)
	}
	// Stages run in order: the boost then the filter, or the filter then
	// the boost.
	assert.Equal(t, int32(2), mustNew(Config{Stages: []Stage{onlyEven, boost}}).Sample(logits))
	assert.Equal(t, int32(2), mustNew(Config{Stages: []Stage{boost, onlyEven}}).Sample(logits))
	assert.Equal(t, int32(7), mustNew(Config{Stages: []Stage{
		StageFunc(func(c *Candidates) { c.SetLogit(3, 100) }), // id 3 while in order of id
		StageFunc(func(c *Candidates) { c.Swap(3, 7); c.Truncate(4) }),
	}}).Sample(logits))

	assert.PanicsWithValue(t, "sample: Sampler.Sample: a caller's Stage removed every candidate", func() {
		mustNew(Config{Stages: []Stage{StageFunc(func(c *Candidates) { c.Truncate(0) })}}).Sample(logits)
	})
	assert.Panics(t, func() { mustNew(Config{}).Sample(nil) })
	assert.Panics(t, func() { mustNew(Config{}).Accept(-1) })
}

func TestConfigIsCopied(t *testing.T) {
	bias := map[int32]float32{0: 10}
	stages := []Stage{StageFunc(func(*Candidates) {})}
	s := mustNew(Config{LogitBias: bias, Stages: stages})
	bias[0] = -10
	bias[1] = 100
	stages[0] = StageFunc(func(c *Candidates) { c.Truncate(0) })
	assert.Equal(t, int32(0), s.Sample([]float32{0, 1}))
}
func TestNoAllocations(t *testing.T) {
	logits := samplerLogits(samplerVocab, 1)
	for _, bc := range samplerBenchConfigs {
		s := samplerWarm(bc.cfg, logits)
		allocs := testing.AllocsPerRun(50, func() { s.Accept(s.Sample(logits)) })
		assert.Zero(t, allocs, bc.name)
	}
}

// mustNew is New for configurations the tests know to be valid.
func mustNew(cfg Config) *Sampler {
	s, err := New(cfg)
	if err != nil {
		panic(err)
	}
	return s
}
