package mistral

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The llama.cpp-made quantisations of tiny-mistral-v3 (extended: they live
// in ../shared/testdata, beside the repository, not in it).
var sharedV3, _ = testref.SharedPath("tiny-mistral-v3")

func v3Files(t *testing.T) {
	if _, err := os.Stat(sharedV3); err != nil {
		t.Skip("extended test: needs ../shared/testdata/tiny-mistral-v3 beside the repository")
	}
}

// v3Exact lists the v3 files with what a Session of each needs for a
// token's logits not to depend on the tokens computed with it: repacked
// Q4_0 and Q6_K nothing; Q8_0, and Q4_K_M (its Q4_K matrices repacked, whose
// kernels compute rows alike only in whole groups of four),
// SessionConfig.Deterministic.
var v3Exact = []struct {
	file          string
	deterministic bool
}{
	{"tiny-mistral-v3-Q4_0.gguf", false},
	{"tiny-mistral-v3-Q4_K_M.gguf", true},
	{"tiny-mistral-v3-Q6_K.gguf", false},
	{"tiny-mistral-v3-Q8_0.gguf", true},
}

type v3Budget struct {
	file       string
	logitError float64 // the budget for the relative logit error
	pplError   float64 // and for the perplexity of val_400
	worst      float64 // the ceiling this test holds the worst position to
}

// The budgets of the model issue hold for the relative L2 error of the
// logits of all reference positions together (every position inside and
// past the window, stacked) and for its mean over positions; the ceilings
// are what this test holds the worst single position to. For Q8_0 and Q4_0 the budget cannot hold
// at every position for any implementation: computing with the files' own
// weights dequantised exactly to F32, in F32 throughout (an F32 cache, no
// rounding of activations), already gives 1.12e-2 (Q8_0, train_400 position
// 300) and 1.43e-1 (Q4_0, val_400 position 129), where the reference's logits
// are unusually small. Those two are held to what we measure, with a margin
// (GGML rounds activations to Q8_0 for these weights, as llama.cpp does;
// Q4_0's worst is 1.44e-1 with the plain layout, 1.50e-1 repacked); their
// mean error is far inside the budget. Files with repackable weights are
// checked both ways: repacked (the default) and with Config.Repack = RepackOff.
var v3Budgets = []v3Budget{
	{"tiny-mistral-v3-Q8_0.gguf", 1e-2, 0.01, 2e-2},
	{"tiny-mistral-v3-Q6_K.gguf", 3e-2, 0.03, 3e-2},
	{"tiny-mistral-v3-Q4_K_M.gguf", 8e-2, 0.06, 8e-2},
	{"tiny-mistral-v3-Q4_0.gguf", 8e-2, 0.06, 1.8e-1},
}

func TestQuantisedV3AgainstReference(t *testing.T) {
	t.Parallel() // long; uses no test hook
	v3Files(t)
	for _, b := range v3Budgets {
		t.Run(b.file, func(t *testing.T) {
			if checkV3File(t, b, Config{Threads: 1}) > 0 {
				t.Run("no-repack", func(t *testing.T) {
					assert.Zero(t, checkV3File(t, b, Config{Threads: 1, Repack: RepackOff}))
				})
			}
		})
	}
}

// checkV3File compares a v3 file's logits with the reference against the
// budget and returns the model's RepackedBytes.
func checkV3File(t *testing.T, b v3Budget, cfg Config) int64 {
	m, err := Load(context.Background(), filepath.Join(sharedV3, b.file), cfg)
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, 96, m.Params().Window)
	ref := testref.LoadReference(t, sharedV3, m.Params().Vocab)
	for si, seq := range ref.Sequences {
		got := allLogits(t, m, seq.IDs, 0)
		var worst, sum, num, den float64
		worstAt := 0
		for pi, pos := range seq.Positions {
			e := relErr(got[pos], ref.Logits[si][pi])
			sum += e
			for i, w := range ref.Logits[si][pi] {
				d := float64(got[pos][i]) - float64(w)
				num += d * d
				den += float64(w) * float64(w)
			}
			if e > worst {
				worst, worstAt = e, pos
			}
		}
		var nll float64
		for pos := 0; pos+1 < len(seq.IDs); pos++ {
			nll += negLogProb(got[pos], seq.IDs[pos+1])
		}
		ppl := math.Exp(nll / float64(len(seq.IDs)-1))
		refPPL := math.Exp(seq.MeanNLL)
		mean := sum / float64(len(seq.Positions))
		all := math.Sqrt(num / den)
		t.Logf("%s: relative logit error over all positions %.2e (budget %.0e); per position mean %.2e, worst %.2e at position %d; perplexity %.3f vs %.3f (%+.2f%%, budget %.0f%%)",
			seq.Name, all, b.logitError, mean, worst, worstAt, ppl, refPPL, 100*(ppl/refPPL-1), 100*b.pplError)
		assert.Less(t, all, b.logitError, "%s: relative logit error over all positions", seq.Name)
		assert.Less(t, mean, b.logitError, "%s: mean relative logit error", seq.Name)
		assert.Less(t, worst, b.worst, "%s: worst relative logit error (position %d)", seq.Name, worstAt)
		assert.InEpsilon(t, refPPL, ppl, b.pplError, "%s: perplexity", seq.Name)
	}
	return m.RepackedBytes()
}
