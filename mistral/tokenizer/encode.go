package tokenizer

import (
	"sync"
	"unicode/utf8"
)

// EncodeOptions controls Encode. The zero value encodes the text alone, as
// SentencePiece's encode() does.
type EncodeOptions struct {
	BOS bool // prepend the BOS token (<s>)
	EOS bool // append the EOS token (</s>)

	// ParseControl recognises control tokens written in the text, such as
	// "<s>" or, in a v3 vocabulary, "[INST]", and encodes each as its single
	// token; the text between them is encoded on its own, as Encode would
	// (with its dummy-prefix space). So "[INST]Hi[/INST]" gives [INST] ▁Hi
	// [/INST], the v3 instruct layout. Off by default: control tokens are
	// then never produced from text, "[INST]" being just the characters.
	ParseControl bool
}

// Encode returns the token ids of text, identical to those of Google's
// SentencePiece for the same model. Text that is not valid UTF-8 is an error
// (*UTF8Error); SentencePiece would silently replace the bad bytes with
// U+FFFD.
func (t *Tokenizer) Encode(text string, opt EncodeOptions) ([]int32, error) {
	if err := checkUTF8(text); err != nil {
		return nil, err
	}
	e := encoderPool.Get().(*encoder)
	defer e.release()
	e.reset(t, make([]int32, 0, len(text)/3+2))
	if opt.BOS {
		e.out = append(e.out, t.bos)
	}
	if opt.ParseControl && t.control != nil {
		from := 0
		for i := 0; i < len(text); i++ {
			if !t.control.first[text[i]] {
				continue
			}
			id, n, ok := match(t.control, text[i:])
			if !ok {
				continue
			}
			e.encodeText(text[from:i])
			e.out = append(e.out, id)
			i += n - 1
			from = i + 1
		}
		e.encodeText(text[from:])
	} else {
		e.encodeText(text)
	}
	if opt.EOS {
		e.out = append(e.out, t.eos)
	}
	return e.out, nil
}

// encode returns the ids of text, which the caller knows to be valid UTF-8,
// with no options.
func (t *Tokenizer) encode(text string) []int32 {
	e := encoderPool.Get().(*encoder)
	defer e.release()
	e.reset(t, make([]int32, 0, len(text)/3+2))
	e.encodeText(text)
	return e.out
}

// checkUTF8 returns a *UTF8Error locating the first invalid byte of s, or nil.
func checkUTF8(s string) error {
	if utf8.ValidString(s) {
		return nil
	}
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return &UTF8Error{Offset: i}
		}
		i += n
	}
	return nil
}

// encoder holds the buffers of one Encode call; they are pooled.
type encoder struct {
	t       *Tokenizer
	text    []byte // the normalised text being encoded
	syms    []symbol
	agenda  agenda  // candidates of mergeHeap
	pairs   []merge // symbol → merge with the next, for mergeScan
	out     []int32
	prevUnk bool // the last piece emitted was unknown (merged with the next without byte fallback)

	// unused is set for a vocabulary with pieces of type Unused, whose
	// making rev records.
	unused bool
	rev    map[string]halves
	seen   map[string]span // chunk of a long text → its ids in out, to encode repeated words once
}

// span locates ids in encoder.out.
type span struct{ off, n int32 }

// minCachedText is the length of normalised text from which encodeText
// remembers the ids of each chunk: below it, the map costs more than it saves.
const minCachedText = 2048

var encoderPool = sync.Pool{New: func() any { return new(encoder) }}

func (e *encoder) reset(t *Tokenizer, out []int32) {
	e.t = t
	e.out = out
	e.unused = t.bpe.hasUnused
	if e.unused && e.rev == nil {
		e.rev = make(map[string]halves)
	}
}

func (e *encoder) release() {
	e.t, e.out = nil, nil
	clear(e.seen) // drop the keys, which hold the text
	clear(e.rev)
	encoderPool.Put(e)
}

// encodeText normalises one text and appends its ids to e.out, as one call of
// SentencePiece's Encode.
func (e *encoder) encodeText(text string) {
	t := e.t
	e.text = t.normalize(e.text[:0], text)
	e.prevUnk = false
	if len(e.text) == 0 {
		return
	}
	if e.unused {
		clear(e.rev)
	}
	if !t.bpe.chunked {
		e.mergeSpan(0, len(e.text))
		return
	}
	// Cut before every space that follows a non-space (see bpeModel.chunked).
	// In a long text the same chunks come again and again: their ids are
	// those of the first time, except after an unknown piece without byte
	// fallback, so the cache is for byte-fallback vocabularies only.
	var whole string // e.text as a string, whose substrings key e.seen
	if t.byteFallback && len(e.text) >= minCachedText {
		whole = string(e.text)
		if e.seen == nil {
			e.seen = make(map[string]span)
		}
		clear(e.seen)
	}
	s := e.text
	space := t.norm.space()
	start, prevSpace := 0, false
	for i := 0; i < len(s); {
		if s[i] == space[0] && hasPrefixAt(s, i, space) {
			if !prevSpace && i > start {
				e.chunk(whole, start, i)
				start = i
			}
			prevSpace = true
			i += len(space)
		} else {
			prevSpace = false
			i++
		}
	}
	e.chunk(whole, start, len(s))
}

// chunk appends the ids of e.text[lo:hi]. With whole set (e.text as a
// string), the ids of a chunk seen before are copied rather than computed.
func (e *encoder) chunk(whole string, lo, hi int) {
	if whole == "" {
		e.mergeSpan(lo, hi)
		return
	}
	if sp, ok := e.seen[whole[lo:hi]]; ok {
		e.out = append(e.out, e.out[sp.off:sp.off+sp.n]...)
		return
	}
	off := len(e.out)
	e.mergeSpan(lo, hi)
	e.seen[whole[lo:hi]] = span{int32(off), int32(len(e.out) - off)}
}

func hasPrefixAt(s []byte, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && string(s[i:i+len(prefix)]) == prefix
}

// emit appends the id of a symbol left by BPE.
func (e *encoder) emit(sym *symbol) {
	t := e.t
	id := sym.id
	if id >= 0 && id < t.bpe.n {
		switch t.types[id] {
		case Unknown:
		case Unused:
			if e.unused {
				e.resegment(string(e.text[sym.start:sym.end]))
				return
			}
			fallthrough
		default:
			e.out = append(e.out, id)
			e.prevUnk = false
			return
		}
	}
	e.unknown(e.text[sym.start:sym.end])
}

// resegment splits a piece of type Unused back into the pieces it was made
// of, as SentencePiece does.
func (e *encoder) resegment(w string) {
	t := e.t
	id, ok := t.ids[w]
	if !ok {
		id = t.unk
	}
	if t.types[id] == Unused {
		if h, ok := e.rev[w]; ok {
			e.resegment(h.left)
			e.resegment(h.right)
			return
		}
	}
	if t.types[id] == Unknown {
		e.unknown([]byte(w))
		return
	}
	e.out = append(e.out, id)
	e.prevUnk = false
}

// unknown appends the ids of text that is no piece: its bytes as <0xNN>
// pieces with byte fallback, or else <unk>, once for a run of unknown text.
func (e *encoder) unknown(b []byte) {
	t := e.t
	if t.byteFallback {
		for _, c := range b {
			e.out = append(e.out, t.byteIDs[c])
		}
	} else if !e.prevUnk {
		e.out = append(e.out, t.unk)
	}
	e.prevUnk = true
}
