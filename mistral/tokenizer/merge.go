package tokenizer

import "unicode/utf8"

// symbol is a span of the normalised text during BPE.
type symbol struct {
	start, end int32 // byte range in the text being merged
	id         int32 // symbol id of the span, or -1 if it is part of no piece
	prev, next int32 // neighbouring symbols, -1 at the ends
	frozen     bool  // a user-defined piece: never merged
	dead       bool  // merged into its left neighbour
}

// candidate is a pair of adjacent symbols whose concatenation is a piece.
type candidate struct {
	score       float32
	left, right int32 // symbol indices
	rightID     int32 // symbol id of the right symbol when the candidate was made
	merged      int32 // piece id of the concatenation
}

// before reports whether a is merged before b: higher score first, then the
// leftmost pair, as SentencePiece's agenda orders them.
func (a *candidate) before(b *candidate) bool {
	return a.score > b.score || (a.score == b.score && a.left < b.left)
}

// agenda is a binary max-heap of candidates.
type agenda []candidate

func (h *agenda) push(c candidate) {
	*h = append(*h, c)
	s := *h
	i := len(s) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !s[i].before(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *agenda) pop() candidate {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(s) {
			break
		}
		best := l
		if r := l + 1; r < len(s) && s[r].before(&s[l]) {
			best = r
		}
		if !s[best].before(&s[i]) {
			break
		}
		s[i], s[best] = s[best], s[i]
		i = best
	}
	*h = s
	return top
}

// halves records how a piece of type Unused was made, to split it back.
type halves struct{ left, right string }

// mergeSpan runs BPE over e.text[lo:hi] and appends the ids of the result.
func (e *encoder) mergeSpan(lo, hi int) {
	if lo >= hi {
		return
	}
	t := e.t
	m := &t.bpe
	s := e.text[:hi]
	syms := e.syms[:0]
	for i := lo; i < hi; {
		sym := symbol{start: int32(i), prev: int32(len(syms) - 1), next: int32(len(syms) + 1)}
		n := 1
		if id, un, ok := match(t.userDefined, s[i:]); ok {
			sym.id, sym.frozen, n = id, true, un
		} else if c := s[i]; c < utf8.RuneSelf {
			sym.id = m.ascii[c]
		} else {
			var r rune
			r, n = utf8.DecodeRune(s[i:])
			if r == spaceSymbolRune {
				sym.id = m.spaceID
			} else {
				sym.id = m.charID(r)
			}
		}
		i += n
		sym.end = int32(i)
		syms = append(syms, sym)
	}
	syms[len(syms)-1].next = -1
	e.syms = syms

	if len(syms) <= maxScanSymbols && !e.unused {
		e.mergeScan()
	} else {
		e.mergeHeap()
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		e.emit(&syms[i])
	}
}

// mergeHeap runs the merges of e.syms in SentencePiece's way, with a
// priority queue of candidate pairs: O(n log n) for n symbols.
func (e *encoder) mergeHeap() {
	syms := e.syms
	e.agenda = e.agenda[:0]
	for i := 1; i < len(syms); i++ {
		e.addPair(int32(i-1), int32(i))
	}
	for len(e.agenda) > 0 {
		c := e.agenda.pop()
		left, right := &syms[c.left], &syms[c.right]
		if left.dead || right.dead || right.id != c.rightID {
			continue // stale: one of the two has changed since
		}
		e.join(c.left, c.merged)
		e.addPair(left.prev, c.left)
		e.addPair(c.left, left.next)
	}
}

// maxScanSymbols is the length up to which mergeScan is faster than
// mergeHeap; words are shorter.
const maxScanSymbols = 32

// mergeScan runs the same merges as mergeHeap, finding the best pair by a
// scan of the symbols: O(n²), but with no queue to maintain. The best pair
// is the one of highest score, the leftmost on a tie, as with the queue.
// It does not record the making of Unused pieces.
func (e *encoder) mergeScan() {
	syms := e.syms
	pairs := e.pairs[:0]
	for i := range syms {
		pairs = append(pairs, e.pairAt(int32(i)))
	}
	e.pairs = pairs
	for {
		best := int32(-1)
		var bestScore float32
		for i := int32(0); i >= 0; i = syms[i].next {
			if p := &pairs[i]; p.id >= 0 && (best < 0 || p.score > bestScore) {
				best, bestScore = i, p.score
			}
		}
		if best < 0 {
			return
		}
		e.join(best, pairs[best].id)
		pairs[best] = e.pairAt(best)
		if prev := syms[best].prev; prev >= 0 {
			pairs[prev] = e.pairAt(prev)
		}
	}
}

// pairAt returns the merge of symbol i with the next, or id -1.
func (e *encoder) pairAt(i int32) merge {
	left := &e.syms[i]
	if left.next < 0 {
		return merge{id: -1}
	}
	right := &e.syms[left.next]
	if left.frozen || right.frozen || left.id < 0 || right.id < 0 {
		return merge{id: -1}
	}
	if mg, ok := e.t.bpe.merges.get(left.id, right.id); ok {
		return mg
	}
	return merge{id: -1}
}

// join merges symbol l with the next into the piece id.
func (e *encoder) join(l, id int32) {
	syms := e.syms
	left := &syms[l]
	right := &syms[left.next]
	left.end = right.end
	left.id = id
	left.next = right.next
	if right.next >= 0 {
		syms[right.next].prev = l
	}
	right.dead = true
}

// addPair makes a candidate of two adjacent symbols if their concatenation
// is a piece.
func (e *encoder) addPair(l, r int32) {
	if l < 0 || r < 0 {
		return
	}
	left, right := &e.syms[l], &e.syms[r]
	if left.frozen || right.frozen || left.id < 0 || right.id < 0 {
		return
	}
	mg, ok := e.t.bpe.merges.get(left.id, right.id)
	if !ok {
		return
	}
	e.agenda.push(candidate{score: mg.score, left: l, right: r, rightID: right.id, merged: mg.id})
	if e.unused && e.t.types[mg.id] == Unused {
		// SentencePiece records the last way each unused piece was made.
		e.rev[string(e.text[left.start:right.end])] = halves{
			left:  string(e.text[left.start:left.end]),
			right: string(e.text[right.start:right.end]),
		}
	}
}
