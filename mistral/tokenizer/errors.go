package tokenizer

import (
	"errors"
	"fmt"
)

// ErrUnsupported reports a vocabulary that is well formed but asks for
// something this package does not implement: a Unigram model, a
// precompiled normalisation charsmap, whitespace as a suffix, the v3
// instruct format on a vocabulary without [INST] and [/INST] control tokens,
// tools in a format or vocabulary without tool tokens. Test for it with
// errors.Is.
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

// unsupportedError is ErrUnsupported with what is not supported.
type unsupportedError struct{ what string }

func (e *unsupportedError) Error() string { return "tokenizer: unsupported: " + e.what }
func (e *unsupportedError) Unwrap() error { return ErrUnsupported }

// ChatError reports a conversation that does not follow the instruct format
// (see EncodeChatTurns for its rules): no messages, a conversation that does
// not start with a user message, two user or two assistant messages in a
// row, an unknown role, an assistant message with neither content nor tool
// calls or with both, a tool call whose id is not nine letters or digits or
// whose name is not a tool name, a tool result that answers no pending call,
// text that is not valid UTF-8, tool calls or results in a format without
// tool tokens (wrapping ErrUnsupported).
type ChatError struct {
	Index  int    // index of the offending message; 0 for an empty conversation
	Reason string // what is wrong
	Err    error  // the underlying error, such as a *UTF8Error or ErrUnsupported, or nil
}

func (e *ChatError) Error() string {
	var ue *UTF8Error
	switch {
	case e.Err == nil:
		return fmt.Sprintf("tokenizer: chat: message %d: %s", e.Index, e.Reason)
	case e.Err == ErrUnsupported:
		return fmt.Sprintf("tokenizer: chat: message %d: unsupported: %s", e.Index, e.Reason)
	case errors.As(e.Err, &ue):
		return fmt.Sprintf("tokenizer: chat: message %d: %s: invalid UTF-8 at byte %d", e.Index, e.Reason, ue.Offset)
	}
	return fmt.Sprintf("tokenizer: chat: message %d: %s: %v", e.Index, e.Reason, e.Err)
}

func (e *ChatError) Unwrap() error { return e.Err }

// ToolError reports a tool that cannot be offered to the model: a name that
// is not 1 to 64 ASCII letters, digits, '_' or '-', a name given to two
// tools, parameters that are not a JSON object, text that is not valid
// UTF-8.
type ToolError struct {
	Index  int    // index of the tool in ChatOptions.Tools
	Name   string // its name
	Reason string // what is wrong
	Err    error  // the underlying error, or nil
}

func (e *ToolError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("tokenizer: tool %d (%q): %s: %v", e.Index, e.Name, e.Reason, e.Err)
	}
	return fmt.Sprintf("tokenizer: tool %d (%q): %s", e.Index, e.Name, e.Reason)
}

func (e *ToolError) Unwrap() error { return e.Err }

// ToolChoiceError reports a tool choice that is unknown or cannot be
// followed with the tools given.
type ToolChoiceError struct {
	Choice string // the choice as given, or as ToolChoice.String writes it
	Reason string // what is wrong
}

func (e *ToolChoiceError) Error() string {
	return fmt.Sprintf("tokenizer: tool choice %q: %s", e.Choice, e.Reason)
}
