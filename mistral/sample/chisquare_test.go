package sample

import (
	"cmp"
	"math"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

// Pearson's chi-square goodness-of-fit test, for the statistical tests.

// samplerChiSquare returns Pearson's statistic for the counts against the
// probabilities, and its degrees of freedom. Tokens of expected count below
// 5 are pooled, the least likely first. A token of probability 0 that was
// drawn is an error.
func samplerChiSquare(t *testing.T, counts []int, probs []float64, draws int) (stat float64, df int) {
	type cell struct {
		expected float64
		observed int
	}
	var cells []cell
	for id, p := range probs {
		if p == 0 {
			assert.Zero(t, counts[id], "token %d has probability 0 but was drawn", id)
			continue
		}
		cells = append(cells, cell{p * float64(draws), counts[id]})
	}
	slices.SortFunc(cells, func(a, b cell) int { return cmp.Compare(a.expected, b.expected) })
	var bins []cell
	var pool cell
	for _, c := range cells {
		pool.expected += c.expected
		pool.observed += c.observed
		if pool.expected >= 5 {
			bins = append(bins, pool)
			pool = cell{}
		}
	}
	if pool.expected > 0 {
		if len(bins) == 0 {
			bins = append(bins, pool)
		} else {
			bins[len(bins)-1].expected += pool.expected
			bins[len(bins)-1].observed += pool.observed
		}
	}
	for _, b := range bins {
		d := float64(b.observed) - b.expected
		stat += d * d / b.expected
	}
	return stat, len(bins) - 1
}

// samplerGammaQ is the regularised upper incomplete gamma function Q(a, x):
// the probability that a chi-square variable of 2a degrees of freedom
// exceeds 2x. Its series (x < a+1) and its continued fraction (Legendre's,
// evaluated by Lentz's method) are textbook.
func samplerGammaQ(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	lg, _ := math.Lgamma(a)
	front := math.Exp(-x + a*math.Log(x) - lg)
	if x < a+1 {
		term := 1 / a
		sum := term
		for n := 1.0; n < 10000 && term > sum*1e-17; n++ {
			term *= x / (a + n)
			sum += term
		}
		return 1 - front*sum
	}
	const tiny = 1e-300
	b := x + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1.0; i < 10000; i++ {
		an := -i * (i - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-16 {
			break
		}
	}
	return front * h
}

// samplerChiSquareCritical returns the x a chi-square variable of df
// degrees of freedom exceeds with probability alpha.
func samplerChiSquareCritical(df int, alpha float64) float64 {
	q := func(x float64) float64 { return samplerGammaQ(float64(df)/2, x/2) }
	lo, hi := 0.0, float64(df)+100
	for q(hi) > alpha {
		hi *= 2
	}
	for range 200 {
		mid := (lo + hi) / 2
		if q(mid) > alpha {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi
}

func TestChiSquareCritical(t *testing.T) {
	// Closed forms: Q(1/2, x/2) = erfc(√(x/2)), Q(1, x/2) = exp(−x/2).
	for _, x := range []float64{0.1, 1, 3, 10, 30, 60} {
		assert.InEpsilon(t, math.Erfc(math.Sqrt(x/2)), samplerGammaQ(0.5, x/2), 1e-10, "x=%g", x)
		assert.InEpsilon(t, math.Exp(-x/2), samplerGammaQ(1, x/2), 1e-10, "x=%g", x)
	}
	assert.InEpsilon(t, 2*math.Log(1e6), samplerChiSquareCritical(2, 1e-6), 1e-9)
	// For 1 degree of freedom, the critical value is the square of the
	// normal quantile: erfc(z/√2) = α.
	z := math.Sqrt2 * math.Erfcinv(1e-6)
	assert.InEpsilon(t, z*z, samplerChiSquareCritical(1, 1e-6), 1e-9)
	// Wilson–Hilferty is good to a fraction of a percent at 100 degrees.
	zt := math.Sqrt2 * math.Erfcinv(2e-6)
	wh := 100 * math.Pow(1-2.0/900+zt*math.Sqrt(2.0/900), 3)
	assert.InEpsilon(t, wh, samplerChiSquareCritical(100, 1e-6), 5e-3)
}
