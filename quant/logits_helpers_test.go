package quant

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral"
)

// relErr returns ||got - want|| / ||want||.
func relErr(got, want []float32) float64 {
	var num, den float64
	for i := range want {
		d := float64(got[i]) - float64(want[i])
		num += d * d
		den += float64(want[i]) * float64(want[i])
	}
	return math.Sqrt(num / den)
}

// negLogProb returns -log softmax(logits)[id], computed stably.
func negLogProb(logits []float32, id int32) float64 {
	mx := math.Inf(-1)
	for _, x := range logits {
		mx = math.Max(mx, float64(x))
	}
	var sum float64
	for _, x := range logits {
		sum += math.Exp(float64(x) - mx)
	}
	return -(float64(logits[id]) - mx - math.Log(sum))
}

// perplexity returns exp of the mean negative log-likelihood of each next
// token of ids, from logits[i] after ids[i].
func perplexity(logits [][]float32, ids []int32) float64 {
	var nll float64
	for i := 0; i+1 < len(ids); i++ {
		nll += negLogProb(logits[i], ids[i+1])
	}
	return math.Exp(nll / float64(len(ids)-1))
}

// loadModel loads a GGUF file with our runtime, on one thread, for the
// duration of the test.
func loadModel(t testing.TB, path string) *mistral.Model {
	t.Helper()
	m, err := mistral.Load(context.Background(), path, mistral.Config{Threads: 1, Logger: discardLogger})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// allLogits feeds ids to a fresh session and returns the logits after each.
func allLogits(t testing.TB, m *mistral.Model, ids []int32) [][]float32 {
	t.Helper()
	s, err := m.NewSession(mistral.SessionConfig{})
	require.NoError(t, err)
	defer s.Close()
	out := make([][]float32, 0, len(ids))
	require.NoError(t, s.FeedAll(context.Background(), ids, func(_ int, l []float32) error {
		out = append(out, append([]float32(nil), l...))
		return nil
	}))
	return out
}

// worstError returns the largest relative L2 error of our logits against
// the reference over the reference positions of every sequence (all of
// them, past the window too), and where it is.
func worstError(t testing.TB, m *mistral.Model, ref *testref.Reference) (worst float64, seq string, pos int) {
	t.Helper()
	for si, s := range ref.Sequences {
		got := allLogits(t, m, s.IDs)
		for pi, p := range s.Positions {
			if e := relErr(got[p], ref.Logits[si][pi]); e > worst {
				worst, seq, pos = e, s.Name, p
			}
		}
	}
	return worst, seq, pos
}
