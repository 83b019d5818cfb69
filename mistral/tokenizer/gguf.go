package tokenizer

import (
	"fmt"
	"slices"

	"github.com/gomistral/gomistral/ggml/gguf"
)

// GGUF metadata keys of the tokenizer.
const (
	keyModel                  = "tokenizer.ggml.model"
	keyTokens                 = "tokenizer.ggml.tokens"
	keyScores                 = "tokenizer.ggml.scores"
	keyTokenType              = "tokenizer.ggml.token_type"
	keyBOS                    = "tokenizer.ggml.bos_token_id"
	keyEOS                    = "tokenizer.ggml.eos_token_id"
	keyUnknown                = "tokenizer.ggml.unknown_token_id"
	keyAddBOS                 = "tokenizer.ggml.add_bos_token"
	keyAddEOS                 = "tokenizer.ggml.add_eos_token"
	keyAddSpacePrefix         = "tokenizer.ggml.add_space_prefix"
	keyRemoveExtraWhitespaces = "tokenizer.ggml.remove_extra_whitespaces"
)

const sourceGGUF = "gguf"

// FromGGUF returns the tokenizer described by the metadata of a GGUF file:
// tokenizer.ggml.model must be "llama" (SentencePiece BPE);
// tokenizer.ggml.tokens (array of string), tokenizer.ggml.scores (array of
// float32) and tokenizer.ggml.token_type (array of int32) give the vocabulary
// and must have the same length; tokenizer.ggml.bos_token_id, eos_token_id
// and unknown_token_id the special ids (when absent, BOS and EOS are the
// pieces <s> and </s>); tokenizer.ggml.add_bos_token and add_eos_token the
// defaults reported by AddBOS and AddEOS (true and false when absent).
// Byte fallback is on when the vocabulary has byte pieces. GGUF does not
// carry SentencePiece's normaliser; Mistral's is assumed (a dummy-prefix
// space, whitespace kept as is) unless tokenizer.ggml.add_space_prefix or
// tokenizer.ggml.remove_extra_whitespaces say otherwise.
//
// Errors are *FormatError, wrapping ErrUnsupported for another tokenizer
// model.
func FromGGUF(f *gguf.File) (*Tokenizer, error) {
	fail := func(format string, args ...any) (*Tokenizer, error) {
		return nil, &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf(format, args...)}
	}
	model, err := ggufString(f, keyModel)
	if err != nil {
		return nil, err
	}
	if model != "llama" {
		return nil, &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %q (only llama, SentencePiece BPE, is implemented)", keyModel, model), Err: ErrUnsupported}
	}
	tokens, err := ggufArray(f, keyTokens, gguf.ValueString, gguf.Value.Strings)
	if err != nil {
		return nil, err
	}
	scores, err := ggufArray(f, keyScores, gguf.ValueFloat32, gguf.Value.Float32s)
	if err != nil {
		return nil, err
	}
	rawTypes, err := ggufArray(f, keyTokenType, gguf.ValueInt32, gguf.Value.Int32s)
	if err != nil {
		return nil, err
	}
	if len(scores) != len(tokens) || len(rawTypes) != len(tokens) {
		return fail("%s, %s and %s have %d, %d and %d elements", keyTokens, keyScores, keyTokenType, len(tokens), len(scores), len(rawTypes))
	}
	v := &vocab{
		source:     sourceGGUF,
		pieces:     slices.Clone(tokens),
		scores:     slices.Clone(scores),
		types:      make([]TokenType, len(rawTypes)),
		norm:       normalizer{addDummyPrefix: true, escapeWhitespaces: true},
		unkSurface: defaultUnknownSurface,
		addBOS:     true,
	}
	for i, typ := range rawTypes {
		v.types[i] = TokenType(typ)
		v.byteFallback = v.byteFallback || TokenType(typ) == Byte
	}
	for _, b := range []struct {
		key string
		dst *bool
	}{
		{keyAddBOS, &v.addBOS},
		{keyAddEOS, &v.addEOS},
		{keyAddSpacePrefix, &v.norm.addDummyPrefix},
		{keyRemoveExtraWhitespaces, &v.norm.removeExtraWhitespaces},
	} {
		if err := ggufBool(f, b.key, b.dst); err != nil {
			return nil, err
		}
	}
	t, err := build(v)
	if err != nil {
		return nil, err
	}
	for _, s := range []struct {
		key, piece string
		dst        *int32
	}{{keyBOS, "<s>", &t.bos}, {keyEOS, "</s>", &t.eos}, {keyUnknown, "", &t.unk}} {
		id, present, err := ggufID(f, s.key, len(t.pieces))
		switch {
		case err != nil:
			return nil, err
		case present && s.dst == &t.unk && int32(id) != t.unk:
			return fail("%s is %d but the piece of type unknown is %d (%q)", s.key, id, t.unk, t.pieces[t.unk])
		case present:
			*s.dst = int32(id)
		case s.piece != "":
			pid, ok := t.ids[s.piece]
			if !ok {
				return fail("no %s and no piece %q", s.key, s.piece)
			}
			*s.dst = pid
		}
	}
	return t, nil
}

// ggufString returns the string value of a key that must be present.
func ggufString(f *gguf.File, key string) (string, error) {
	v, ok := f.Lookup(key)
	if !ok {
		return "", &FormatError{Source: sourceGGUF, Reason: "no " + key}
	}
	s, ok := v.Str()
	if !ok {
		return "", &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %s, want string", key, describeValue(v))}
	}
	return s, nil
}

// ggufArray returns the array value of a key that must be present, with
// elements of type elem.
func ggufArray[T any](f *gguf.File, key string, elem gguf.ValueType, get func(gguf.Value) ([]T, bool)) ([]T, error) {
	v, ok := f.Lookup(key)
	if !ok {
		return nil, &FormatError{Source: sourceGGUF, Reason: "no " + key}
	}
	s, ok := get(v)
	if !ok {
		return nil, &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %s, want array of %s", key, describeValue(v), elem)}
	}
	return s, nil
}

// ggufBool sets *dst to the value of key if present, which must be a bool.
func ggufBool(f *gguf.File, key string, dst *bool) error {
	v, ok := f.Lookup(key)
	if !ok {
		return nil
	}
	b, ok := v.Bool()
	if !ok {
		return &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %s, want bool", key, describeValue(v))}
	}
	*dst = b
	return nil
}

// ggufID returns the value of key if present, a token id: an integer in
// [0, n).
func ggufID(f *gguf.File, key string, n int) (id uint64, present bool, err error) {
	v, ok := f.Lookup(key)
	if !ok {
		return 0, false, nil
	}
	id, ok = v.Uint()
	_, signed := v.Int()
	switch {
	case !ok && !signed:
		return 0, true, &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %s, want a token id", key, describeValue(v))}
	case !ok || id >= uint64(n):
		return 0, true, &FormatError{Source: sourceGGUF, Reason: fmt.Sprintf("%s is %s, out of range [0, %d)", key, v, n)}
	}
	return id, true, nil
}

// describeValue names the type of a metadata value for an error.
func describeValue(v gguf.Value) string {
	if v.Type() == gguf.ValueArray {
		return "array of " + v.Elem().String()
	}
	return v.Type().String()
}
