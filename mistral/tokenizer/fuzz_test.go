package tokenizer

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

// fuzzTokenizers returns the v1 and v3 tokenizers and those of the
// synthetic models, built once.
var fuzzTokenizers = sync.OnceValues(func() ([]*Tokenizer, error) {
	t1, err := loadV1()
	if err != nil {
		return nil, err
	}
	t3, err := loadV3()
	if err != nil {
		return nil, err
	}
	toks := []*Tokenizer{t1, t3}
	base, err := readTestModel(v1ModelPath)
	if err != nil {
		return nil, err
	}
	for _, m := range syntheticVariantsOf(base) {
		tok, err := FromSentencePiece(m.bytes())
		if err != nil {
			return nil, err
		}
		toks = append(toks, tok)
	}
	return toks, nil
})

// FuzzEncode checks that Encode never panics, rejects invalid UTF-8, and
// that for Mistral's models Decode(Encode(s)) is s (with ▁ read as a space,
// as SentencePiece does) whether decoded whole or streamed.
func FuzzEncode(f *testing.F) {
	for _, c := range vectors(f).V1.Cases {
		f.Add(c.Text)
	}
	f.Add("<s>[INST] [REFERENCE_DOC_1] [/INST]</s>[control_12]")
	f.Add("a\xffb")
	toks, err := fuzzTokenizers()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, s string) {
		for i, tok := range toks {
			ids, err := tok.Encode(s, EncodeOptions{})
			if !utf8.ValidString(s) {
				var ue *UTF8Error
				require.True(t, errors.As(err, &ue), "%v", err)
				continue
			}
			require.NoError(t, err)
			text, err := tok.Decode(ids)
			require.NoError(t, err)
			if i < 2 {
				require.Equal(t, strings.ReplaceAll(s, spaceSymbol, " "), text)
			}
			require.Equal(t, text, strings.Join(stream(t, tok, ids, DecoderOptions{StartOfText: true}), ""))

			ids, err = tok.Encode(s, EncodeOptions{BOS: true, EOS: true, ParseControl: true})
			require.NoError(t, err)
			_, err = tok.Decode(ids)
			require.NoError(t, err)
		}
	})
}

// FuzzDecoder checks that the streaming decoder returns whole UTF-8
// characters and, put together, what Decode returns, for any id sequence.
func FuzzDecoder(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3})
	f.Add([]byte{10, 0xF0, 20, 0x9F, 30, 0xA6, 40, 0x99, 200, 7})
	f.Add([]byte{0, 0xE2, 0, 0x82, 250, 250, 0, 0xAC})
	toks, err := fuzzTokenizers()
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, tok := range toks {
			ids := fuzzIDs(tok, data)
			want, err := tok.Decode(ids)
			require.NoError(t, err)
			require.True(t, utf8.ValidString(want))
			for _, start := range []bool{true, false} {
				parts := stream(t, tok, ids, DecoderOptions{StartOfText: start})
				for _, p := range parts {
					require.True(t, utf8.ValidString(p), "%q", p)
				}
				got := strings.Join(parts, "")
				if start {
					require.Equal(t, want, got)
				} else {
					// Continuing a text keeps the first piece's space.
					require.True(t, got == want || got == " "+want, "%q %q", got, want)
				}
			}
		}
	})
}

// fuzzIDs turns fuzz bytes into ids, two bytes an id, with many byte pieces
// so that UTF-8 sequences of byte pieces, valid or not, are common.
func fuzzIDs(tok *Tokenizer, data []byte) []int32 {
	var ids []int32
	for ; len(data) >= 2; data = data[2:] {
		switch k := data[0]; {
		case k < 128:
			ids = append(ids, tok.byteIDs[data[1]])
		case k < 144:
			ids = append(ids, int32(data[1])%4) // <unk>, <s>, </s>, [INST] or <0x00>
		default:
			ids = append(ids, int32(uint16(k-144)<<8|uint16(data[1]))%int32(tok.Len()))
		}
	}
	return ids
}

// FuzzFromSentencePiece checks that no input makes the protobuf reader
// panic, and that what it accepts can encode and decode.
func FuzzFromSentencePiece(f *testing.F) {
	f.Add(smallModel().bytes())
	m := smallModel()
	m.pieces = append(m.pieces, testPiece{"[X]", 0, UserDefined}, testPiece{"▁hel", -20, Unused})
	m.normalizer[normalizerRemoveExtraWhitespaces] = true
	f.Add(m.bytes())
	f.Add([]byte{0x0a, 0x80})
	tiny := &testModel{
		pieces: []testPiece{{"<unk>", 0, Unknown}, {"<s>", 0, Control}, {"</s>", 0, Control},
			{"▁h", -1, Normal}, {"▁", -2, Normal}, {"h", -3, Normal}, {"[X]", 0, UserDefined}},
		trainer:    map[protowire.Number]any{trainerModelType: uint64(modelTypeBPE)},
		normalizer: map[protowire.Number]any{},
	}
	f.Add(tiny.bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		tok, err := FromSentencePiece(data)
		if err != nil {
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			return
		}
		for _, s := range []string{"hello  world", " [X]hel 🦙 ", ""} {
			ids, err := tok.Encode(s, EncodeOptions{BOS: true, ParseControl: true})
			require.NoError(t, err)
			_, err = tok.Decode(ids)
			require.NoError(t, err)
		}
	})
}

// FuzzEncodeChat checks that any conversation is encoded or rejected with a
// *ChatError, never a panic.
func FuzzEncodeChat(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1}, "sys|Hi|Hello|Bye")
	f.Add([]byte{2, 1}, "|x")
	f.Add([]byte{1, 3}, "a|b")
	toks, err := fuzzTokenizers()
	require.NoError(f, err)
	roles := []Role{RoleSystem, RoleUser, RoleAssistant, "tool"}
	f.Fuzz(func(t *testing.T, rs []byte, content string) {
		parts := strings.Split(content, "|")
		var msgs []Message
		for i, r := range rs {
			if i == 8 {
				break
			}
			msgs = append(msgs, Message{Role: roles[int(r)%len(roles)], Content: parts[i%len(parts)]})
		}
		for _, tok := range toks[:2] {
			for _, format := range []ChatFormat{ChatAuto, ChatV1, ChatV3} {
				ids, err := tok.EncodeChat(msgs, format)
				if err != nil {
					var ce *ChatError
					if !errors.As(err, &ce) {
						require.ErrorIs(t, err, ErrUnsupported)
					}
					continue
				}
				assert.Equal(t, tok.BOS(), ids[0])
			}
		}
	})
}
