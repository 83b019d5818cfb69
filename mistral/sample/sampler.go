package sample

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// A Sampler picks a sequence's next token from the logits of the model. It
// holds the sequence's random stream (see Config.Seed) and the window of
// recent tokens the penalties look at; use one per sequence. The zero
// Sampler is greedy, like one made by New(Config{}), and its stream starts
// at its first SetConfig. A Sampler is not safe for concurrent use by
// multiple goroutines.
//
// Sample runs these stages, in this order, on the candidates (every token of
// the vocabulary at first, with its logit):
//
//  1. logit bias: LogitBias[id] is added to the logit of id;
//  2. penalties, for each distinct token of the window, occurring n times:
//     the repetition penalty (a logit > 0 divided by RepeatPenalty, one ≤ 0
//     multiplied by it), then logit −= n×FrequencyPenalty + PresencePenalty;
//  3. the caller's Stages, in order;
//  4. if Temperature is 0: the candidate of highest logit, the lowest id
//     among equals, is the answer; nothing below runs;
//  5. top-k: the TopK candidates of highest logit;
//  6. typical-p: the most typical candidates whose probability reaches TypicalP;
//  7. top-p: the most likely candidates whose probability reaches TopP;
//  8. min-p: the candidates at least MinP times as likely as the most likely;
//  9. temperature: every logit divided by Temperature;
//  10. softmax, and a draw from the resulting distribution.
//
// Probabilities in stages 6 to 8 are the softmax of the logits (at
// temperature 1) over the candidates still in the running; the stages that
// truncate always keep at least one candidate. A NaN logit is treated as
// −Inf. A candidate whose logit is −Inf is never drawn, unless every
// candidate left is −Inf: then the lowest id among them is the answer. If
// some logits are +Inf, those candidates are equally likely, the others
// impossible.
type Sampler struct {
	temperature float32
	topK        int
	topP        float32
	minP        float32
	typicalP    float32

	repeatPenalty    float32 // 0 when off
	frequencyPenalty float32
	presencePenalty  float32

	bias   []tokenBias // sorted by id
	stages []Stage

	rng     rand.PCG // the random stream
	seed    uint64   // the Config.Seed the stream started from; 0: a random one
	started bool     // whether the stream has started (false in the zero Sampler)
	hist    tokenWindow

	window []int32    // (PenaltyWindow) scratch: the window's tokens, sorted
	cand   Candidates // scratch: reused by every Sample
}

// tokenBias is one entry of Config.LogitBias.
type tokenBias struct {
	id    int32
	delta float32
}

// New returns a Sampler for cfg, with an empty history and its random
// stream started from cfg.Seed (a random seed when it is 0). A cfg outside
// its ranges is an error wrapping a *ConfigError. New keeps no reference to
// cfg's map or slice.
func New(cfg Config) (*Sampler, error) {
	s := new(Sampler)
	if err := s.SetConfig(cfg); err != nil {
		return nil, err
	}
	return s, nil
}

// SetConfig makes cfg the Sampler's configuration, keeping the tokens
// accepted (the most recent, up to cfg's penalty window) and the random
// stream, which starts again only as Config.Seed says: when cfg.Seed is
// not 0 and is not the seed the stream started from, or when the stream
// has not started (the zero Sampler). A cfg outside its ranges is an error
// wrapping a *ConfigError, and leaves the Sampler as it was. SetConfig
// keeps no reference to cfg's map or slice.
func (s *Sampler) SetConfig(cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("sample: %w", err)
	}
	s.temperature = cfg.Temperature
	s.topK = cfg.TopK
	s.topP = offAtOne(cfg.TopP)
	s.minP = cfg.MinP
	s.typicalP = offAtOne(cfg.TypicalP)
	s.repeatPenalty = offAtOne(cfg.RepeatPenalty)
	s.frequencyPenalty = cfg.FrequencyPenalty
	s.presencePenalty = cfg.PresencePenalty
	clear(s.stages) // no reference to the last configuration's stages
	s.stages = append(s.stages[:0], cfg.Stages...)
	s.bias = s.bias[:0]
	for id, d := range cfg.LogitBias {
		if d != 0 {
			s.bias = append(s.bias, tokenBias{id, d})
		}
	}
	slices.SortFunc(s.bias, func(a, b tokenBias) int { return int(a.id) - int(b.id) })
	window := cfg.PenaltyWindow
	if window == 0 {
		window = DefaultPenaltyWindow
	}
	s.hist.resize(window)
	if !s.started || (cfg.Seed != 0 && cfg.Seed != s.seed) {
		s.startStream(cfg.Seed)
	}
	return nil
}

