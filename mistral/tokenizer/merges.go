package tokenizer

import "math/bits"

// merge is what a pair of adjacent symbols becomes: the piece of their
// concatenation and its score.
type merge struct {
	id    int32
	score float32
}

// Bits of a mergeTable slot: the left and right symbol ids and the merged
// piece id, packed in one uint64 so that a lookup touches one word.
const (
	mergeIDBits     = 20 // merged piece id: the vocabulary has at most 1<<20 pieces
	mergeSymbolBits = 22 // symbol ids: pieces and the characters that are none
	maxPieces       = 1 << mergeIDBits
	emptySlot       = ^uint64(0) // left and right 1<<22-1, which no symbol has
)

// mergeTable maps a pair of symbol ids (left, right) to the piece their
// concatenation spells. It is an open-addressing hash table with linear
// probing, built once and then only read; it replaces the string hashing of
// SentencePiece's piece lookup by one multiply and, most of the time, one
// memory access.
type mergeTable struct {
	slots  []uint64  // left<<42 | right<<20 | merged, or emptySlot
	shift  uint      // 64 - log2(len(slots))
	scores []float32 // piece id → score
}

// pairKey is the upper 44 bits of the slot of (left, right).
func pairKey(left, right int32) uint64 {
	return uint64(left)<<mergeSymbolBits | uint64(right)
}

// newMergeTable returns a table for n pairs of the given vocabulary.
func newMergeTable(n int, scores []float32) mergeTable {
	size := 16
	for size < 2*n {
		size *= 2
	}
	m := mergeTable{
		slots:  make([]uint64, size),
		shift:  uint(64 - bits.TrailingZeros(uint(size))),
		scores: scores,
	}
	for i := range m.slots {
		m.slots[i] = emptySlot
	}
	return m
}

func (m *mergeTable) slot(key uint64) uint64 { return (key * 0x9E3779B97F4A7C15) >> m.shift }

// put adds a pair; the symbol ids must be below 1<<22-1 and merged below
// maxPieces.
func (m *mergeTable) put(left, right, merged int32) {
	key := pairKey(left, right)
	mask := uint64(len(m.slots) - 1)
	for i := m.slot(key); ; i = (i + 1) & mask {
		if s := m.slots[i]; s == emptySlot || s>>mergeIDBits == key {
			m.slots[i] = key<<mergeIDBits | uint64(merged)
			return
		}
	}
}

func (m *mergeTable) get(left, right int32) (merge, bool) {
	key := pairKey(left, right)
	mask := uint64(len(m.slots) - 1)
	for i := m.slot(key); ; i = (i + 1) & mask {
		s := m.slots[i]
		if s>>mergeIDBits == key {
			id := int32(s & (maxPieces - 1))
			return merge{id: id, score: m.scores[id]}, true
		}
		if s == emptySlot {
			return merge{}, false
		}
	}
}
