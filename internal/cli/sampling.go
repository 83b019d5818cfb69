package cli

import (
	"flag"
	"strconv"

	"github.com/gomistral/gomistral/mistral"
)

// SamplingFlags is a set of the sampling flags, combined with |.
type SamplingFlags uint

// The sampling flags.
const (
	Temp          SamplingFlags = 1 << iota // -temp: SamplerConfig.Temperature
	TopK                                    // -top-k
	TopP                                    // -top-p
	MinP                                    // -min-p
	RepeatPenalty                           // -repeat-penalty
	Seed                                    // -seed

	AllSampling = Temp | TopK | TopP | MinP | RepeatPenalty | Seed
)

// Sampling holds the values of the sampling flags of a flag set.
type Sampling struct {
	def                      mistral.SamplerConfig
	temp, topP, minP, repeat float64
	topK                     int
	seed                     uint64
}

// AddSampling registers the flags of which on fs, with the values of def
// (the program's defaults) as their defaults, and returns their values.
func AddSampling(fs *flag.FlagSet, def mistral.SamplerConfig, which SamplingFlags) *Sampling {
	s := &Sampling{def: def, temp: decimal(def.Temperature), topK: def.TopK, topP: decimal(def.TopP),
		minP: decimal(def.MinP), repeat: decimal(def.RepeatPenalty), seed: def.Seed}
	for _, f := range []struct {
		flag  SamplingFlags
		name  string
		value *float64
		usage string
	}{
		{Temp, "temp", &s.temp, "temperature; 0 is greedy"},
		{TopP, "top-p", &s.topP, "nucleus sampling threshold (0: off)"},
		{MinP, "min-p", &s.minP, "drop tokens less likely than this times the most likely (0: off)"},
		{RepeatPenalty, "repeat-penalty", &s.repeat, "penalty for recently used tokens, e.g. 1.1 (0: off)"},
	} {
		if which&f.flag != 0 {
			fs.Float64Var(f.value, f.name, *f.value, f.usage)
		}
	}
	if which&TopK != 0 {
		fs.IntVar(&s.topK, "top-k", s.topK, "keep the K most likely tokens (0: off)")
	}
	if which&Seed != 0 {
		fs.Uint64Var(&s.seed, "seed", s.seed, "random seed; the same seed gives the same text (0: random)")
	}
	return s
}

// Config returns the program's defaults with the values of its sampling
// flags, once the flag set is parsed. (A float32 default goes through its
// shortest decimal form and comes back the same.)
func (s *Sampling) Config() mistral.SamplerConfig {
	c := s.def
	c.Temperature, c.TopK, c.TopP = float32(s.temp), s.topK, float32(s.topP)
	c.MinP, c.RepeatPenalty, c.Seed = float32(s.minP), float32(s.repeat), s.seed
	return c
}

// decimal returns the float64 of f's shortest decimal form, so that a
// default of float32(0.7) shows as 0.7 in the usage, not 0.699999988.
func decimal(f float32) float64 {
	d, _ := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	return d
}