// startStream starts the random stream from seed, or from a random seed
// when it is 0.
func (s *Sampler) startStream(seed uint64) {
	s.seed, s.started = seed, true
	if seed == 0 {
		seed = rand.Uint64() // the global source is randomly seeded
	}
	s.rng.Seed(seed, splitmix64(seed))
}

// offAtOne returns v, or 0 (off) when v is 1: a TopP or TypicalP of 1 keeps
// everything, and a RepeatPenalty of 1 changes nothing.
func offAtOne(v float32) float32 {
	if v == 1 {
		return 0
	}
	return v
}

// Sample returns the next token given the logits of the last position
// (len(logits) is the vocabulary size). It neither modifies logits nor
// records the token: call Accept for that. It allocates only on its first
// call, and later only if the vocabulary grows or the penalty window fills
// beyond 4096 tokens. It panics if logits is empty or if a caller's Stage
// removes every candidate.
func (s *Sampler) Sample(logits []float32) int32 {
	if len(logits) == 0 {
		panic("sample: Sampler.Sample: no logits")
	}
	if s.temperature == 0 && len(s.bias) == 0 && !s.penalizes() {
		// The candidates would be the logits themselves, less what the
		// stages remove: the largest logit, unless a stage removes it.
		if id, ok := s.greedyFilters(logits); ok {
			return id
		}
	}
	c := &s.cand
	c.reset(logits)
	s.applyBias(c)
	s.applyPenalties(c)
	for _, st := range s.stages {
		st.Apply(c)
		if c.Len() == 0 {
			panic("sample: Sampler.Sample: a caller's Stage removed every candidate")
		}
	}
	if s.temperature == 0 {
		return c.argmax()
	}
	s.truncate(c)
	return c.draw(s.temperature, s.uniform())
}

// KeptOnly reports whether Sample's choice depends only on the logits of
// the tokens every stage keeps (see Filter): greedy sampling, without bias
// or penalties, through Filters only. The logits of the other tokens may
// then be anything, -Inf for instance.
func (s *Sampler) KeptOnly() bool {
	if s.temperature != 0 || len(s.bias) > 0 || s.penalizes() {
		return false
	}
	for _, st := range s.stages {
		if _, ok := st.(Filter); !ok {
			return false
		}
	}
	return true
}

// greedyTries is how many of the largest logits greedy sampling through
// Filters tries before it builds the candidates.
const greedyTries = 8

// greedyFilters returns the token greedy sampling chooses when every stage
// is a Filter (ok false: the stages must run): the token a Filter keeps
// alone, if the others keep it too; or else the first of the largest
// logits, in order, that every Filter keeps (the largest of those the
// chain would keep). None kept: the stages must run.
func (s *Sampler) greedyFilters(logits []float32) (id int32, ok bool) {
	only := int32(-1)
	for _, st := range s.stages {
		f, isFilter := st.(Filter)
		if !isFilter {
			return 0, false
		}
		if id, ok := f.Only(); ok && id >= 0 && only < 0 {
			only = id
		}
	}
	if only >= 0 {
		return only, int(only) < len(logits) && s.filtersKeep(only)
	}
	var top [greedyTries]int32
	for _, id := range largest(&top, logits) {
		if s.filtersKeep(id) {
			return id, true
		}
	}
	return 0, false
}

