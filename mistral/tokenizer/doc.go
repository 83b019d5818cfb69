// Package tokenizer is Mistral's tokenizer in pure Go: SentencePiece BPE
// with byte fallback, a dummy-prefix space and whitespace kept as is, giving
// exactly the token ids of Google's SentencePiece, faster.
//
// # Loading
//
// A Tokenizer comes from a SentencePiece model file (LoadSentencePiece,
// FromSentencePiece) or from the tokenizer.ggml.* metadata of a GGUF file
// (FromGGUF). Both are validated: metadata of the wrong type or length,
// duplicate pieces, byte pieces that are not <0xNN>, special ids out of
// range are a *FormatError, never a misread. Models this package does not
// run (Unigram, a precompiled normalisation charsmap) are errors wrapping
// ErrUnsupported.
//
// # Encoding and decoding
//
// Encode follows SentencePiece step by step: the text is normalised (a ▁ in
// place of each space, and one in front of the text: the dummy prefix), split
// into characters and user-defined pieces, and adjacent symbols are merged,
// the pair of highest score first, until no pair spells a piece; what is
// left and is no piece is written as its UTF-8 bytes, <0xNN> pieces. Control
// tokens such as <s>, </s> and v3's [INST] never come out of plain text:
// "[INST]" in a text is the characters [, INST and ], unless
// EncodeOptions.ParseControl asks for control tokens written in the text to
// be recognised. Text must be valid UTF-8.
//
// Decode is SentencePiece's decode(): control tokens vanish, byte pieces
// become the characters they spell, and the leading space that the dummy
// prefix put there is removed. A Decoder does the same for a stream of
// tokens, returning whole characters as they complete, for printing
// generated text as it comes.
//
// # Chat
//
// EncodeChat lays out a conversation in Mistral's instruct format, as
// mistral-common does: ChatV1 for Mistral 7B v0.1 and v0.2,
//
//	<s>[INST] {user} [/INST] {answer}</s>[INST] {user} [/INST]
//
// with [INST] spelt out in ordinary pieces, and ChatV3 for v0.3, with [INST]
// and [/INST] single control tokens. ChatAuto picks by the vocabulary.
//
// ChatV3 also writes tools (ChatOptions.Tools, each a name, a description
// and a JSON Schema of its parameters) just before the last user message,
// assistant messages that call tools (Message.ToolCalls) and tool results
// (RoleTool messages, with the id of the call they answer), with the JSON
// written byte for byte as mistral-common writes it with Python's json
// module. ToolChoice, which generation follows, is defined here too.
// Malformed conversations are a *ChatError naming the message, bad tools a
// *ToolError, an unknown tool choice a *ToolChoiceError. ChatV1 has no tool
// tokens: tools there are an error wrapping ErrUnsupported.
//
// # Concurrency
//
// A Tokenizer is immutable and safe for concurrent use by multiple
// goroutines. A Decoder belongs to one goroutine at a time.
package tokenizer
