package mistral

import (
	"math"
)

// MaxTopLogProbs is the most alternatives GenerateConfig.TopLogProbs may ask
// for (OpenAI's limit).
const MaxTopLogProbs = 20

// TokenLogProb is a token with its log-probability.
type TokenLogProb struct {
	ID int32
	// Text is the token's text: its bytes, a space for ▁; a byte token's
	// one byte (which may be part of a UTF-8 character); a control token's
	// name, such as "</s>".
	Text    string
	LogProb float32
}

// logProbs computes log-probabilities from a step's logits: the log of
// softmax, before any sampler stage.
type logProbs struct {
	top   int
	texts []string // per token id: TokenLogProb.Text
	heap  []TokenLogProb
}

// tokenTexts returns every token's TokenLogProb.Text, made once per model.
func (m *model) tokenTexts() []string {
	m.textsOnce.Do(func() {
		tok := m.tok
		m.texts = make([]string, tok.Len())
		for id := range int32(tok.Len()) {
			m.texts[id] = tok.Text(id)
		}
	})
	return m.texts
}

// logSumExp returns log Σ exp(x) over the logits, in float64.
func logSumExp(logits []float32) float64 {
	mx := math.Inf(-1)
	for _, v := range logits {
		mx = max(mx, float64(v))
	}
	if math.IsInf(mx, -1) {
		return mx
	}
	var sum float64
	for _, v := range logits {
		sum += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(sum)
}

// of returns the log-probability of id and the top most likely tokens,
// most likely first (ties by lower id), from a step's logits.
func (lp *logProbs) of(logits []float32, id int32) (float32, []TokenLogProb) {
	lse := logSumExp(logits)
	chosen := float32(float64(logits[id]) - lse)
	if lp.top == 0 {
		return chosen, nil
	}
	// A min-heap of the best top: its root is the worst kept.
	h := lp.heap[:0]
	worse := func(a, b TokenLogProb) bool { // a ranks below b
		return a.LogProb < b.LogProb || a.LogProb == b.LogProb && a.ID > b.ID
	}
	down := func(i int) {
		for {
			l, r, w := 2*i+1, 2*i+2, i
			if l < len(h) && worse(h[l], h[w]) {
				w = l
			}
			if r < len(h) && worse(h[r], h[w]) {
				w = r
			}
			if w == i {
				return
			}
			h[i], h[w] = h[w], h[i]
			i = w
		}
	}
	for i, v := range logits {
		c := TokenLogProb{ID: int32(i), LogProb: v}
		switch {
		case len(h) < lp.top:
			h = append(h, c)
			for j := len(h) - 1; j > 0; {
				p := (j - 1) / 2
				if !worse(h[j], h[p]) {
					break
				}
				h[j], h[p] = h[p], h[j]
				j = p
			}
		case worse(h[0], c):
			h[0] = c
			down(0)
		}
	}
	lp.heap = h
	out := make([]TokenLogProb, len(h))
	for i := len(out) - 1; i >= 0; i-- { // pop the worst first
		out[i] = h[0]
		h[0] = h[len(h)-1]
		h = h[:len(h)-1]
		down(0)
	}
	for i := range out {
		out[i].LogProb = float32(float64(out[i].LogProb) - lse)
		out[i].Text = lp.texts[out[i].ID]
	}
	return chosen, out
}