// filtersKeep reports whether every stage (a Filter) keeps id.
func (s *Sampler) filtersKeep(id int32) bool {
	for _, st := range s.stages {
		if !st.(Filter).Keeps(id) {
			return false
		}
	}
	return true
}

// largest returns the ids of the largest logits above -Inf, at most
// len(top), in the order of the candidates sorted (decreasing logit, the
// lowest id first among equals), a NaN counting as -Inf. It takes each
// block's maximum in eight independent comparisons and looks into a block
// only when that beats the last id kept.
func largest(top *[greedyTries]int32, logits []float32) []int32 {
	var vals [greedyTries]float32
	n := 0
	floor := float32(math.Inf(-1)) // what a logit must beat to enter: the last kept's, once full
	insert := func(id int, l float32) {
		// After every equal value: those came first, with lower ids.
		at := n
		for at > 0 && l > vals[at-1] {
			at--
		}
		if n < len(top) {
			n++
		}
		copy(vals[at+1:n], vals[at:n-1])
		copy(top[at+1:n], top[at:n-1])
		vals[at], top[at] = l, int32(id)
		if n == len(top) {
			floor = vals[n-1]
		}
	}
	const block = 64
	i := 0
	for ; i+block <= len(logits); i += block {
		b := logits[i : i+block : i+block]
		if blockMax(b, floor) > floor {
			for j, l := range b {
				if l > floor {
					insert(i+j, l)
				}
			}
		}
	}
	for ; i < len(logits); i++ {
		if l := logits[i]; l > floor {
			insert(i, l)
		}
	}
	return top[:n]
}

// blockMax returns the largest of b (64 values) and floor, NaN ignored.
func blockMax(b []float32, floor float32) float32 {
	m0, m1, m2, m3, m4, m5, m6, m7 := floor, floor, floor, floor, floor, floor, floor, floor
	for j := 0; j+8 <= len(b); j += 8 {
		if b[j] > m0 {
			m0 = b[j]
		}
		if b[j+1] > m1 {
			m1 = b[j+1]
		}
		if b[j+2] > m2 {
			m2 = b[j+2]
		}
		if b[j+3] > m3 {
			m3 = b[j+3]
		}
		if b[j+4] > m4 {
			m4 = b[j+4]
		}
		if b[j+5] > m5 {
			m5 = b[j+5]
		}
		if b[j+6] > m6 {
			m6 = b[j+6]
		}
		if b[j+7] > m7 {
			m7 = b[j+7]
		}
	}
	return max(max(max(m0, m1), max(m2, m3)), max(max(m4, m5), max(m6, m7)))
}

// truncate runs the truncating stages: top-k, typical-p, top-p, min-p.
func (s *Sampler) truncate(c *Candidates) {
	if s.topK > 0 && s.topK < c.Len() {
		c.KeepTop(s.topK)
	}
	if s.typicalP > 0 {
		c.keepTypical(s.typicalP)
	}
	if s.topP > 0 {
		c.keepNucleus(s.topP)
	}
	if s.minP > 0 {
		c.keepMinP(s.minP)
	}
}

// Accept records that id joined the sequence, for the penalties: call it for
// every token of the prompt and for every token generated. It panics if id
// is negative.
func (s *Sampler) Accept(id int32) {
	if id < 0 {
		panic("sample: Sampler.Accept: negative token id")
	}
	if s.hist.size == 0 { // the zero Sampler
		s.hist.resize(DefaultPenaltyWindow)
	}
	s.hist.push(id)
}

// Reset forgets the accepted tokens, as for a new sequence. The random number
// generator goes on where it was.
func (s *Sampler) Reset() { s.hist.clear() }

// uniform returns a number drawn uniformly from [0, 1), using one step of
// the generator.
func (s *Sampler) uniform() float64 {
	return float64(s.rng.Uint64()>>11) * 0x1p-53
}

// splitmix64 derives PCG's second seed word from the first, so that every
// Seed gives a different stream.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
