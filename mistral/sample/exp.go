package sample

import "math"

// expNonPositive returns e^x for x ≤ 0, to about float32 precision (a
// relative error below 1e-8), several times faster than math.Exp: softmax
// over the vocabulary calls it once per token. It returns 0 below −104,
// where e^x is no longer a float32.
func expNonPositive(x float64) float64 {
	if !(x >= -104) { // also −Inf and NaN
		return 0
	}
	// x = n·ln 2 + r with |r| ≤ ln 2 / 2, so e^x = 2ⁿ·e^r.
	const log2e = 1.4426950408889634
	n := int64(x*log2e - 0.5) // rounds to nearest, as x ≤ 0
	r := x - float64(n)*math.Ln2
	// Taylor series of e^r to degree 7: the remainder is below
	// (ln 2 / 2)⁸ / 8! ≈ 5e-9 relative.
	p := 1 + r*(1+r*(1.0/2+r*(1.0/6+r*(1.0/24+r*(1.0/120+r*(1.0/720+r*(1.0/5040)))))))
	return p * math.Float64frombits(uint64(n+1023)<<52)
}
