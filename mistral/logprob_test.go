package mistral

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logSoftmax is the reference: float64, written plainly.
func logSoftmax(logits []float32) []float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = math.Max(mx, float64(v))
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	out := make([]float64, len(logits))
	for i, v := range logits {
		out[i] = float64(v) - mx - math.Log(sum)
	}
	return out
}

// TestLogProbsMatchLogSoftmax samples with log-probabilities, then feeds the
// same tokens again with FeedAll: each token's log-probability is the log
// softmax of its position's logits, and the alternatives are the most likely
// tokens there, sorted, with their log-probabilities.
func TestLogProbsMatchLogSoftmax(t *testing.T) {
	m := loadTiny(t)
	prompt := append([]int32{1}, mustEncode(t, m, "It was a fine morning")...)
	const top = 7
	cfg := GenerateConfig{MaxTokens: 40, LogProbs: true, TopLogProbs: top, IgnoreEOS: true,
		SamplerConfig: SamplerConfig{Temperature: 1.2, TopP: 0.95, RepeatPenalty: 1.3, Seed: 11}}
	var toks []Token
	for tok, err := range newSession(t, m).GenerateTokens(context.Background(), prompt, cfg) {
		require.NoError(t, err)
		toks = append(toks, tok)
	}
	require.Len(t, toks, 40)
	ids := slices.Clone(prompt)
	for _, tok := range toks {
		ids = append(ids, tok.ID)
	}
	var rows [][]float64
	require.NoError(t, newSession(t, m).FeedAll(context.Background(), ids, func(i int, logits []float32) error {
		if i >= len(prompt)-1 && i < len(ids)-1 {
			rows = append(rows, logSoftmax(logits))
		}
		return nil
	}))
	require.Len(t, rows, len(toks))
	notTop := 0
	for k, tok := range toks {
		want := rows[k]
		assert.InDelta(t, want[tok.ID], tok.LogProb, 1e-4, "token %d", k)
		require.Len(t, tok.TopLogProbs, top)
		order := make([]int, len(want))
		for i := range order {
			order[i] = i
		}
		slices.SortStableFunc(order, func(a, b int) int {
			switch {
			case want[a] > want[b]:
				return -1
			case want[a] < want[b]:
				return 1
			}
			return 0
		})
		var mass float64
		for j, alt := range tok.TopLogProbs {
			assert.Equal(t, int32(order[j]), alt.ID, "token %d: alternative %d", k, j)
			assert.InDelta(t, want[alt.ID], alt.LogProb, 1e-4)
			assert.Equal(t, m.tokenTexts()[alt.ID], alt.Text)
			if j > 0 {
				assert.LessOrEqual(t, alt.LogProb, tok.TopLogProbs[j-1].LogProb, "sorted")
			}
			mass += math.Exp(float64(alt.LogProb))
		}
		assert.LessOrEqual(t, mass, 1+1e-6)
		if !slices.ContainsFunc(tok.TopLogProbs, func(a TokenLogProb) bool { return a.ID == tok.ID }) {
			notTop++
		}
	}
	t.Logf("%d of %d sampled tokens were outside the top %d", notTop, len(toks), top)

	// Out of range.
	for _, n := range []int{-1, MaxTopLogProbs + 1} {
		for _, err := range newSession(t, m).Generate(context.Background(), "It", GenerateConfig{LogProbs: true, TopLogProbs: n}) {
			assert.ErrorContains(t, err, "TopLogProbs")
		}
	}
}

func TestTokenTexts(t *testing.T) {
	m := loadTiny(t)
	texts := m.tokenTexts()
	tok := m.Tokenizer()
	assert.Equal(t, "</s>", texts[tok.EOS()])
	nl, ok := tok.Lookup("<0x0A>")
	require.True(t, ok)
	assert.Equal(t, "\n", texts[nl])
	the, ok := tok.Lookup("▁the")
	require.True(t, ok)
	assert.Equal(t, " the", texts[the])
}

// BenchmarkGenerateLogProbs: a generation's allocations and time per token
// without log-probabilities (what logprobs add when off: nothing), with the
// chosen token's only, and with 5 and 20 alternatives.
func BenchmarkGenerateLogProbs(b *testing.B) {
	m := loadTiny(b)
	m.tokenTexts() // made once per model, on the first use
	for _, c := range []struct {
		name string
		on   bool
		top  int
	}{{"off", false, 0}, {"chosen", true, 0}, {"top5", true, 5}, {"top20", true, 20}} {
		b.Run(c.name, func(b *testing.B) {
			s := newSession(b, m)
			// Without drafts: every step is one pass of one row, whatever the
			// logits (drafts would change the passes, and their allocations).
			cfg := GenerateConfig{MaxTokens: 16, IgnoreEOS: true, NoDrafts: true, LogProbs: c.on, TopLogProbs: c.top}
			b.ReportAllocs()
			for b.Loop() {
				s.Reset()
				for _, err := range s.GenerateTokens(context.Background(), []int32{1, 415}, cfg) {
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
