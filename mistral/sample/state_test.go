package sample

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMarshalRestoresContinuation(t *testing.T) {
	const vocab = 500
	cfg := samplerBenchConfigs[len(samplerBenchConfigs)-1].cfg // every stage on
	cfg.Temperature = 1.3
	steps := func(s *Sampler, from, n int) []int32 {
		out := make([]int32, n)
		for i := range out {
			out[i] = s.Sample(samplerLogits(vocab, uint64(from+i)))
			s.Accept(out[i])
		}
		return out
	}
	for _, prompt := range []int{0, 10, 64, 100} { // empty, partial and wrapped windows
		a := mustNew(cfg)
		for i := range prompt {
			a.Accept(int32(i * 7 % vocab))
		}
		steps(a, 0, 5)
		state, err := a.MarshalBinary()
		require.NoError(t, err)
		want := steps(a, 5, 50)

		other := cfg
		other.Seed = 12345
		b := mustNew(other)
		steps(b, 0, 3) // some state of its own, to be replaced
		require.NoError(t, b.UnmarshalBinary(state))
		again, err := b.MarshalBinary()
		require.NoError(t, err)
		assert.Equal(t, state, again)
		assert.Equal(t, want, steps(b, 5, 50), "prompt %d", prompt)

		appended, err := a.AppendBinary([]byte("prefix"))
		require.NoError(t, err)
		require.NoError(t, b.UnmarshalBinary(appended[len("prefix"):]))
	}
}

func TestUnmarshalKeepsRecentTokens(t *testing.T) {
	a := mustNew(Config{PenaltyWindow: 10})
	for i := range int32(8) {
		a.Accept(i)
	}
	state, err := a.MarshalBinary()
	require.NoError(t, err)

	rec := &samplerRecorder{logits: make([]float32, 10)}
	b := mustNew(Config{PenaltyWindow: 3, FrequencyPenalty: 1, Stages: []Stage{rec}})
	require.NoError(t, b.UnmarshalBinary(state))
	b.Sample(make([]float32, 10))
	assert.Equal(t, []float32{0, 0, 0, 0, 0, -1, -1, -1, 0, 0}, rec.logits)
}

// samplerValidState returns a state with a wrapped window of 5 tokens.
func samplerValidState(t testing.TB) []byte {
	s := mustNew(Config{Seed: 5, PenaltyWindow: 5})
	for i := range int32(7) {
		s.Accept(i * 1000)
	}
	state, err := s.MarshalBinary()
	require.NoError(t, err)
	return state
}

func TestUnmarshalRejectsBadInput(t *testing.T) {
	valid := samplerValidState(t)
	edit := func(f func(b []byte) []byte) []byte { return f(slices.Clone(valid)) }
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"other magic", edit(func(b []byte) []byte { b[0] = 'X'; return b })},
		{"version 1 (no seed)", edit(func(b []byte) []byte { b[4] = 1; return b })},
		{"version 3", edit(func(b []byte) []byte { b[4] = 3; return b })},
		{"version 0", edit(func(b []byte) []byte { b[4] = 0; return b })},
		{"seed overflow", append([]byte("GMSS\x02"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"seed without a stream", []byte("GMSS\x02\x05\x00\x00")},
		{"generator length too long", edit(func(b []byte) []byte { b[6] = 100; return b })},
		{"generator length overflow", append([]byte("GMSS\x02\x05"), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)},
		{"generator state damaged", edit(func(b []byte) []byte { b[7] = 'x'; return b })},
		{"generator state short", edit(func(b []byte) []byte { return slices.Delete(b, 7, 8) })},
		{"token count too large", edit(func(b []byte) []byte { b[7+20] = 6; return b })},
		{"token count huge", append(slices.Clone(valid[:7+20]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)},
		{"trailing byte", append(slices.Clone(valid), 0)},
		{"negative token", edit(func(b []byte) []byte { b[len(b)-1] = 0x80; return b })},
	}
	for i := range valid { // every truncation
		tests = append(tests, struct {
			name string
			data []byte
		}{"truncated to " + strconv.Itoa(i), valid[:i]})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustNew(Config{Seed: 77})
			s.Accept(3)
			before, err := s.MarshalBinary()
			require.NoError(t, err)

			err = s.UnmarshalBinary(tt.data)
			var se *StateError
			require.ErrorAs(t, err, &se)
			assert.Contains(t, err.Error(), "sample: state: ")
			assert.LessOrEqual(t, se.Offset, len(tt.data))

			after, err := s.MarshalBinary()
			require.NoError(t, err)
			assert.Equal(t, before, after, "a failed UnmarshalBinary changed the Sampler")
		})
	}
}

func FuzzSamplerUnmarshalBinary(f *testing.F) {
	f.Add(samplerValidState(f))
	f.Add([]byte{})
	f.Add([]byte("GMSS\x02\x01\x14pcg:"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s := mustNew(Config{Seed: 1, PenaltyWindow: 8})
		before, err := s.MarshalBinary()
		require.NoError(t, err)
		if err := s.UnmarshalBinary(data); err != nil {
			var se *StateError
			require.True(t, errors.As(err, &se))
			after, err := s.MarshalBinary()
			require.NoError(t, err)
			require.Equal(t, before, after)
			return
		}
		state, err := s.MarshalBinary()
		require.NoError(t, err)
		r := mustNew(Config{PenaltyWindow: 8})
		require.NoError(t, r.UnmarshalBinary(state))
		require.Equal(t, samplerDraws(s, samplerLogits(50, 1), 20), samplerDraws(r, samplerLogits(50, 1), 20))
	})
}

func TestStateKeepsTheStreamAndItsSeed(t *testing.T) {
	logits := samplerLogits(300, 5)
	cfg := Config{Temperature: 1, TopK: 100, Seed: 7}
	run := samplerDraws(mustNew(cfg), logits, 30)

	s := mustNew(cfg)
	got := samplerDraws(s, logits, 12)
	state, err := s.MarshalBinary()
	require.NoError(t, err)
	// Restored into a zero Sampler, then given the same seed: the stream
	// goes on, as it would in s.
	var r Sampler
	require.NoError(t, r.UnmarshalBinary(state))
	require.NoError(t, r.SetConfig(cfg))
	assert.Equal(t, run, append(got, samplerDraws(&r, logits, 18)...))

	// A zero Sampler's state has no stream: the first SetConfig starts one.
	var z Sampler
	state, err = z.MarshalBinary()
	require.NoError(t, err)
	r = Sampler{}
	require.NoError(t, r.UnmarshalBinary(state))
	require.NoError(t, r.SetConfig(cfg))
	assert.Equal(t, run, samplerDraws(&r, logits, 30))
}
