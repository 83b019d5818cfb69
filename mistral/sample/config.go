package sample

import (
	"fmt"
	"math"
)

// DefaultPenaltyWindow is the number of recent tokens the penalties look at
// when Config.PenaltyWindow is zero.
const DefaultPenaltyWindow = 64

// Config says how a Sampler picks tokens. Its zero value is greedy
// decoding: the most likely token every time, nothing penalised. Every
// field's zero value means "off" or the documented default; each field
// documents its range, and a value outside it (NaN and infinities
// included, except in LogitBias) is an error from New, SetConfig and
// Validate, never silently something else. See Sampler for the order of the
// stages.
type Config struct {
	// Temperature divides the logits before the draw: below 1 sharpens the
	// distribution, above 1 flattens it. 0 means greedy: the most likely
	// token (the lowest id among equals), no randomness; the truncation
	// stages (TopK, TypicalP, TopP, MinP) are then skipped. Range: finite,
	// ≥ 0.
	Temperature float32
	// TopK keeps the K most likely tokens. 0 means all of them. Range: ≥ 0.
	TopK int
	// TopP is nucleus sampling: it keeps the smallest set of most likely
	// tokens whose probability reaches TopP. 0 and 1 mean off (1 keeps
	// everything). Range: [0, 1].
	TopP float32
	// MinP drops the tokens less likely than MinP times the most likely one.
	// 0 means off; 1 keeps only the most likely (and its equals). Range:
	// [0, 1].
	MinP float32
	// TypicalP is locally typical sampling: it keeps the smallest set of the
	// tokens whose surprise (−log p) is closest to the distribution's entropy,
	// whose probability reaches TypicalP. 0 and 1 mean off. Range: [0, 1].
	TypicalP float32

	// RepeatPenalty discourages the tokens of the recent window: above 1, a
	// positive logit is divided by it and a negative one multiplied by it
	// (below 1, it encourages them). 0 or 1 means off. Range: finite, ≥ 0.
	RepeatPenalty float32
	// FrequencyPenalty is subtracted from a token's logit once per occurrence
	// of it in the window. 0 means off; negative encourages repetition.
	// Range: finite.
	FrequencyPenalty float32
	// PresencePenalty is subtracted once from the logit of every token present
	// in the window. 0 means off; negative encourages repetition. Range:
	// finite.
	PresencePenalty float32
	// PenaltyWindow is how many of the most recently accepted tokens the
	// penalties look at. 0 means DefaultPenaltyWindow (64). Range: ≥ 0.
	PenaltyWindow int

	// LogitBias is added to the logits of the tokens it names, before
	// anything else: math.Inf(-1) forbids a token, math.Inf(1) forces it.
	// Ids beyond the vocabulary are ignored (a map may serve several
	// vocabularies). nil means no bias. Range: ids ≥ 0, values not NaN.
	// New and SetConfig copy the map.
	LogitBias map[int32]float32

	// Seed starts the random stream the draws come from: the same seed,
	// configuration, logits and accepted tokens give the same tokens.
	//
	// A Sampler keeps one stream. New starts it from Seed. SetConfig
	// starts it again only when Seed is not 0 and is not the seed the
	// stream started from; otherwise the stream goes on where it was. So
	// passing the same Config (or the same Seed) again continues the
	// stream rather than repeating its first draws: a text generated in
	// several calls is the text one uninterrupted call gives. To repeat a
	// run, use a new Sampler (or, in package mistral, a new Session or
	// Session.Reset). The stream is part of the Sampler's saved state
	// (MarshalBinary), and so of a saved mistral Session.
	//
	// 0 means no seed: New starts the stream from a random seed, and
	// SetConfig keeps the current stream, whichever seed it came from.
	// Only draws at a Temperature above 0 take numbers from the stream.
	Seed uint64

	// Stages are the caller's own stages, run in order after the logit bias
	// and the penalties, before greedy selection or truncation. nil means
	// none. Range: no nil Stage. New and SetConfig copy the slice (not the
	// stages). Greedy sampling through Filters alone can skip building the
	// candidates (see Filter).
	Stages []Stage
}

// A ConfigError reports a field of a configuration whose value cannot mean
// anything. Its message names the field and the value and no package:
// the functions that return it add their own prefix where they wrap it
// (package mistral uses it for its GenerateConfig too).
type ConfigError struct {
	Field string // the field, as the configuration names it: "TopP", "LogitBias[7]"
	Value any    // its value
	Want  string // the values it may take: "a value in [0, 1]"
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%s is %v, want %s", e.Field, e.Value, e.Want)
}

// Validate returns a *ConfigError for the first field of c outside its
// range, in the order of the fields, or nil when c is valid. New and
// SetConfig call it; a caller that wants to refuse a configuration early
// (a server, before it streams) may call it too.
func (c Config) Validate() error {
	bad := func(field string, value any, want string) error {
		return &ConfigError{Field: field, Value: value, Want: want}
	}
	const (
		nonNegative = "a finite value ≥ 0"
		fraction    = "a value in [0, 1]"
	)
	switch {
	case !finiteAtLeast0(c.Temperature):
		return bad("Temperature", c.Temperature, nonNegative+" (0: greedy)")
	case c.TopK < 0:
		return bad("TopK", c.TopK, "a value ≥ 0 (0: all tokens)")
	case !isFraction(c.TopP):
		return bad("TopP", c.TopP, fraction)
	case !isFraction(c.MinP):
		return bad("MinP", c.MinP, fraction)
	case !isFraction(c.TypicalP):
		return bad("TypicalP", c.TypicalP, fraction)
	case !finiteAtLeast0(c.RepeatPenalty):
		return bad("RepeatPenalty", c.RepeatPenalty, nonNegative)
	case !isFinite(c.FrequencyPenalty):
		return bad("FrequencyPenalty", c.FrequencyPenalty, "a finite value")
	case !isFinite(c.PresencePenalty):
		return bad("PresencePenalty", c.PresencePenalty, "a finite value")
	case c.PenaltyWindow < 0:
		return bad("PenaltyWindow", c.PenaltyWindow, "a value ≥ 0 (0: the default)")
	}
	// The lowest offending id, so that the error does not depend on the
	// map's order.
	var badID int32
	var badDelta float32
	found := false
	for id, d := range c.LogitBias {
		if (id < 0 || d != d) && (!found || id < badID) {
			badID, badDelta, found = id, d, true
		}
	}
	if found {
		if badID < 0 {
			return bad("a LogitBias key", badID, "a token id ≥ 0")
		}
		return bad(fmt.Sprintf("LogitBias[%d]", badID), badDelta, "a number or ±Inf")
	}
	for i, st := range c.Stages {
		if st == nil {
			return bad(fmt.Sprintf("Stages[%d]", i), "nil", "a Stage")
		}
	}
	return nil
}

func isFinite(v float32) bool { return !math.IsNaN(float64(v)) && !math.IsInf(float64(v), 0) }

func finiteAtLeast0(v float32) bool { return v >= 0 && !math.IsInf(float64(v), 1) }

func isFraction(v float32) bool { return v >= 0 && v <= 1 }
