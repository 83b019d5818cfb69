package openai

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	"github.com/gomistral/gomistral/mistral"
)

// SamplingParams are the fields of a request that say how to generate,
// shared by chat completions and completions. A field that is absent or
// null takes OpenAI's default, written beside it.
type SamplingParams struct {
	// Temperature is 0 to 2; absent means 1. 0 is greedy.
	Temperature *float64 `json:"temperature,omitempty"`
	// TopP is nucleus sampling, 0 to 1; absent means 1 (off).
	TopP *float64 `json:"top_p,omitempty"`
	// MaxTokens is the most tokens to generate, at least 1; absent means
	// the server's default (HandlerConfig.MaxTokens; 16 for completions).
	MaxTokens *int `json:"max_tokens,omitempty"`
	// Stop is up to MaxStop strings before which generation ends (a
	// string or a list of them).
	Stop Stop `json:"stop,omitempty"`
	// Seed makes sampling repeatable: the same seed and request give the
	// same answer. Absent means a fresh random seed.
	Seed *int64 `json:"seed,omitempty"`
	// FrequencyPenalty and PresencePenalty are -2 to 2; absent means 0.
	// Unlike OpenAI's, which look at the text generated so far, they look
	// at the last mistral.DefaultPenaltyWindow tokens, the prompt's
	// included.
	FrequencyPenalty *float64 `json:"frequency_penalty,omitempty"`
	PresencePenalty  *float64 `json:"presence_penalty,omitempty"`
	// LogitBias maps token ids (as strings) to a bias from -100 to 100
	// added to their logits; -100 in effect forbids a token.
	LogitBias map[string]float64 `json:"logit_bias,omitempty"`
	// N is how many answers to generate, 1 to HandlerConfig.MaxN; absent
	// means 1.
	N *int `json:"n,omitempty"`
	// Stream sends the answer as server-sent events as it is generated.
	Stream        bool           `json:"stream,omitempty"`
	StreamOptions *StreamOptions `json:"stream_options,omitempty"`
}

// StreamOptions are the options of a streamed answer.
type StreamOptions struct {
	// IncludeUsage adds a last chunk, with no choices, giving the usage.
	IncludeUsage bool `json:"include_usage"`
}

// MaxStop is the most stop strings a request may give.
const MaxStop = 16

// Stop is the stop strings of a request: a JSON string, a list of strings
// or null.
type Stop []string

// UnmarshalJSON reads a string, a list of strings or null.
func (s *Stop) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*s = nil
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Stop{one}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return &RequestError{Field: "stop", Reason: "want a string or a list of strings"}
	}
	*s = list
	return nil
}

// limits are what a request may ask of this server.
type limits struct {
	vocab     int // ids are 0 to vocab-1
	maxN      int
	maxTokens int // the default of MaxTokens
	noDrafts  bool
}

// generateConfig checks the fields and returns the configuration of the
// first answer and how many answers to generate. Answer i > 0 uses the
// seed plus i.
func (p *SamplingParams) generateConfig(lim limits) (mistral.GenerateConfig, int, error) {
	cfg := mistral.GenerateConfig{MaxTokens: lim.maxTokens, NoDrafts: lim.noDrafts}
	cfg.Temperature = 1
	if err := inRange(p.Temperature, "temperature", 0, 2, func(v float64) { cfg.Temperature = float32(v) }); err != nil {
		return cfg, 0, err
	}
	if err := inRange(p.TopP, "top_p", 0, 1, func(v float64) {
		if v == 0 { // only the most likely token: greedy
			cfg.Temperature = 0
		}
		cfg.TopP = float32(v)
	}); err != nil {
		return cfg, 0, err
	}
	if err := inRange(p.FrequencyPenalty, "frequency_penalty", -2, 2, func(v float64) { cfg.FrequencyPenalty = float32(v) }); err != nil {
		return cfg, 0, err
	}
	if err := inRange(p.PresencePenalty, "presence_penalty", -2, 2, func(v float64) { cfg.PresencePenalty = float32(v) }); err != nil {
		return cfg, 0, err
	}
	if p.MaxTokens != nil {
		if *p.MaxTokens < 1 {
			return cfg, 0, badRequest("max_tokens", "max_tokens is %d: want at least 1", *p.MaxTokens)
		}
		cfg.MaxTokens = *p.MaxTokens
	}
	if len(p.Stop) > MaxStop {
		return cfg, 0, badRequest("stop", "%d stop strings: at most %d", len(p.Stop), MaxStop)
	}
	cfg.Stop = p.Stop
	if p.Seed != nil {
		cfg.Seed = seedOf(*p.Seed)
	}
	if len(p.LogitBias) > 0 {
		cfg.LogitBias = make(map[int32]float32, len(p.LogitBias))
		for k, v := range p.LogitBias {
			id, err := strconv.ParseInt(k, 10, 32)
			if err != nil || id < 0 || id >= int64(lim.vocab) {
				return cfg, 0, badRequest("logit_bias", "logit_bias key %q: want a token id from 0 to %d", k, lim.vocab-1)
			}
			if math.IsNaN(v) || v < -100 || v > 100 {
				return cfg, 0, badRequest("logit_bias", "logit_bias[%s] is %v: want -100 to 100", k, v)
			}
			cfg.LogitBias[int32(id)] = float32(v)
		}
	}
	n := 1
	if p.N != nil {
		n = *p.N
		if n < 1 || n > lim.maxN {
			return cfg, 0, badRequest("n", "n is %d: want 1 to %d", n, lim.maxN)
		}
	}
	if p.StreamOptions != nil && !p.Stream {
		return cfg, 0, badRequest("stream_options", "stream_options is only allowed when stream is true")
	}
	return cfg, n, nil
}

// inRange calls set with *v when v is given and within [lo, hi].
func inRange(v *float64, name string, lo, hi float64, set func(float64)) error {
	if v == nil {
		return nil
	}
	if math.IsNaN(*v) || *v < lo || *v > hi {
		return badRequest(name, "%s is %v: want %v to %v", name, *v, lo, hi)
	}
	set(*v)
	return nil
}

// seedOf maps a request's seed to the sampler's, where 0 means "random":
// seed 0 becomes an arbitrary constant (the one seed that shares its
// sampler seed with another).
func seedOf(seed int64) uint64 {
	if seed == 0 {
		return 0x9e3779b97f4a7c15
	}
	return uint64(seed)
}

// choiceSeed is the seed of answer i.
func choiceSeed(cfg mistral.GenerateConfig, i int) uint64 {
	if cfg.Seed == 0 {
		return 0
	}
	return cfg.Seed + uint64(i)
}
