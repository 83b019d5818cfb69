package mistral

import (
	"context"
	"math"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/require"
)

// The reference: float64 logits of the tiny Mistral models computed outside
// the project by an independent implementation of the architecture
// (testdata/tiny-mistral-v1/ref.json and ref_logits.f32, copied from
// ../shared/testdata, read by testref.LoadReference).

var (
	tinyModel = testref.TinyModel()
	tinyRef   = testref.Testdata("tiny-mistral-v1")
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

func argmax(v []float32) int32 {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return int32(best)
}

// top2Gap returns the difference between the two largest values.
func top2Gap(v []float32) float64 {
	a, b := math.Inf(-1), math.Inf(-1)
	for _, x := range v {
		f := float64(x)
		if f > a {
			a, b = f, a
		} else if f > b {
			b = f
		}
	}
	return a - b
}

func loadTiny(t testing.TB) *Model {
	t.Helper()
	m, err := Load(context.Background(), tinyModel, Config{Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// allLogits feeds ids to a fresh session, chunk tokens per call (all at
// once when chunk is 0), and returns the logits after every token.
func allLogits(t testing.TB, m *Model, ids []int32, chunk int) [][]float32 {
	t.Helper()
	return allLogitsWith(t, m, ids, chunk, SessionConfig{})
}

// allLogitsWith is allLogits on a session made with cfg.
func allLogitsWith(t testing.TB, m *Model, ids []int32, chunk int, cfg SessionConfig) [][]float32 {
	t.Helper()
	s, err := m.NewSession(cfg)
	require.NoError(t, err)
	defer s.Close()
	if chunk <= 0 {
		chunk = len(ids)
	}
	out := make([][]float32, 0, len(ids))
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		require.NoError(t, s.FeedAll(context.Background(), part, func(i int, l []float32) error {
			out = append(out, append([]float32(nil), l...))
			return nil
		}))
	}
	return out
}

func TestLogitsMatchReference(t *testing.T) {
	m := loadTiny(t)
	require.Equal(t, 128, m.Params().Window)
	require.Equal(t, "file", m.Params().WindowSource.String())
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	for si, seq := range ref.Sequences {
		t.Run(seq.Name, func(t *testing.T) {
			got := allLogits(t, m, seq.IDs, 0)
			worst := 0.0
			for pi, pos := range seq.Positions {
				want := ref.Logits[si][pi]
				e := relErr(got[pos], want)
				worst = max(worst, e)
				require.Less(t, e, 1e-3, "position %d", pos)
				if top2Gap(want) > 0.1 {
					require.Equal(t, argmax(want), argmax(got[pos]), "argmax at position %d", pos)
				}
			}
			// The reference gives its argmax at every position; where our
			// own top-2 gap is clear, ours must agree.
			for pos, a := range seq.Argmax {
				if top2Gap(got[pos]) > 0.1 {
					require.Equal(t, a, argmax(got[pos]), "argmax at position %d", pos)
				}
			}
			// And the mean negative log-likelihood of the next tokens.
			var nll float64
			for pos := 0; pos+1 < len(seq.IDs); pos++ {
				nll += negLogProb(got[pos], seq.IDs[pos+1])
			}
			nll /= float64(len(seq.IDs) - 1)
			require.InDelta(t, seq.MeanNLL, nll, 1e-3*seq.MeanNLL, "mean NLL")
			t.Logf("%s: worst relative L2 error %.2e over %d positions", seq.Name, worst, len(seq.Positions))
		})
	}
}

// TestKeyCacheQ8_0: with the keys cached in Q8_0, the logits stay within the
// model issue's budget for Q8_0 (relative L2 error 1e-2) of the reference at
// every position, inside and past the window, the perplexity within 1%, and
// how the tokens are chunked changes nothing.
func TestKeyCacheQ8_0(t *testing.T) {
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	cfg := SessionConfig{Cache: CacheQ8_0}
	for si, seq := range ref.Sequences {
		whole := allLogitsWith(t, m, seq.IDs, 0, cfg)
		worst := 0.0
		for pi, pos := range seq.Positions {
			e := relErr(whole[pos], ref.Logits[si][pi])
			worst = max(worst, e)
			require.Less(t, e, 1e-2, "%s position %d", seq.Name, pos)
		}
		var nll float64
		for pos := 0; pos+1 < len(seq.IDs); pos++ {
			nll += negLogProb(whole[pos], seq.IDs[pos+1])
		}
		ppl, refPPL := math.Exp(nll/float64(len(seq.IDs)-1)), math.Exp(seq.MeanNLL)
		require.InEpsilon(t, refPPL, ppl, 0.01, "%s perplexity", seq.Name)
		t.Logf("%s, Q8_0 keys: worst relative L2 error %.2e; perplexity %.4f (reference %.4f)", seq.Name, worst, ppl, refPPL)
		for _, batch := range []int{1, 64} {
			compareAll(t, whole, allLogitsWith(t, m, seq.IDs, batch, cfg), seq.Name, batch)
		}
	}
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

// TestChunkingDoesNotChangeLogits feeds the 400-token sequences at once, in
// chunks of several sizes (smaller than, equal to and larger than the window
// of 128), and one token at a time after a short prefill: the logits must
// agree everywhere. (They agree bit for bit: see slots and minRows.)
func TestChunkingDoesNotChangeLogits(t *testing.T) {
	t.Parallel() // long; uses no test hook
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	for _, seq := range ref.Sequences {
		whole := allLogits(t, m, seq.IDs, 0)
		for _, batch := range []int{1, 7, 64, 96, 128, 200} { // tokens per Feed call
			got := allLogits(t, m, seq.IDs, batch)
			compareAll(t, whole, got, seq.Name, batch)
		}
		// Decode one by one after a prefill of 10 tokens, through Feed and
		// Logits as generation does.
		s, err := m.NewSession(SessionConfig{})
		require.NoError(t, err)
		got := make([][]float32, len(seq.IDs))
		require.NoError(t, s.FeedAll(context.Background(), seq.IDs[:10], func(i int, l []float32) error {
			got[i] = append([]float32(nil), l...)
			return nil
		}))
		for i := 10; i < len(seq.IDs); i++ {
			require.NoError(t, s.Feed(context.Background(), seq.IDs[i:i+1]))
			got[i] = append([]float32(nil), s.Logits()...)
		}
		require.Equal(t, len(seq.IDs), s.Position())
		s.Close()
		compareAll(t, whole, got, seq.Name, -1)
	}
}

func compareAll(t *testing.T, want, got [][]float32, name string, batch int) {
	t.Helper()
	worst := 0.0
	for pos := range want {
		e := relErr(got[pos], want[pos])
		worst = max(worst, e)
		require.Less(t, e, 1e-4, "%s batch %d position %d", name, batch, pos)
		if top2Gap(want[pos]) > 1e-3 {
			require.Equal(t, argmax(want[pos]), argmax(got[pos]), "%s batch %d argmax at %d", name, batch, pos)
		}
	}
	t.Logf("%s, batch %d: worst relative difference %.1e", name, batch, worst)
}
