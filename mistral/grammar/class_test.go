package grammar

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// matchSeqs reports whether b matches one of the byte-range sequences.
func matchSeqs(seqs [][]byteRange, b []byte) bool {
	for _, s := range seqs {
		if len(s) != len(b) {
			continue
		}
		ok := true
		for i, r := range s {
			ok = ok && r.lo <= b[i] && b[i] <= r.hi
		}
		if ok {
			return true
		}
	}
	return false
}

// TestUTF8Seqs checks the byte sequences of classes against utf8: every
// character of the class matches, no other character, no invalid UTF-8.
func TestUTF8Seqs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	classes := []charClass{anyChar, anyChar.negate(), newClass(runeRange{'a', 'z'}),
		newClass(runeRange{0x7F, 0x80}, runeRange{0x7FF, 0x800}, runeRange{0xFFFF, 0x10000}),
		newClass(runeRange{0xD000, 0xE000}), anyChar.minus(newClass(runeRange{'"', '"'}, runeRange{'\\', '\\'}))}
	for range 30 {
		var rs []runeRange
		for range 1 + rng.IntN(4) {
			lo := rune(rng.IntN(utf8.MaxRune))
			if rng.IntN(2) == 0 {
				lo = rune(rng.IntN(0x3000))
			}
			rs = append(rs, runeRange{lo, lo + rune(rng.IntN(5000))})
		}
		classes = append(classes, newClass(rs...))
	}
	var buf [4]byte
	for _, c := range classes {
		seqs := c.utf8Seqs()
		runes := []rune{0x7F, 0x80, 0x7FF, 0x800, 0xFFFF, 0x10000, 0x10FFFF}
		for r := rune(0); r < 0x3000; r++ {
			runes = append(runes, r)
		}
		for range 5000 {
			runes = append(runes, rune(rng.IntN(utf8.MaxRune+1)))
		}
		for _, r := range runes {
			if surrogateMin <= r && r <= surrogateMax {
				assert.False(t, c.contains(r))
				continue
			}
			n := utf8.EncodeRune(buf[:], r)
			if matchSeqs(seqs, buf[:n]) != c.contains(r) {
				t.Fatalf("class %v: U+%04X: seqs %v, contains %v", c, r, !c.contains(r), c.contains(r))
			}
		}
		for range 5000 {
			b := buf[:1+rng.IntN(4)]
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			if matchSeqs(seqs, b) {
				r, n := utf8.DecodeRune(b)
				require.True(t, r != utf8.RuneError && n == len(b) && c.contains(r), "%v matches %x", c, b)
			}
		}
	}
}

func TestClassOperations(t *testing.T) {
	c := newClass(runeRange{'a', 'f'}, runeRange{'c', 'k'}, runeRange{'m', 'm'}, runeRange{'n', 'p'})
	assert.Equal(t, charClass{{'a', 'k'}, {'m', 'p'}}, c)
	assert.Equal(t, charClass{{'a', 'b'}, {'m', 'p'}}, c.minus(newClass(runeRange{'c', 'l'})))
	assert.Equal(t, c, c.negate().negate())
	assert.True(t, c.contains('m'))
	assert.False(t, c.contains('l'))
	assert.False(t, anyChar.contains(0xD800))
	assert.Equal(t, 0x110000-0x800, anyChar.size())
}

// TestClassBytes reads every byte pair and triple through a class that
// allows almost everything: only UTF-8 gets through.
func TestClassBytes(t *testing.T) {
	g := MustParse(`root ::= [^"\\]*`)
	m := NewMatcher(g, byteVocab())
	for a := range 256 {
		for b := range 256 {
			text := string([]byte{byte(a), byte(b)})
			want := utf8.ValidString(text) && !containsAny(text, `"\`)
			complete := m.AcceptBytes([]byte(text)) == nil && m.Complete()
			m.Reset()
			require.Equal(t, want, complete, "%x", text)
		}
	}
}

func containsAny(s, chars string) bool {
	for _, c := range chars {
		for _, r := range s {
			if r == c {
				return true
			}
		}
	}
	return false
}
