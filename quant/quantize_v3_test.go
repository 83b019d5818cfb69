package quant

import (
	"fmt"
	"math"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// v3Budgets bound the relative L2 error of the logits of tiny-mistral-v3
// against the float64 reference, over every reference position of both
// sequences (past the window too).
//
// issue is the budget issue 5 sets, for the error of all positions together
// (and their mean). It does not hold at every single position for Q8_0,
// Q5_K_M and Q4_0, and not because of our quantisation: our files are byte
// for byte llama.cpp's (checked below, and by TestMixtureMatchesLlamaCpp),
// and llama.cpp's files give the same errors in our runtime. A few reference
// positions (val_400 129, train_400 300, 100 and 5) have logits of a third
// to a half of the usual norm (RMS 3 to 5 rather than 7 to 10), which
// multiplies the relative error of any quantisation; even the Q8_0 weights
// dequantised to F32 and computed without quantised activations reach
// 1.1e-2 at train_400 300. The mean errors are those the reference's README
// reports for llama.cpp (Q8_0 3.7e-3, Q6_K 7.9e-3, Q4_K_M 1.9e-2, Q4_0
// 2.4e-2). worst is what these weights measure, with a margin: the test
// holds it, and logs where the issue's budget is exceeded.
var v3Budgets = []struct {
	ft           FileType
	issue, worst float64
}{
	{FileTypeF16, 1e-3, 1e-3},
	{FileTypeQ8_0, 1e-2, 2.5e-2},
	{FileTypeQ6_K, 3e-2, 3e-2},
	{FileTypeQ5_K_M, 3e-2, 6e-2},
	{FileTypeQ4_K_M, 8e-2, 8e-2},
	{FileTypeQ4_0, 8e-2, 1.8e-1},
}

// TestQuantizeV3Quality converts and quantises tiny-mistral-v3 from its
// Hugging Face files in one step, and runs each file in our runtime against
// the reference. Where llama.cpp made the same type from the same weights
// (the tiny-mistral-v3-*.gguf files), every tensor must be byte for byte
// the same: the same mixture, and the same GGML quantisers.
func TestQuantizeV3Quality(t *testing.T) {
	src := shared(t, "tiny-mistral-v3")
	var ref *testref.Reference
	for _, tt := range v3Budgets {
		t.Run(tt.ft.String(), func(t *testing.T) {
			dst, res := quantizeInto(t, src, QuantizeOptions{Type: tt.ft})
			m := loadModel(t, dst)
			if ref == nil {
				ref = testref.LoadReference(t, src, m.Params().Vocab)
			}
			var inside, all, mean, num, den float64
			n := 0
			where, whereInside := "", ""
			for si, s := range ref.Sequences {
				got := allLogits(t, m, s.IDs)
				for pi, p := range s.Positions {
					e := relErr(got[p], ref.Logits[si][pi])
					for i, w := range ref.Logits[si][pi] {
						d := float64(got[p][i]) - float64(w)
						num += d * d
						den += float64(w) * float64(w)
					}
					if p < ref.Window && e > inside {
						inside, whereInside = e, fmt.Sprintf("%s position %d", s.Name, p)
					}
					mean += e
					n++
					if e > all {
						all, where = e, fmt.Sprintf("%s position %d", s.Name, p)
					}
				}
			}
			stacked := math.Sqrt(num / den)
			t.Logf("%-6s %5.2f bits per weight, %8d bytes: relative L2 error over all positions %.2e (budget %.0e); per position mean %.2e, worst inside the window %.2e (%s), anywhere %.2e (%s)",
				tt.ft, res.BitsPerWeight(), res.OutputBytes, stacked, tt.issue, mean/float64(n), inside, whereInside, all, where)
			assert.Less(t, stacked, tt.issue, "relative L2 error of all positions together")
			assert.Less(t, mean/float64(n), tt.issue, "mean relative L2 error")
			assert.Less(t, all, tt.worst)
			if all >= tt.issue {
				t.Logf("%-6s above issue 5's budget of %.0e at %s (see v3Budgets)", tt.ft, tt.issue, where)
			}

			llama := filepath.Join(src, "tiny-mistral-v3-"+tt.ft.String()+".gguf")
			if !exists(llama) {
				return
			}
			want, got := openGGUF(t, llama), openGGUF(t, dst)
			require.Len(t, got.Tensors, len(want.Tensors))
			for _, wt := range want.Tensors {
				gt, ok := got.Tensor(wt.Name)
				require.True(t, ok, wt.Name)
				assert.Equal(t, wt.Type, gt.Type, "type of %s", wt.Name)
				assert.True(t, equalBytes(want.TensorData(wt), got.TensorData(gt)), "data of %s differs from llama.cpp's", wt.Name)
			}
		})
	}
}

// TestQuantizeV3Perplexity compares the perplexity on val_400 (exp of the
// mean negative log-likelihood of each next token of the reference ids) of
// our Q4_K_M and of llama.cpp's, both run by our runtime: ours may be no
// worse than 1.02 times llama.cpp's.
func TestQuantizeV3Perplexity(t *testing.T) {
	src := shared(t, "tiny-mistral-v3")
	dst, _ := quantizeInto(t, src, QuantizeOptions{Type: FileTypeQ4_K_M})
	ours := loadModel(t, dst)
	theirs := loadModel(t, filepath.Join(src, "tiny-mistral-v3-Q4_K_M.gguf"))
	ref := testref.LoadReference(t, src, ours.Params().Vocab)
	_, val := ref.Sequence(t, "val_400")

	pplOurs := perplexity(allLogits(t, ours, val.IDs), val.IDs)
	pplTheirs := perplexity(allLogits(t, theirs, val.IDs), val.IDs)
	t.Logf("val_400 perplexity: ours Q4_K_M %.4f, llama.cpp's Q4_K_M %.4f (ratio %.4f), float64 reference %.4f",
		pplOurs, pplTheirs, pplOurs/pplTheirs, math.Exp(val.MeanNLL))
	assert.LessOrEqual(t, pplOurs, 1.02*pplTheirs)
}
