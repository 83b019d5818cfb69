package sample

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

// samplerVocab is Mistral 7B's vocabulary size.
const samplerVocab = 32000

// samplerBenchConfigs are the configurations the benchmarks and the
// allocation test measure.
var samplerBenchConfigs = []struct {
	name string
	cfg  Config
}{
	{"default", Config{}},
	{"temperature", Config{Temperature: 0.8, Seed: 1}},
	{"top-k", Config{Temperature: 0.8, TopK: 40, Seed: 1}},
	{"top-p", Config{Temperature: 0.8, TopP: 0.9, Seed: 1}},
	{"min-p", Config{Temperature: 0.8, MinP: 0.05, Seed: 1}},
	{"typical-p", Config{Temperature: 0.8, TypicalP: 0.9, Seed: 1}},
	{"all", Config{
		Temperature: 0.8, TopK: 40, TopP: 0.9, MinP: 0.05, TypicalP: 0.95,
		RepeatPenalty: 1.1, FrequencyPenalty: 0.1, PresencePenalty: 0.1,
		LogitBias: map[int32]float32{2: -1, 13: 0.5, 31999: 1},
		Stages:    []Stage{StageFunc(func(c *Candidates) { c.SetLogit(7, c.Logit(7)-1) })},
		Seed:      1,
	}},
}

// samplerLogits returns logits shaped like a language model's: a long tail of
// unlikely tokens and a few likely ones.
func samplerLogits(vocab int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 7))
	logits := make([]float32, vocab)
	for i := range logits {
		logits[i] = float32(r.NormFloat64() * 2)
	}
	for range 24 {
		logits[r.IntN(vocab)] += 6 + float32(r.Float64()*6)
	}
	return logits
}

// samplerWarm returns a Sampler for cfg with a full penalty window, after
// one Sample.
func samplerWarm(cfg Config, logits []float32) *Sampler {
	s := mustNew(cfg)
	for i := range DefaultPenaltyWindow {
		s.Accept(int32(i * 37 % len(logits)))
	}
	s.Accept(s.Sample(logits))
	return s
}

func BenchmarkSampler(b *testing.B) {
	logits := samplerLogits(samplerVocab, 1)
	for _, bc := range samplerBenchConfigs {
		b.Run(bc.name, func(b *testing.B) {
			s := samplerWarm(bc.cfg, logits)
			b.ReportAllocs()
			for b.Loop() {
				s.Accept(s.Sample(logits))
			}
		})
	}
}

// BenchmarkSamplerTopKSelection compares partial selection with a full sort.
func BenchmarkSamplerTopKSelection(b *testing.B) {
	logits := samplerLogits(samplerVocab, 2)
	var c Candidates
	for _, k := range []int{1, 40, 400, samplerVocab} {
		b.Run("KeepTop/k="+strconv.Itoa(k), func(b *testing.B) {
			for b.Loop() {
				c.reset(logits)
				c.KeepTop(k)
			}
		})
	}
	b.Run("Sort", func(b *testing.B) {
		for b.Loop() {
			c.reset(logits)
			c.Sort()
		}
	})
	b.Run("reset", func(b *testing.B) {
		for b.Loop() {
			c.reset(logits)
		}
	})
}
