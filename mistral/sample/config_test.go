package sample

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// BadConfigs are configurations with one field outside its range: the field
// as the error must name it, and the value as it must print.
var badConfigs = []struct {
	cfg   Config
	field string
	value string
}{
	{Config{Temperature: -0.5}, "Temperature", "-0.5"},
	{Config{Temperature: float32(math.NaN())}, "Temperature", "NaN"},
	{Config{Temperature: float32(math.Inf(1))}, "Temperature", "+Inf"},
	{Config{TopK: -1}, "TopK", "-1"},
	{Config{TopP: -0.1}, "TopP", "-0.1"},
	{Config{TopP: 1.5}, "TopP", "1.5"},
	{Config{TopP: float32(math.NaN())}, "TopP", "NaN"},
	{Config{MinP: -1}, "MinP", "-1"},
	{Config{MinP: 2}, "MinP", "2"},
	{Config{TypicalP: -0.25}, "TypicalP", "-0.25"},
	{Config{TypicalP: 1.01}, "TypicalP", "1.01"},
	{Config{TypicalP: float32(math.Inf(-1))}, "TypicalP", "-Inf"},
	{Config{RepeatPenalty: -2}, "RepeatPenalty", "-2"},
	{Config{RepeatPenalty: float32(math.Inf(1))}, "RepeatPenalty", "+Inf"},
	{Config{FrequencyPenalty: float32(math.NaN())}, "FrequencyPenalty", "NaN"},
	{Config{PresencePenalty: float32(math.Inf(-1))}, "PresencePenalty", "-Inf"},
	{Config{PenaltyWindow: -4}, "PenaltyWindow", "-4"},
	{Config{LogitBias: map[int32]float32{3: 1, -3: 1, -7: 2}}, "LogitBias key", "-7"},
	{Config{LogitBias: map[int32]float32{9: float32(math.NaN()), 4: float32(math.NaN())}}, "LogitBias[4]", "NaN"},
	{Config{Stages: []Stage{StageFunc(func(*Candidates) {}), nil}}, "Stages[1]", "nil"},
}

func TestConfigOutOfRangeIsAnError(t *testing.T) {
	for _, tt := range badConfigs {
		t.Run(tt.field+"="+tt.value, func(t *testing.T) {
			err := tt.cfg.Validate()
			var ce *ConfigError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.field, strings.TrimPrefix(ce.Field, "a "))
			assert.Equal(t, tt.field+" is "+tt.value+", want "+ce.Want,
				strings.TrimPrefix(err.Error(), "a "), "the message names the field and the value")

			s, err := New(tt.cfg)
			assert.Nil(t, s)
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, "sample: "+ce.Error(), err.Error(), "one package prefix")

			// SetConfig refuses it too, and leaves the Sampler as it was.
			good := mustNew(Config{Temperature: 1, Seed: 3, FrequencyPenalty: 1})
			ref := mustNew(Config{Temperature: 1, Seed: 3, FrequencyPenalty: 1})
			good.Accept(2)
			ref.Accept(2)
			require.Error(t, good.SetConfig(tt.cfg))
			logits := samplerLogits(50, 4)
			assert.Equal(t, samplerDraws(ref, logits, 30), samplerDraws(good, logits, 30))
		})
	}
}

func TestConfigEdgesAreValid(t *testing.T) {
	inf := float32(math.Inf(1))
	for _, cfg := range []Config{
		{},
		{Temperature: 1e30, TopK: 1 << 40, PenaltyWindow: 1 << 20},
		{TopP: 1, MinP: 1, TypicalP: 1, Temperature: 1},
		{TopP: 0, MinP: 0, TypicalP: 0, RepeatPenalty: 0},
		{FrequencyPenalty: -3, PresencePenalty: -1e30, RepeatPenalty: 1e-30},
		{LogitBias: map[int32]float32{0: inf, 1: -inf, 1 << 30: 5}},
	} {
		assert.NoError(t, cfg.Validate(), "%+v", cfg)
		_, err := New(cfg)
		assert.NoError(t, err, "%+v", cfg)
	}
	// 1 is off for TopP and TypicalP, and MinP 1 keeps the most likely and
	// its equals.
	logits := []float32{1, 3, 2, 3, 0}
	s := mustNew(Config{Temperature: 1, TopP: 1, TypicalP: 1, Seed: 1})
	assert.Len(t, countDraws(s, logits, 2000), 5)
	s = mustNew(Config{Temperature: 1, MinP: 1, Seed: 1})
	seen := countDraws(s, logits, 2000)
	assert.Len(t, seen, 2)
	assert.Positive(t, seen[1])
	assert.Positive(t, seen[3])
}

