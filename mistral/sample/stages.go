package sample

import "math"

// keepNucleus is the top-p stage: it keeps the smallest set of candidates of
// highest logit whose probability reaches p (0 < p < 1).
func (c *Candidates) keepNucleus(p float32) {
	c.ensureProbs()
	target := float64(p) * c.weightSum // probs holds weights
	if c.sorted {
		cum := 0.0
		for i, w := range c.probs {
			cum += float64(w)
			if cum >= target {
				c.Truncate(i + 1)
				return
			}
		}
		return // rounding kept the total below p: keep all
	}
	sel := c.loadByLogit()
	c.gather(sel, sel.cumulative(target))
	// The kept candidates are in no particular order.
}

// keepTypical is the typical-p stage: it keeps the smallest set of the
// candidates whose surprise −log p is closest to the entropy H of the
// distribution, whose probability reaches p (0 < p < 1).
func (c *Candidates) keepTypical(p float32) {
	c.ensureProbs()
	if math.IsInf(c.logSum, 0) {
		return // every logit is −Inf, or some +Inf: nothing else is possible
	}
	// With log pᵢ = logitᵢ − logSum, the distance |−log pᵢ − H| is
	// |logitᵢ − (logSum − H)|: no logarithm per candidate.
	entropy := 0.0 // Σ pᵢ (logSum − logitᵢ), with pᵢ = wᵢ / weightSum
	for i, w := range c.probs {
		if w > 0 {
			entropy += float64(w) * (c.logSum - float64(c.logits[i]))
		}
	}
	entropy /= c.weightSum
	center := c.logSum - entropy
	sel := c.sel[:c.Len()]
	for i, l := range c.logits {
		distance := float32(math.Abs(float64(l) - center))
		sel[i] = selItem{key: selKey(distance, c.ids[i]), weight: c.probs[i]}
	}
	c.gather(sel, sel.cumulative(float64(p)*c.weightSum))
	c.sorted = c.Len() == 1
}

// keepMinP is the min-p stage: it keeps the candidates whose probability is
// at least minP times the highest (0 < minP ≤ 1), which is to say whose
// logit is at least the highest plus log minP. The most likely is always
// kept.
func (c *Candidates) keepMinP(minP float32) {
	threshold := float64(c.maxLogit()) + math.Log(float64(minP))
	c.DeleteFunc(func(_ int32, logit float32) bool {
		return float64(logit) < threshold
	})
}

// draw divides the logits by the temperature, takes their softmax and picks
// a candidate with u, drawn uniformly from [0, 1).
func (c *Candidates) draw(temperature float32, u float64) int32 {
	if c.Len() == 1 {
		return c.ids[0]
	}
	top := float64(c.maxLogit())
	if math.IsInf(top, -1) {
		return c.argmax() // nothing is possible: answer deterministically
	}
	c.probsValid = false
	// The weights exp((logit − max)/T) stand for the probabilities, unscaled:
	// dividing by their total would change nothing in the draw.
	weights := c.probs
	total := 0.0
	if math.IsInf(top, 1) {
		total = c.infiniteWeights() // the +Inf candidates share everything
	} else {
		invT := 1 / float64(temperature)
		for i, l := range c.logits {
			w := float32(expNonPositive((float64(l) - top) * invT))
			weights[i] = w
			total += float64(w)
		}
	}
	x := u * total
	cum := 0.0
	last := 0
	for i, w := range weights {
		if w == 0 {
			continue
		}
		cum += float64(w)
		if x < cum {
			return c.ids[i]
		}
		last = i
	}
	return c.ids[last] // x fell past the total by rounding
}
