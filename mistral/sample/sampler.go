package sample

import (
	"math"
	"math/rand/v2"
	"slices"
)

// DefaultPenaltyWindow is the number of recent tokens the penalties look at
// when Config.PenaltyWindow is zero.
const DefaultPenaltyWindow = 64

// Config says how a Sampler picks tokens. Its zero value is greedy
// decoding: the most likely token every time, nothing penalised. Every field's
// zero value means "off" or the documented default. A value that makes no
// sense (a negative TopK, TopP, MinP, TypicalP, RepeatPenalty, PenaltyWindow
// or Temperature; NaN or infinity) is treated like zero. See Sampler for the
// order of the stages.
type Config struct {
	// Temperature divides the logits before the draw: below 1 sharpens the
	// distribution, above 1 flattens it. 0 means greedy: the most likely
	// token (the lowest id among equals), no randomness; the truncation
	// stages (TopK, TypicalP, TopP, MinP) are then skipped.
	Temperature float32
	// TopK keeps the K most likely tokens. 0 means all of them.
	TopK int
	// TopP is nucleus sampling: it keeps the smallest set of most likely
	// tokens whose probability reaches TopP. 0 (or 1 and above) means off.
	TopP float32
	// MinP drops the tokens less likely than MinP times the most likely one.
	// 0 means off.
	MinP float32
	// TypicalP is locally typical sampling: it keeps the smallest set of the
	// tokens whose surprise (−log p) is closest to the distribution's entropy,
	// whose probability reaches TypicalP. 0 (or 1 and above) means off.
	TypicalP float32

	// RepeatPenalty discourages the tokens of the recent window: above 1, a
	// positive logit is divided by it and a negative one multiplied by it
	// (below 1, it encourages them). 0 or 1 means off.
	RepeatPenalty float32
	// FrequencyPenalty is subtracted from a token's logit once per occurrence
	// of it in the window. 0 means off; negative encourages repetition.
	FrequencyPenalty float32
	// PresencePenalty is subtracted once from the logit of every token present
	// in the window. 0 means off; negative encourages repetition.
	PresencePenalty float32
	// PenaltyWindow is how many of the most recently accepted tokens the
	// penalties look at. 0 means DefaultPenaltyWindow (64).
	PenaltyWindow int

	// LogitBias is added to the logits of the tokens it names, before
	// anything else: math.Inf(-1) forbids a token, math.Inf(1) forces it.
	// Ids outside the vocabulary are ignored. nil means no bias. New
	// copies the map.
	LogitBias map[int32]float32

	// Seed makes a run reproducible: the same seed, configuration, logits and
	// accepted tokens give the same tokens. 0 means a fresh random seed for
	// each Sampler.
	Seed uint64

	// Stages are the caller's own stages, run in order after the logit bias
	// and the penalties, before greedy selection or truncation. nil means
	// none. New copies the slice (not the stages).
	Stages []Stage
}

// A Sampler picks a sequence's next token from the logits of the model. It
// holds the sequence's random number generator and the window of recent
// tokens the penalties look at; use one per sequence. A Sampler is not safe
// for concurrent use by multiple goroutines.
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

	rng  rand.PCG
	hist tokenWindow

	window []int32    // (PenaltyWindow) scratch: the window's tokens, sorted
	cand   Candidates // scratch: reused by every Sample
}

// tokenBias is one entry of Config.LogitBias.
type tokenBias struct {
	id    int32
	delta float32
}

// New returns a Sampler for cfg, with an empty history. It keeps no
// reference to cfg's map or slice.
func New(cfg Config) *Sampler {
	s := &Sampler{
		temperature:      configPositive(cfg.Temperature),
		topK:             max(cfg.TopK, 0),
		topP:             configFraction(cfg.TopP),
		minP:             configPositive(cfg.MinP),
		typicalP:         configFraction(cfg.TypicalP),
		frequencyPenalty: configFinite(cfg.FrequencyPenalty),
		presencePenalty:  configFinite(cfg.PresencePenalty),
		stages:           slices.Clone(cfg.Stages),
	}
	if p := configPositive(cfg.RepeatPenalty); p != 1 {
		s.repeatPenalty = p
	}
	for id, d := range cfg.LogitBias {
		if id >= 0 && d != 0 && !math.IsNaN(float64(d)) {
			s.bias = append(s.bias, tokenBias{id, d})
		}
	}
	slices.SortFunc(s.bias, func(a, b tokenBias) int { return int(a.id) - int(b.id) })

	window := cfg.PenaltyWindow
	if window <= 0 {
		window = DefaultPenaltyWindow
	}
	s.hist.init(window)

	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64() // the global source is randomly seeded
	}
	s.rng.Seed(seed, splitmix64(seed))
	return s
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
	return c.draw(s.temperature, s.uniform())
}

// Accept records that id joined the sequence, for the penalties: call it for
// every token of the prompt and for every token generated. It panics if id
// is negative.
func (s *Sampler) Accept(id int32) {
	if id < 0 {
		panic("sample: Sampler.Accept: negative token id")
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

// configPositive returns v, or 0 when v is negative, NaN or infinite.
func configPositive(v float32) float32 {
	if !(v > 0) || math.IsInf(float64(v), 1) {
		return 0
	}
	return v
}

// configFraction returns v when 0 < v < 1, and 0 (off) otherwise.
func configFraction(v float32) float32 {
	if v > 0 && v < 1 {
		return v
	}
	return 0
}

// configFinite returns v, or 0 when v is NaN or infinite.
func configFinite(v float32) float32 {
	if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
		return 0
	}
	return v
}
