package sample

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSelKeyOrder(t *testing.T) {
	// Keys in increasing order, each with two ids: the packed keys must
	// sort the same way.
	values := []float32{samplerNegInf, -1e30, -2.5, -1, -1e-40, 0, 1e-40, 1, 2.5, 1e30, -samplerNegInf}
	var want []uint64
	for _, v := range values {
		want = append(want, selKey(v, 3), selKey(v, 70000))
	}
	assert.True(t, slices.IsSorted(want))
	assert.Equal(t, selKey(0, 5), selKey(float32(math.Copysign(0, -1)), 5), "−0 and +0 are equal")
	assert.Equal(t, int32(70000), selItem{key: selKey(-2.5, 70000)}.id())
}

// samplerShapes are inputs that defeat naive partitioning.
var samplerShapes = map[string]func(r *rand.Rand, i, n int) float32{
	"random":     func(r *rand.Rand, _, _ int) float32 { return float32(r.NormFloat64()) },
	"increasing": func(_ *rand.Rand, i, _ int) float32 { return float32(i) },
	"decreasing": func(_ *rand.Rand, i, n int) float32 { return float32(n - i) },
	"constant":   func(_ *rand.Rand, _, _ int) float32 { return 1 },
	"organ pipe": func(_ *rand.Rand, i, n int) float32 { return float32(min(i, n-i)) },
	"few values": func(r *rand.Rand, _, _ int) float32 { return float32(r.IntN(3)) },
}

// samplerSelection returns a selection of n items of the given shape, ids
// shuffled, with small integer weights (whose sums are exact).
func samplerSelection(r *rand.Rand, shape func(*rand.Rand, int, int) float32, n int) selection {
	ids := r.Perm(n)
	sel := make(selection, n)
	for i := range sel {
		sel[i] = selItem{key: selKey(shape(r, i, n), int32(ids[i])), weight: float32(1 + r.IntN(5))}
	}
	return sel
}

func TestSelectionQuickSelectAndCumulative(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 9))
	for name, shape := range samplerShapes {
		for _, n := range []int{1, 2, 3, 31, 32, 33, 100, 1000, 5000} {
			sel := samplerSelection(r, shape, n)
			sorted := slices.Clone(sel)
			sorted.sort()
			total := 0.0
			for _, it := range sel {
				total += float64(it.weight)
			}

			for _, k := range []int{1, 2, n / 3, n - 1, n} {
				if k < 1 || k > n {
					continue
				}
				got := slices.Clone(sel)
				got.quickSelect(k)
				got[:k].sort()
				assert.Equal(t, sorted[:k], got[:k], "%s n=%d k=%d", name, n, k)
			}

			for _, frac := range []float64{0.01, 0.3, 0.5, 0.9, 0.999, 1} {
				target := frac * total
				got := slices.Clone(sel)
				m := got.cumulative(target)
				require.GreaterOrEqual(t, m, 1)
				// The prefix is the m smallest, and m is the shortest
				// prefix of the sorted order whose weight reaches target.
				got[:m].sort()
				assert.Equal(t, sorted[:m], got[:m], "%s n=%d target=%g", name, n, target)
				want, cum := 0, 0.0
				for want < n {
					cum += float64(sorted[want].weight)
					want++
					if cum >= target {
						break
					}
				}
				assert.Equal(t, want, m, "%s n=%d target=%g", name, n, target)
			}
		}
	}
}
