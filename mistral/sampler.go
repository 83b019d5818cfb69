package mistral

import "github.com/gomistral/gomistral/mistral/sample"

// The sampler lives in package sample; these are its names as a user of
// this package sees them. See package sample for their documentation.
type (
	// SamplerConfig says how a Sampler picks tokens; its zero value is
	// greedy. See sample.Config.
	SamplerConfig = sample.Config
	// Sampler picks a sequence's next token from the logits. See
	// sample.Sampler.
	Sampler = sample.Sampler
	// Stage is one step of a Sampler's chain, written by the caller. See
	// sample.Stage.
	Stage = sample.Stage
	// StageFunc adapts an ordinary function to a Stage.
	StageFunc = sample.StageFunc
	// Candidates are the tokens still in the running while a Sampler picks
	// one. See sample.Candidates.
	Candidates = sample.Candidates
	// SamplerStateError reports a saved Sampler state that cannot be read.
	SamplerStateError = sample.StateError
)

// DefaultPenaltyWindow is the number of recent tokens the penalties look at
// when SamplerConfig.PenaltyWindow is zero.
const DefaultPenaltyWindow = sample.DefaultPenaltyWindow

// NewSampler returns a Sampler for cfg. See sample.New.
func NewSampler(cfg SamplerConfig) *Sampler { return sample.New(cfg) }