// countDraws draws n tokens from logits, not accepting them, and counts
// each token drawn.
func countDraws(s *Sampler, logits []float32, n int) map[int32]int {
	seen := map[int32]int{}
	for range n {
		seen[s.Sample(logits)]++
	}
	return seen
}

func TestSetConfigSeed(t *testing.T) {
	logits := samplerLogits(200, 9)
	cfg := Config{Temperature: 1.2, Seed: 7}
	run := samplerDraws(mustNew(cfg), logits, 40)

	// The same seed continues the stream: two parts make the run, also
	// when the rest of the configuration changes without changing a draw.
	s := mustNew(cfg)
	got := samplerDraws(s, logits, 15)
	next := cfg
	next.TopK = len(logits)
	require.NoError(t, s.SetConfig(next))
	got = append(got, samplerDraws(s, logits, 25)...)
	assert.Equal(t, run, got, "same seed")

	// Seed 0 continues whatever stream there is.
	s = mustNew(cfg)
	got = samplerDraws(s, logits, 15)
	next.Seed = 0
	require.NoError(t, s.SetConfig(next))
	assert.Equal(t, run, append(got, samplerDraws(s, logits, 25)...), "seed 0")

	// Another seed starts afresh, and going back to 7 restarts it.
	next.Seed = 8
	require.NoError(t, s.SetConfig(next))
	assert.Equal(t, samplerDraws(mustNew(next), logits, 20), samplerDraws(s, logits, 20), "seed 8")
	require.NoError(t, s.SetConfig(cfg))
	assert.Equal(t, run, samplerDraws(s, logits, 40), "seed 7 again after 8")

	// The zero Sampler starts its stream at its first SetConfig.
	var z Sampler
	require.NoError(t, z.SetConfig(cfg))
	assert.Equal(t, run, samplerDraws(&z, logits, 40), "zero Sampler")

	// Without a seed, two Samplers draw differently, and a seed given
	// later starts a stream like New's.
	a, b := mustNew(Config{Temperature: 1.2}), mustNew(Config{Temperature: 1.2})
	assert.NotEqual(t, samplerDraws(a, logits, 40), samplerDraws(b, logits, 40))
	require.NoError(t, a.SetConfig(cfg))
	assert.Equal(t, run, samplerDraws(a, logits, 40), "seed after a random stream")
}

func TestSetConfigKeepsRecentTokens(t *testing.T) {
	base := []float32{0, 0, 0, 0, 0, 0, 0, 0}
	s := mustNew(Config{PenaltyWindow: 5})
	for _, id := range []int32{1, 2, 3, 4, 5, 6} { // 1 has left the window
		s.Accept(id)
	}
	rec := &samplerRecorder{logits: make([]float32, len(base))}
	require.NoError(t, s.SetConfig(Config{PenaltyWindow: 3, FrequencyPenalty: 1, Stages: []Stage{rec}}))
	s.Sample(base)
	assert.Equal(t, []float32{0, 0, 0, 0, -1, -1, -1, 0}, rec.logits, "the 3 most recent")

	require.NoError(t, s.SetConfig(Config{PenaltyWindow: 10, FrequencyPenalty: 1, Stages: []Stage{rec}}))
	s.Accept(7)
	s.Sample(base)
	assert.Equal(t, []float32{0, 0, 0, 0, -1, -1, -1, -1}, rec.logits, "a larger window keeps what it had")

	// The zero Sampler accepts tokens into the default window.
	var z Sampler
	for i := range DefaultPenaltyWindow + 1 {
		z.Accept(int32(i % 2))
	}
	require.NoError(t, z.SetConfig(Config{PresencePenalty: 1, Stages: []Stage{rec}}))
	z.Sample(base)
	assert.Equal(t, []float32{-1, -1, 0, 0, 0, 0, 0, 0}, rec.logits)
}

func TestConfigErrorMatches(t *testing.T) {
	_, err := New(Config{TopK: -2})
	var ce *ConfigError
	require.True(t, errors.As(err, &ce))
	assert.Equal(t, &ConfigError{Field: "TopK", Value: -2, Want: "a value ≥ 0 (0: all tokens)"}, ce)
}
