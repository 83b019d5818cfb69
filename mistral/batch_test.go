package mistral

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBatchDecodeEqualsAlone decodes four sessions together, greedily, and
// compares with each decoded alone: the same tokens, the same logits bit for
// bit.
func TestBatchDecodeEqualsAlone(t *testing.T) {
	m := loadTiny(t)
	prompts := []string{"CHAPTER I", "Natasha", "The French army", "\"Well, Prince,"}
	const steps = 150 // past the window of 128
	alone := make([][]int32, len(prompts))
	aloneLogits := make([][]float32, len(prompts))
	for i, p := range prompts {
		s := newSession(t, m)
		for tok, err := range s.Generate(context.Background(), p, GenerateConfig{MaxTokens: steps, IgnoreEOS: true}) {
			require.NoError(t, err)
			alone[i] = append(alone[i], tok.ID)
		}
		aloneLogits[i] = append([]float32(nil), s.Logits()...)
	}

	b, err := m.NewBatch(BatchConfig{})
	require.NoError(t, err)
	defer b.Close()
	sessions := make([]*Session, len(prompts))
	for i, p := range prompts {
		sessions[i] = newSession(t, m)
		require.NoError(t, sessions[i].Feed(context.Background(), append([]int32{1}, mustEncode(t, m, p)...)))
	}
	got := make([][]int32, len(prompts))
	next := make([]int32, len(prompts))
	for step := 0; step < steps; step++ {
		for i, s := range sessions {
			next[i] = argmax(s.Logits())
			got[i] = append(got[i], next[i])
		}
		require.NoError(t, b.Decode(context.Background(), sessions, next))
	}
	for i := range prompts {
		assert.Equal(t, alone[i], got[i], "session %d", i)
		assert.Equal(t, aloneLogits[i], sessions[i].Logits(), "session %d: final logits", i)
	}
	// Misuse is an error, not a crash.
	assert.Error(t, b.Decode(context.Background(), sessions[:2], next[:1]))
	assert.Error(t, b.Decode(context.Background(), []*Session{sessions[0], sessions[0]}, next[:2]))
	assert.Error(t, b.Decode(context.Background(), sessions[:1], []int32{-3}))
}
