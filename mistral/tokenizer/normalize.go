package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// normalizer holds the flags of SentencePiece's NormalizerSpec that this
// package honours. The precompiled charsmap (NFKC and the like) is not
// supported: Mistral's models use the identity normaliser.
type normalizer struct {
	addDummyPrefix         bool // prepend a space to non-empty text
	removeExtraWhitespaces bool // drop leading and trailing spaces, collapse runs of spaces
	escapeWhitespaces      bool // write spaces as ▁
}

// space returns what a space becomes in normalised text.
func (nm normalizer) space() string {
	if nm.escapeWhitespaces {
		return spaceSymbol
	}
	return " "
}

// normalize appends the normalised form of text, which must be valid UTF-8,
// to dst, as SentencePiece's Normalizer does with an identity charsmap:
// user-defined pieces are units of their own, a space is ▁, the dummy prefix
// is a ▁ in front of non-empty text, and when removeExtraWhitespaces is set
// leading, trailing and repeated spaces are dropped.
func (t *Tokenizer) normalize(dst []byte, text string) []byte {
	nm := t.norm
	space := nm.space()
	if nm.removeExtraWhitespaces {
		for len(text) > 0 {
			n := t.unitLen(text)
			if text[:n] != " " {
				break
			}
			text = text[n:]
		}
	}
	if text == "" {
		return dst
	}
	start := len(dst)
	if nm.addDummyPrefix {
		dst = append(dst, space...)
	}
	if !nm.removeExtraWhitespaces || t.userDefined == nil {
		// Units are single characters and only the byte ' ' is a space, so
		// the text can be copied byte by byte.
		prevSpace := nm.removeExtraWhitespaces
		for i := 0; i < len(text); i++ {
			c := text[i]
			if c != ' ' {
				dst = append(dst, c)
				prevSpace = false
				continue
			}
			if prevSpace && nm.removeExtraWhitespaces {
				continue
			}
			dst = append(dst, space...)
			prevSpace = true
		}
	} else {
		prevSpace := true
		for len(text) > 0 {
			n := t.unitLen(text)
			unit := text[:n]
			text = text[n:]
			if prevSpace {
				unit = strings.TrimLeft(unit, " ")
			}
			if unit == "" {
				continue
			}
			for i := 0; i < len(unit); i++ {
				if unit[i] == ' ' {
					dst = append(dst, space...)
				} else {
					dst = append(dst, unit[i])
				}
			}
			prevSpace = unit[len(unit)-1] == ' '
		}
	}
	if nm.removeExtraWhitespaces {
		for len(dst)-start >= len(space) && string(dst[len(dst)-len(space):]) == space {
			dst = dst[:len(dst)-len(space)]
		}
	}
	return dst
}

// unitLen returns the length of the unit that starts s: the longest
// user-defined piece, or else one character.
func (t *Tokenizer) unitLen(s string) int {
	if _, n, ok := match(t.userDefined, s); ok {
		return n
	}
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}
