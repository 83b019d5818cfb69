package mistral

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// TestGreedyMatchesReference generates greedily from each reference prompt
// and compares with the reference's greedy ids up to the first step whose
// top-2 margin is under 0.03 (where a correct float32 implementation may
// pick the other token).
func TestGreedyMatchesReference(t *testing.T) {
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	require.NotEmpty(t, ref.Greedy)
	for _, g := range ref.Greedy {
		check := len(g.GreedyIDs)
		for i, margin := range g.Top2Margin {
			if margin < 0.03 {
				check = i
				break
			}
		}
		s, err := m.NewSession(SessionConfig{})
		require.NoError(t, err)
		var got []int32
		for tok, err := range s.GenerateTokens(context.Background(), g.PromptIDs, GenerateConfig{MaxTokens: check, IgnoreEOS: true}) {
			require.NoError(t, err)
			got = append(got, tok.ID)
		}
		s.Close()
		assert.Equal(t, g.GreedyIDs[:check], got, "prompt %q: first %d of %d steps", g.Prompt, check, len(g.GreedyIDs))
		t.Logf("prompt %q: %d greedy tokens equal the reference (of %d; the next margin is under 0.03)", g.Prompt, check, len(g.GreedyIDs))
	}
}

// TestGreedyPastTheWindow takes prompts longer than the window from the
// reference sequences: the reference's argmax after a prompt is its greedy
// next token.
func TestGreedyPastTheWindow(t *testing.T) {
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	for _, seq := range ref.Sequences {
		for _, n := range []int{129, 150, 200, 256, 257, 300, 350, 399, 400} {
			s, err := m.NewSession(SessionConfig{})
			require.NoError(t, err)
			var got []int32
			for tok, err := range s.GenerateTokens(context.Background(), seq.IDs[:n], GenerateConfig{MaxTokens: 1, IgnoreEOS: true}) {
				require.NoError(t, err)
				got = append(got, tok.ID)
			}
			s.Close()
			require.Len(t, got, 1)
			assert.Equal(t, seq.Argmax[n-1], got[0], "%s: greedy token after %d tokens", seq.Name, n)
		}
	}
}
