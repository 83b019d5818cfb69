package tokenizer

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// vocab is what a tokenizer.model or GGUF metadata says, before validation.
type vocab struct {
	source string // for errors: "tokenizer.model" or "gguf"
	pieces []string
	scores []float32
	types  []TokenType

	norm         normalizer
	byteFallback bool
	unkSurface   string
	addBOS       bool
	addEOS       bool
}

// build validates v and returns the Tokenizer it describes. The special ids
// BOS and EOS are left for the caller to set (they come from different
// places in the two formats); Unknown is the single piece of type Unknown.
func build(v *vocab) (*Tokenizer, error) {
	fail := func(format string, args ...any) (*Tokenizer, error) {
		return nil, &FormatError{Source: v.source, Reason: fmt.Sprintf(format, args...)}
	}
	n := len(v.pieces)
	switch {
	case n == 0:
		return fail("empty vocabulary")
	case n > maxPieces:
		return nil, &FormatError{Source: v.source, Reason: fmt.Sprintf("%d pieces (at most %d are supported)", n, maxPieces), Err: ErrUnsupported}
	case len(v.scores) != n:
		return fail("%d pieces but %d scores", n, len(v.scores))
	case len(v.types) != n:
		return fail("%d pieces but %d token types", n, len(v.types))
	}

	t := &Tokenizer{
		pieces:       v.pieces,
		scores:       v.scores,
		types:        v.types,
		ids:          make(map[string]int32, n),
		unk:          -1,
		addBOS:       v.addBOS,
		addEOS:       v.addEOS,
		unkSurface:   v.unkSurface,
		norm:         v.norm,
		byteFallback: v.byteFallback,
	}
	var haveByte [256]bool
	var userDefined, control []int32
	for i, p := range v.pieces {
		id := int32(i)
		typ := v.types[i]
		switch {
		case p == "":
			return fail("piece %d is empty", i)
		case strings.IndexByte(p, 0) >= 0:
			return fail("piece %d (%q) contains a NUL byte", i, p)
		case !utf8.ValidString(p):
			return fail("piece %d (%q) is not valid UTF-8", i, p)
		case !typ.valid():
			return fail("piece %d (%q) has unknown token type %d", i, p, int32(typ))
		case math.IsNaN(float64(v.scores[i])):
			return fail("piece %d (%q) has score NaN", i, p)
		}
		if prev, dup := t.ids[p]; dup {
			return fail("pieces %d and %d are both %q", prev, i, p)
		}
		t.ids[p] = id
		switch typ {
		case Unknown:
			if t.unk >= 0 {
				return fail("pieces %d (%q) and %d (%q) are both of type unknown", t.unk, v.pieces[t.unk], i, p)
			}
			t.unk = id
		case Byte:
			if !v.byteFallback {
				return fail("piece %d (%q) is a byte piece but byte fallback is off", i, p)
			}
			b, ok := parseBytePiece(p)
			if !ok {
				return fail("piece %d (%q) is of type byte but not of the form <0xNN>", i, p)
			}
			haveByte[b] = true
			t.byteIDs[b] = id
		case Control:
			control = append(control, id)
		case UserDefined:
			userDefined = append(userDefined, id)
		}
	}
	if t.unk < 0 {
		return fail("no piece of type unknown")
	}
	if v.byteFallback {
		for b, ok := range haveByte {
			if !ok {
				return fail("byte fallback is on but there is no byte piece <0x%02X>", b)
			}
		}
	}
	t.userDefined = newTrie(v.pieces, userDefined)
	t.control = newTrie(v.pieces, control)
	t.bpe = newBPEModel(t)
	return t, nil
}

// parseBytePiece parses a byte-fallback piece, which SentencePiece writes
// exactly as "<0x" + two upper-case hexadecimal digits + ">".
func parseBytePiece(p string) (byte, bool) {
	if len(p) != 6 || p[:3] != "<0x" || p[5] != '>' {
		return 0, false
	}
	hi, ok1 := hexDigit(p[3])
	lo, ok2 := hexDigit(p[4])
	return hi<<4 | lo, ok1 && ok2
}

func hexDigit(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
