package tokenizer

import (
	"strings"
	"unicode/utf8"
)

// replacementChar is what SentencePiece decodes each byte of an invalid or
// incomplete UTF-8 sequence of byte pieces to.
const replacementChar = "\uFFFD"

// Decode returns the text of ids, as SentencePiece's decode() does: ▁ becomes
// a space, control tokens decode to nothing, <unk> to the model's unknown
// surface (" ⁇ "), runs of byte pieces to the UTF-8 text they spell (each
// byte of an invalid sequence to U+FFFD), and the leading space of the first
// piece, the dummy prefix that Encode adds, is removed. An id outside the
// vocabulary is an error (*IDError). With Mistral's models, Decode(Encode(s))
// == s for any valid UTF-8 s that contains no U+2581 (▁), which SentencePiece
// reads as a space.
func (t *Tokenizer) Decode(ids []int32) (string, error) {
	st := decodeState{bosWS: true}
	text := make([]byte, 0, 4*len(ids)+8)
	for _, id := range ids {
		if !t.valid(id) {
			return "", &IDError{ID: id, Len: len(t.pieces)}
		}
		text = st.add(t, text, id, false)
	}
	return string(st.flush(text)), nil
}

// decodeState is SentencePiece's decoding as a state machine over tokens, so
// that Decode and the streaming Decoder share it.
type decodeState struct {
	bosWS   bool   // the next piece loses a leading space (SentencePiece's is_bos_ws)
	seenWS  bool   // the last piece lost its leading space (bos_ws_seen)
	wrote   bool   // some text has been written
	pending []byte // bytes of byte pieces not written yet
}

// add appends to dst the text that id completes. With eager set, the bytes
// of byte pieces are written as soon as they form a whole character (or a
// sequence that cannot become one); otherwise they wait for the next piece
// that is not a byte, as in SentencePiece.
func (st *decodeState) add(t *Tokenizer, dst []byte, id int32, eager bool) []byte {
	typ := t.types[id]
	if typ == Byte {
		b, _ := parseBytePiece(t.pieces[id])
		st.pending = append(st.pending, b)
		if eager {
			dst = st.writeBytes(dst, false)
		}
		return dst
	}
	dst = st.flush(dst)
	if st.seenWS || st.wrote {
		st.bosWS = false
	}
	st.seenWS = false
	switch typ {
	case Control:
		return dst
	case Unknown:
		st.wrote = st.wrote || t.unkSurface != ""
		return append(dst, t.unkSurface...)
	}
	p := t.pieces[id]
	nm := t.norm
	if st.bosWS && (nm.addDummyPrefix || nm.removeExtraWhitespaces) && strings.HasPrefix(p, spaceSymbol) {
		p = p[len(spaceSymbol):]
		// With remove_extra_whitespaces SentencePiece strips the leading
		// space of every piece until some text appears.
		st.seenWS = !nm.removeExtraWhitespaces
	}
	st.wrote = st.wrote || p != ""
	return appendSurface(dst, p)
}

// appendSurface appends a piece with each ▁ turned into a space.
func appendSurface(dst []byte, p string) []byte {
	for len(p) > 0 {
		i := strings.IndexByte(p, spaceSymbol[0])
		switch {
		case i < 0:
			return append(dst, p...)
		case strings.HasPrefix(p[i:], spaceSymbol):
			dst = append(append(dst, p[:i]...), ' ')
			p = p[i+len(spaceSymbol):]
		default:
			dst = append(dst, p[:i+1]...)
			p = p[i+1:]
		}
	}
	return dst
}

// flush appends the pending bytes, each byte of an incomplete or invalid
// sequence as U+FFFD.
func (st *decodeState) flush(dst []byte) []byte { return st.writeBytes(dst, true) }

// writeBytes appends the characters of the pending bytes: all of them with
// final set, else only those that later bytes cannot change.
func (st *decodeState) writeBytes(dst []byte, final bool) []byte {
	p := st.pending
	for len(p) > 0 && (final || utf8.FullRune(p)) {
		r, n := utf8.DecodeRune(p)
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, replacementChar...)
		} else {
			dst = append(dst, p[:n]...)
		}
		p = p[n:]
		st.wrote = true
	}
	st.pending = append(st.pending[:0], p...)
	return dst
}

// DecoderOptions controls a Decoder. The zero value continues a text.
type DecoderOptions struct {
	// StartOfText makes the stream start a text, as Decode does: the leading
	// space of the first piece (the dummy prefix) is removed. Leave it
	// false when the tokens continue text decoded before, such as a
	// generation that follows its prompt: "▁Paris" then stays " Paris".
	StartOfText bool
}

// Decoder turns a stream of token ids into text as the ids come, for
// printing generated text: Add returns the text each id completes, never
// half of a UTF-8 character spelt by byte-fallback pieces, and Flush returns
// what is left. The concatenation of all it returns equals Decode of the
// whole sequence (with DecoderOptions.StartOfText; without it, the leading
// space is kept).
//
// A Decoder belongs to one goroutine at a time.
type Decoder struct {
	t   *Tokenizer
	st  decodeState
	buf []byte
}

// NewDecoder returns a streaming decoder over t's vocabulary.
func (t *Tokenizer) NewDecoder(opt DecoderOptions) *Decoder {
	return &Decoder{t: t, st: decodeState{bosWS: opt.StartOfText}}
}

// Add decodes one more id and returns the text that is now complete, which
// may be empty (a control token, or the first bytes of a character). An id
// outside the vocabulary is an error (*IDError) and leaves the Decoder as it
// was.
func (d *Decoder) Add(id int32) (string, error) {
	if !d.t.valid(id) {
		return "", &IDError{ID: id, Len: len(d.t.pieces)}
	}
	d.buf = d.st.add(d.t, d.buf[:0], id, true)
	return string(d.buf), nil
}

// Flush returns the text still held back: the bytes of an incomplete
// character, each as U+FFFD. Call it at the end of the stream. The Decoder
// can go on after it, the next ids continuing the same text.
func (d *Decoder) Flush() string {
	d.buf = d.st.flush(d.buf[:0])
	return string(d.buf)
}
