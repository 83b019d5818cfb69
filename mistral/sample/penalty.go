package sample

import "slices"

// tokenWindow is the window of the most recently accepted tokens.
type tokenWindow struct {
	buf  []int32 // (≤ size) ring of the last tokens; grows up to size, then wraps
	size int     // the window's length, ≥ 1; 0 in the zero tokenWindow, which holds none
	next int     // where the next token goes once buf is full; its oldest token
}

// tokenWindowPrealloc bounds the room a new tokenWindow reserves up front,
// so that a huge PenaltyWindow costs only what is used.
const tokenWindowPrealloc = 4096

// resize makes the window hold size tokens (≥ 1), keeping the most recent
// of those it holds. The zero tokenWindow holds none yet.
func (h *tokenWindow) resize(size int) {
	if size == h.size {
		return
	}
	var keep []int32
	if len(h.buf) > 0 {
		keep = h.appendTo(nil)
		keep = keep[max(0, len(keep)-size):]
	}
	h.size = size
	h.buf = make([]int32, 0, min(size, tokenWindowPrealloc))
	h.next = 0
	for _, id := range keep {
		h.push(id)
	}
}

func (h *tokenWindow) push(id int32) {
	if len(h.buf) < h.size {
		h.buf = append(h.buf, id)
		return
	}
	h.buf[h.next] = id
	h.next++
	if h.next == h.size {
		h.next = 0
	}
}

func (h *tokenWindow) clear() {
	h.buf = h.buf[:0]
	h.next = 0
}

// appendTo appends the window's tokens to dst, oldest first.
func (h *tokenWindow) appendTo(dst []int32) []int32 {
	dst = append(dst, h.buf[h.next:]...)
	return append(dst, h.buf[:h.next]...)
}

// applyBias adds the logit bias. It runs first, while the candidates are the
// whole vocabulary in order of id.
func (s *Sampler) applyBias(c *Candidates) {
	logits := c.logits
	for _, b := range s.bias {
		if int(b.id) >= len(logits) {
			break // sorted by id: the rest are outside the vocabulary too
		}
		logits[b.id] += b.delta
	}
}

// penalizes reports whether a penalty applies to some token of the window.
func (s *Sampler) penalizes() bool {
	return (s.repeatPenalty != 0 || s.frequencyPenalty != 0 || s.presencePenalty != 0) && len(s.hist.buf) > 0
}

// applyPenalties applies the repetition, frequency and presence penalties
// to the tokens of the window. It runs while the candidates are still the
// whole vocabulary in order of id.
func (s *Sampler) applyPenalties(c *Candidates) {
	if !s.penalizes() {
		return
	}
	// Sorting a copy of the window groups each token's occurrences without
	// a map: the window is short next to the vocabulary.
	s.window = s.hist.appendTo(s.window[:0])
	w := s.window
	slices.Sort(w)
	logits := c.logits
	for i := 0; i < len(w); {
		id := w[i]
		j := i + 1
		for j < len(w) && w[j] == id {
			j++
		}
		count := j - i
		i = j
		if int(id) >= len(logits) {
			break // sorted: the rest are outside the vocabulary too
		}
		l := logits[id]
		if s.repeatPenalty != 0 {
			if l > 0 {
				l /= s.repeatPenalty
			} else {
				l *= s.repeatPenalty
			}
		}
		// The explicit conversion rounds the product, so that no fused
		// multiply-add makes the result depend on the CPU.
		l -= float32(float32(count)*s.frequencyPenalty) + s.presencePenalty
		logits[id] = l
	}
}
