package mistral

import "github.com/gomistral/gomistral/mistral/sample"

// The sampler lives in package sample; these are its names as a user of
// this package sees them. See package sample for their documentation.
type (
	// SamplerConfig says how a Sampler picks tokens; its zero value is
	// greedy. Each field documents its range; a Seed continues a Session's
	// random stream across generations (see sample.Config).
	SamplerConfig = sample.Config
	// Sampler picks a sequence's next token from the logits. A Session
	// keeps one across its generations. See sample.Sampler.
	Sampler = sample.Sampler
	// Stage is one step of a Sampler's chain, written by the caller. See
	// sample.Stage.
	Stage = sample.Stage
	// Filter is a Stage that only removes tokens, each for its id, and
	// says which it keeps: greedy decoding then skips building the
	// candidates when it keeps the largest logit. See sample.Filter.
	Filter = sample.Filter
	// StageFunc adapts an ordinary function to a Stage.
	StageFunc = sample.StageFunc
	// Candidates are the tokens still in the running while a Sampler picks
	// one. See sample.Candidates.
	Candidates = sample.Candidates
	// SamplerStateError reports a saved Sampler state that cannot be read.
	SamplerStateError = sample.StateError
	// ConfigError reports a configuration field whose value cannot mean
	// anything (a SamplerConfig field, GenerateConfig.MaxTokens): errors of
	// Generate, GenerateTokens, Chat and NewSampler wrap it, for errors.As.
	ConfigError = sample.ConfigError
)

// DefaultPenaltyWindow is the number of recent tokens the penalties look at
// when SamplerConfig.PenaltyWindow is zero.
const DefaultPenaltyWindow = sample.DefaultPenaltyWindow

// NewSampler returns a Sampler for cfg, or an error wrapping a
// *ConfigError when a field is out of its range. See sample.New.
func NewSampler(cfg SamplerConfig) (*Sampler, error) { return sample.New(cfg) }
