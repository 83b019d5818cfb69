package tokenizer

import "strconv"

// TokenType is the kind of a vocabulary entry, numbered as in SentencePiece's
// ModelProto and in GGUF's tokenizer.ggml.token_type.
type TokenType int32

// The token types.
const (
	Normal      TokenType = 1 // an ordinary piece of text, produced by BPE merges
	Unknown     TokenType = 2 // the unknown token <unk>
	Control     TokenType = 3 // a control token such as <s>, </s>, [INST]: never produced from plain text, decodes to nothing
	UserDefined TokenType = 4 // a piece always matched whole in the text, never merged
	Unused      TokenType = 5 // a piece kept in the vocabulary but never emitted
	Byte        TokenType = 6 // a byte-fallback piece <0xNN>
)

var typeNames = [...]string{
	Normal:      "normal",
	Unknown:     "unknown",
	Control:     "control",
	UserDefined: "user-defined",
	Unused:      "unused",
	Byte:        "byte",
}

func (t TokenType) valid() bool { return t >= Normal && t <= Byte }

// String returns the lower-case name of the type, such as "control".
func (t TokenType) String() string {
	if t.valid() {
		return typeNames[t]
	}
	return "TokenType(" + strconv.Itoa(int(t)) + ")"
}

// mergeable reports whether SentencePiece's BPE may produce a piece of this
// type by merging two adjacent symbols. The same set also defines which
// single-character symbols are looked up as pieces of the text.
func (t TokenType) mergeable() bool {
	return t == Normal || t == UserDefined || t == Unused
}
