package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// bpeModel is SentencePiece's BPE model recast over integer symbols.
//
// SentencePiece splits the normalised text into characters (and user-defined
// pieces, which never merge), then repeatedly merges the adjacent pair whose
// concatenation is a piece of highest score, the leftmost pair on a tie,
// until no adjacent pair spells a piece. A symbol is therefore always a
// single character or a piece that merges can make, so here each symbol has
// an id: the id of its piece, or for a character that is no piece a virtual
// id from the vocabulary size upwards. The merges are a table from a pair of
// symbol ids to the merged piece, so the merge loop never hashes a string.
type bpeModel struct {
	n       int32                // vocabulary size: symbol ids below it are pieces
	ascii   [utf8.RuneSelf]int32 // symbol id of each ASCII character, or -1
	chars   map[rune]int32       // symbol id of each other character that has one
	spaceID int32                // symbol id of ▁, the most frequent character, or -1
	merges  mergeTable

	// chunked is set when no piece that BPE can produce has a space after a
	// non-space character, so that no merge crosses the start of a space that
	// follows a non-space: the normalised text is then cut there into chunks
	// ("▁▁Hello", "▁world,") that are merged independently, which gives the
	// same result as merging the whole text at once and keeps the work per
	// merge small.
	chunked bool
	// hasUnused is set when the vocabulary has pieces of type Unused, which
	// SentencePiece may produce by merging and then splits back with the
	// merges it recorded (see resegment). The record is per call, so texts
	// are then merged whole, never chunked.
	hasUnused bool
}

// newBPEModel builds the symbol ids and merge table of t's vocabulary.
func newBPEModel(t *Tokenizer) bpeModel {
	n := int32(len(t.pieces))
	m := bpeModel{n: n, chars: make(map[rune]int32), chunked: true}
	for i := range m.ascii {
		m.ascii[i] = -1
	}
	for s, id := range t.ids {
		if r, size := utf8.DecodeRuneInString(s); size == len(s) {
			m.setCharID(r, id)
		}
	}
	// symbolID returns the id of a string that can be a symbol: a piece that
	// merges can make, or a single character.
	virtual := n
	symbolID := func(s string) (int32, bool) {
		if r, size := utf8.DecodeRuneInString(s); size == len(s) {
			id := m.charID(r)
			if id < 0 {
				id = virtual
				virtual++
				m.setCharID(r, id)
			}
			return id, true
		}
		id, ok := t.ids[s]
		return id, ok && t.types[id].mergeable()
	}

	type entry struct{ left, right, merged int32 }
	var entries []entry
	space := t.norm.space()
	for i, p := range t.pieces {
		typ := t.types[i]
		if !typ.mergeable() {
			continue
		}
		if typ == Unused {
			m.hasUnused = true
		}
		if strings.Contains(strings.TrimLeft(p, space), space) {
			m.chunked = false
		}
		for k := range p { // k runs over the starts of the characters of p
			if k == 0 {
				continue
			}
			left, ok := symbolID(p[:k])
			if !ok {
				continue
			}
			if right, ok := symbolID(p[k:]); ok {
				entries = append(entries, entry{left, right, int32(i)})
			}
		}
	}
	if m.hasUnused {
		m.chunked = false
	}
	m.merges = newMergeTable(len(entries), t.scores)
	for _, e := range entries {
		m.merges.put(e.left, e.right, e.merged)
	}
	m.spaceID = m.charID(spaceSymbolRune)
	return m
}

func (m *bpeModel) setCharID(r rune, id int32) {
	if r < utf8.RuneSelf {
		m.ascii[r] = id
	} else {
		m.chars[r] = id
	}
}

// spaceSymbolRune is spaceSymbol as a rune.
const spaceSymbolRune = '\u2581'

// charID returns the symbol id of a character, or -1 if it has none.
func (m *bpeModel) charID(r rune) int32 {
	if r < utf8.RuneSelf {
		return m.ascii[r]
	}
	if id, ok := m.chars[r]; ok {
		return id
	}
	return -1
}
