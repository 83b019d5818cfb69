package grammar

import (
	"slices"
	"unicode/utf8"
)

// runeRange is the closed range of code points lo to hi.
type runeRange struct{ lo, hi rune }

// A charClass is a set of Unicode scalar values (code points other than the
// surrogates, which UTF-8 cannot encode): sorted, disjoint, non-adjacent
// ranges. The nil class is empty.
type charClass []runeRange

// Surrogate code points, excluded from every class.
const (
	surrogateMin = 0xD800
	surrogateMax = 0xDFFF
)

// anyChar is the class of every character.
var anyChar = charClass{{0, surrogateMin - 1}, {surrogateMax + 1, utf8.MaxRune}}

// newClass returns the class of the union of rs, surrogates removed.
func newClass(rs ...runeRange) charClass {
	rs = slices.Clone(rs)
	slices.SortFunc(rs, func(a, b runeRange) int { return int(a.lo - b.lo) })
	var c charClass
	for _, r := range rs {
		if r.lo > r.hi {
			continue
		}
		if n := len(c); n > 0 && r.lo <= c[n-1].hi+1 {
			c[n-1].hi = max(c[n-1].hi, r.hi)
			continue
		}
		c = append(c, r)
	}
	return c.intersect(anyChar)
}

// contains reports whether r is in c.
func (c charClass) contains(r rune) bool {
	i, _ := slices.BinarySearchFunc(c, r, func(x runeRange, r rune) int {
		switch {
		case x.hi < r:
			return -1
		case x.lo > r:
			return 1
		}
		return 0
	})
	return i < len(c) && c[i].lo <= r && r <= c[i].hi
}

// negate returns every character not in c.
func (c charClass) negate() charClass {
	var out charClass
	next := rune(0)
	for _, r := range c {
		if r.lo > next {
			out = append(out, runeRange{next, r.lo - 1})
		}
		next = r.hi + 1
	}
	if next <= utf8.MaxRune {
		out = append(out, runeRange{next, utf8.MaxRune})
	}
	return out.intersect(anyChar)
}

// intersect returns the characters in both c and d.
func (c charClass) intersect(d charClass) charClass {
	var out charClass
	i, j := 0, 0
	for i < len(c) && j < len(d) {
		lo, hi := max(c[i].lo, d[j].lo), min(c[i].hi, d[j].hi)
		if lo <= hi {
			out = append(out, runeRange{lo, hi})
		}
		if c[i].hi < d[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

// minus returns the characters of c not in d.
func (c charClass) minus(d charClass) charClass { return c.intersect(d.negate()) }

// union returns the characters in c or d.
func (c charClass) union(d charClass) charClass { return newClass(append(slices.Clone(c), d...)...) }

// size returns the number of characters in c.
func (c charClass) size() int {
	n := 0
	for _, r := range c {
		n += int(r.hi-r.lo) + 1
	}
	return n
}

// byteRange is the closed range of bytes lo to hi.
type byteRange struct{ lo, hi byte }

// utf8Seqs returns c as sequences of byte ranges: a byte string is the UTF-8
// encoding of a character of c exactly when, for one of the sequences, it has
// as many bytes as the sequence and each byte lies in the range at its
// position. The sequences are disjoint.
func (c charClass) utf8Seqs() [][]byteRange {
	var out [][]byteRange
	for _, r := range c {
		out = appendUTF8Seqs(out, r.lo, r.hi)
	}
	return out
}

// appendUTF8Seqs appends the byte-range sequences of the characters lo to hi
// (no surrogates) to out. The range is split until every byte position
// varies independently: first where the encoded length changes, then where
// a continuation byte does not cover its full range 0x80-0xBF.
func appendUTF8Seqs(out [][]byteRange, lo, hi rune) [][]byteRange {
	for _, edge := range [...]rune{0x7F, 0x7FF, 0xFFFF} {
		if lo <= edge && edge < hi {
			out = appendUTF8Seqs(out, lo, edge)
			return appendUTF8Seqs(out, edge+1, hi)
		}
	}
	if hi < utf8.RuneSelf {
		return append(out, []byteRange{{byte(lo), byte(hi)}})
	}
	for i := 1; i < utf8.UTFMax; i++ {
		low := rune(1)<<(6*i) - 1 // the bits of the last i bytes' payload
		if lo&^low == hi&^low {
			continue
		}
		if lo&low != 0 {
			out = appendUTF8Seqs(out, lo, lo|low)
			return appendUTF8Seqs(out, (lo|low)+1, hi)
		}
		if hi&low != low {
			out = appendUTF8Seqs(out, lo, hi&^low-1)
			return appendUTF8Seqs(out, hi&^low, hi)
		}
	}
	var a, b [utf8.UTFMax]byte
	n := utf8.EncodeRune(a[:], lo)
	utf8.EncodeRune(b[:], hi)
	seq := make([]byteRange, n)
	for i := range seq {
		seq[i] = byteRange{a[i], b[i]}
	}
	return append(out, seq)
}
