package tokenizer

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// spaceSymbol is U+2581 LOWER ONE EIGHTH BLOCK, which SentencePiece writes in
// place of a space inside pieces.
const spaceSymbol = "\u2581"

// defaultUnknownSurface is what SentencePiece decodes <unk> to when the model
// does not say otherwise: U+2047 DOUBLE QUESTION MARK between spaces.
const defaultUnknownSurface = " \u2047 "

// Tokenizer is Mistral's SentencePiece BPE tokenizer: a vocabulary of pieces
// with scores and types, the normalisation flags of the model, and the
// special token ids. It encodes text exactly as Google's SentencePiece does
// (byte fallback, dummy-prefix space, whitespace kept as is for Mistral's
// models) and decodes tokens back to text.
//
// A Tokenizer is immutable after construction and safe for concurrent use by
// multiple goroutines.
type Tokenizer struct {
	pieces []string         // id → piece as stored in the vocabulary
	scores []float32        // id → score; larger merges first
	types  []TokenType      // id → type
	ids    map[string]int32 // piece → id

	bos, eos, unk  int32
	addBOS, addEOS bool
	unkSurface     string

	norm         normalizer
	byteFallback bool
	byteIDs      [256]int32 // byte → id of its <0xNN> piece

	userDefined *trie // pieces of type UserDefined, matched whole in the text
	control     *trie // pieces of type Control, matched by EncodeOptions.ParseControl

	bpe bpeModel
}

// LoadSentencePiece reads a SentencePiece model file (tokenizer.model) and
// returns its tokenizer. See FromSentencePiece.
func LoadSentencePiece(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	return FromSentencePiece(data)
}

// Len returns the number of pieces in the vocabulary; ids run from 0 to
// Len()-1.
func (t *Tokenizer) Len() int { return len(t.pieces) }

// BOS returns the id of the beginning-of-sequence control token (<s>).
func (t *Tokenizer) BOS() int32 { return t.bos }

// EOS returns the id of the end-of-sequence control token (</s>).
func (t *Tokenizer) EOS() int32 { return t.eos }

// Unknown returns the id of the unknown token (<unk>).
func (t *Tokenizer) Unknown() int32 { return t.unk }

// AddBOS reports whether the model expects BOS at the start of a prompt
// (GGUF tokenizer.ggml.add_bos_token; true for a tokenizer.model). Encode
// adds BOS only when asked by EncodeOptions.BOS: callers decide with this.
func (t *Tokenizer) AddBOS() bool { return t.addBOS }

// AddEOS reports whether the model expects EOS at the end of a prompt (GGUF
// tokenizer.ggml.add_eos_token; false for a tokenizer.model).
func (t *Tokenizer) AddEOS() bool { return t.addEOS }

// Piece returns the vocabulary entry of id as stored, with U+2581 (▁) for
// spaces, such as "▁Hello" or "<0x0A>". It panics if id is out of range.
func (t *Tokenizer) Piece(id int32) string { return t.pieces[id] }

// Text returns the text of one token on its own, as log-probabilities
// and token listings show it: a normal piece with ▁ as a space, a byte
// token's byte (which may be part of a UTF-8 sequence), a control token's
// name. Decode, not Text, makes the text of a sequence. It panics if id is
// out of range.
func (t *Tokenizer) Text(id int32) string {
	p := t.pieces[id]
	switch t.types[id] {
	case Normal, UserDefined:
		return strings.ReplaceAll(p, "▁", " ")
	case Byte:
		if h, ok := strings.CutPrefix(p, "<0x"); ok {
			if b, err := strconv.ParseUint(strings.TrimSuffix(h, ">"), 16, 8); err == nil {
				return string([]byte{byte(b)})
			}
		}
	}
	return p
}

// Type returns the type of id. It panics if id is out of range.
func (t *Tokenizer) Type(id int32) TokenType { return t.types[id] }

// Score returns the score of id; BPE merges pieces of larger score first. It
// panics if id is out of range.
func (t *Tokenizer) Score(id int32) float32 { return t.scores[id] }

// Lookup returns the id of a piece, written as in the vocabulary (with ▁ for
// spaces), and whether the vocabulary has it.
func (t *Tokenizer) Lookup(piece string) (int32, bool) {
	id, ok := t.ids[piece]
	return id, ok
}

// valid reports whether id is in the vocabulary.
func (t *Tokenizer) valid(id int32) bool { return id >= 0 && int(id) < len(t.pieces) }
