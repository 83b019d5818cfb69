package tokenizer

import (
	"errors"
	"fmt"
)

// ErrUnsupported reports a vocabulary that is well formed but asks for
// something this package does not implement: a Unigram model, a
// precompiled normalisation charsmap, whitespace as a suffix, or the v3
// instruct format on a vocabulary without [INST] and [/INST] control tokens.
// Test for it with errors.Is.
var ErrUnsupported = errors.New("tokenizer: unsupported")

// FormatError reports a vocabulary that cannot be read or fails validation:
// a malformed tokenizer.model protobuf, GGUF metadata of the wrong type or
// length, duplicate pieces, byte pieces that are not <0xNN>, ids out of
// range.
type FormatError struct {
	Source string // "tokenizer.model" or "gguf"
	Reason string // what is wrong, with the offending piece, id or key
	Err    error  // an underlying error such as ErrUnsupported, or nil
}

func (e *FormatError) Error() string {
	if e.Err != nil && e.Err != ErrUnsupported {
		return fmt.Sprintf("tokenizer: %s: %s: %v", e.Source, e.Reason, e.Err)
	}
	if e.Err == ErrUnsupported {
		return fmt.Sprintf("tokenizer: %s: unsupported: %s", e.Source, e.Reason)
	}
	return fmt.Sprintf("tokenizer: %s: %s", e.Source, e.Reason)
}

func (e *FormatError) Unwrap() error { return e.Err }

// UTF8Error reports text that is not valid UTF-8. Encode rejects such text
// rather than replacing the bad bytes with U+FFFD as SentencePiece does, so
// that the tokens always decode back to the text they came from.
type UTF8Error struct {
	Offset int // byte offset of the first invalid byte
}

func (e *UTF8Error) Error() string {
	return fmt.Sprintf("tokenizer: invalid UTF-8 at byte %d", e.Offset)
}

// IDError reports a token id outside the vocabulary.
type IDError struct {
	ID  int32 // the offending id
	Len int   // size of the vocabulary: valid ids are 0 to Len-1
}

func (e *IDError) Error() string {
	return fmt.Sprintf("tokenizer: token id %d out of range [0, %d)", e.ID, e.Len)
}

// ChatError reports a conversation that does not follow the instruct format:
// no messages, a conversation that does not start with a user message (after
// an optional system message), two user or two assistant messages in a row,
// a system message anywhere but first, an unknown role, an empty assistant
// message.
type ChatError struct {
	Index  int    // index of the offending message; 0 for an empty conversation
	Reason string // what is wrong
	Err    error  // the underlying error, such as a *UTF8Error, or nil
}

func (e *ChatError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("tokenizer: chat: message %d: %s: %v", e.Index, e.Reason, e.Err)
	}
	return fmt.Sprintf("tokenizer: chat: message %d: %s", e.Index, e.Reason)
}

func (e *ChatError) Unwrap() error { return e.Err }
