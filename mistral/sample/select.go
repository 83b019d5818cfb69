package sample

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
)

// Selection: the stages that keep the best candidates by some order (top-k,
// top-p and typical-p) load the candidates into sel, each as one integer
// key that sorts in that order, select the best there (never sorting the
// whole vocabulary unless asked to), and gather the candidates they keep in
// the order of sel. Equal keys are ordered by id, so that every order is
// total and every result deterministic.

// selection is what the selecting stages sort and partition: the
// candidates, in the order they are being put in.
type selection []selItem

// selItem is a candidate as selection sees it.
type selItem struct {
	key    uint64  // the order, smallest first: the key's bits, then the id
	weight float32 // the candidate's probs entry, for the cumulative stages
}

// selKey returns the selItem key of a candidate: unsigned integers of this
// form compare as (key, id) does, with key as a float32 (not NaN).
func selKey(key float32, id int32) uint64 {
	if key == 0 {
		key = 0 // −0 and +0 are equal
	}
	b := math.Float32bits(key)
	if b>>31 != 0 {
		b = ^b // negative: larger magnitudes first
	} else {
		b |= 1 << 31 // positive: after every negative
	}
	return uint64(b)<<32 | uint64(uint32(id))
}

// id returns the token of it.
func (it selItem) id() int32 { return int32(uint32(it.key)) }

func compareSel(a, b selItem) int { return cmp.Compare(a.key, b.key) }

// loadByLogit fills sel so that the highest logit comes first.
func (c *Candidates) loadByLogit() selection {
	sel := c.sel[:len(c.ids)]
	for i, id := range c.ids {
		sel[i] = selItem{key: selKey(-c.logits[i], id), weight: c.probs[i]}
	}
	return sel
}

// gather makes the candidates of sel[:m] the only ones, in the order of sel.
func (c *Candidates) gather(sel selection, m int) {
	if m < c.Len() {
		c.probsValid = false // their weights no longer sum to weightSum
	}
	if !c.byID {
		for i, id := range c.ids {
			c.where[id] = int32(i)
		}
	}
	ids, logits, probs := c.spareIDs[:m], c.spareLogits[:m], c.spareProbs[:m]
	for j, it := range sel[:m] {
		id := it.id()
		i := id
		if !c.byID {
			i = c.where[id]
		}
		ids[j], logits[j], probs[j] = id, c.logits[i], c.probs[i]
	}
	c.spareIDs, c.ids = c.ids[:cap(c.ids)], ids
	c.spareLogits, c.logits = c.logits[:cap(c.logits)], logits
	c.spareProbs, c.probs = c.probs[:cap(c.probs)], probs
	c.byID = false
}

// keepTopByLogit keeps the k candidates of highest logit (0 < k < Len()),
// in order.
func (c *Candidates) keepTopByLogit(k int) {
	if k > selHeapLimit {
		sel := c.loadByLogit()
		sel.quickSelect(k)
		sel[:k].sort()
		c.gather(sel, k)
		return
	}
	// A heap of the k best seen so far, whose root is the worst of them:
	// most candidates are rejected by one comparison, none is copied but
	// those that enter the heap.
	h := c.sel[:k]
	for i := range h {
		h[i] = selItem{key: selKey(-c.logits[i], c.ids[i]), weight: c.probs[i]}
	}
	for i := k/2 - 1; i >= 0; i-- {
		h.siftDown(i)
	}
	for i := k; i < len(c.ids); i++ {
		if key := selKey(-c.logits[i], c.ids[i]); key < h[0].key {
			h[0] = selItem{key: key, weight: c.probs[i]}
			h.siftDown(0)
		}
	}
	for end := k - 1; end > 0; end-- {
		h[0], h[end] = h[end], h[0]
		h[:end].siftDown(0)
	}
	c.gather(h, k)
}

// sort sorts sel in increasing order.
func (sel selection) sort() { slices.SortFunc(sel, compareSel) }

// selHeapLimit is the largest k for which keepTopByLogit keeps a heap rather
// than partitioning: a small heap rejects most items with one comparison.
const selHeapLimit = 64

// siftDown restores, below i, the property of the heap h: no item is
// larger than its parent.
func (h selection) siftDown(i int) {
	for {
		child := 2*i + 1
		if child >= len(h) {
			return
		}
		if r := child + 1; r < len(h) && h[child].key < h[r].key {
			child = r
		}
		if h[i].key >= h[child].key {
			return
		}
		h[i], h[child] = h[child], h[i]
		i = child
	}
}

// quickSelect moves the k smallest items of sel to its front, in no order
// (0 < k ≤ len(sel)): O(len(sel)) expected, and a sort if partitioning
// goes badly.
func (sel selection) quickSelect(k int) {
	lo, hi := 0, len(sel)
	for budget := selBudget(hi); hi-lo > selSmallRange; budget-- {
		if budget == 0 {
			break
		}
		m, _ := sel[lo:hi].partition()
		m += lo
		switch {
		case m < k-1:
			lo = m + 1
		case m > k-1:
			hi = m
		default:
			return
		}
	}
	sel[lo:hi].sort()
}

// selSmallRange is the length below which the partitioning loops sort.
const selSmallRange = 32

// selBudget is how many partitions the loops allow for n items
// before they sort instead: twice what halving would take, and some.
func selBudget(n int) int { return 2*bits.Len(uint(n)) + 8 }

// partition rearranges sel (at least 3 items) around a pivot, the median of
// its first, middle and last items: sel[:m] are smaller than the pivot,
// sel[m] is the pivot, sel[m+1:] are larger. It returns m and the total
// weight of sel[:m].
func (sel selection) partition() (m int, weight float64) {
	last := len(sel) - 1
	a, b, z := 0, last/2, last
	if sel[b].key < sel[a].key {
		a, b = b, a
	}
	if sel[z].key < sel[b].key {
		b = z
		if sel[b].key < sel[a].key {
			b = a
		}
	}
	sel[b], sel[last] = sel[last], sel[b]
	pivot := sel[last].key
	for i := range sel[:last] {
		if sel[i].key < pivot {
			weight += float64(sel[i].weight)
			sel[i], sel[m] = sel[m], sel[i]
			m++
		}
	}
	sel[m], sel[last] = sel[last], sel[m]
	return m, weight
}

// cumulative returns the length of the shortest prefix of sel, in
// increasing order, whose weight reaches target (all of sel if rounding
// keeps the total below target; at least 1), and moves that prefix to the
// front of sel.
// It finds the cut as quickSelect finds a rank, in O(len(sel)) expected:
// only a short window around the cut is sorted.
func (sel selection) cumulative(target float64) int {
	lo, hi := 0, len(sel) // the cut lies in sel[lo:hi]
	above := 0.0          // the weight of sel[:lo], all smaller than sel[lo:]
	for budget := selBudget(hi); hi-lo > selSmallRange && budget > 0; budget-- {
		m, weight := sel[lo:hi].partition()
		m += lo
		if above+weight >= target {
			hi = m // the cut is before the pivot
			continue
		}
		above += weight + float64(sel[m].weight)
		if above >= target {
			return m + 1 // the pivot completes the set
		}
		lo = m + 1
	}
	sel[lo:hi].sort()
	for i := lo; i < hi; i++ {
		above += float64(sel[i].weight)
		if above >= target {
			return i + 1
		}
	}
	return max(hi, 1)
}
