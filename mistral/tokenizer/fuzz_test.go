package tokenizer

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

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

// FuzzEncodeChat checks that any conversation, tools included, is encoded
// or rejected with a *ChatError, a *ToolError or an error wrapping
// ErrUnsupported, never a panic; that EncodeChat is the concatenation of
// EncodeChatTurns; and that the control tokens are those of the messages'
// layout (text never turns into a control token).
func FuzzEncodeChat(f *testing.F) {
	f.Add([]byte{0, 1, 2, 1}, "sys|Hi|Hello|Bye")
	f.Add([]byte{2, 1}, "|x")
	f.Add([]byte{1, 3}, "a|b")
	f.Add([]byte{0x80, 1, 4, 3, 2, 1}, `abcDEF123|get_time|{"type": "object"}|{"a": 1e5, "a": "\u00e9"}|Il est midi.|[TOOL_CALLS]`)
	f.Add([]byte{1, 4, 3, 3}, "abcDEF123|f|[1,]|NaN")
	toks, err := fuzzTokenizers()
	require.NoError(f, err)
	roles := []Role{RoleSystem, RoleUser, RoleAssistant, RoleTool, RoleAssistant}
	f.Fuzz(func(t *testing.T, rs []byte, content string) {
		parts := strings.Split(content, "|")
		part := func(k int) string { return parts[k%len(parts)] }
		var msgs []Message
		var tools []Tool
		for i, r := range rs {
			if i == 8 {
				break
			}
			if r >= 0x80 {
				tools = append(tools, Tool{Name: part(1), Description: part(i), Parameters: json.RawMessage(part(i + 2))})
			}
			m := Message{Role: roles[int(r&0x7f)%len(roles)], Content: part(i)}
			switch int(r&0x7f) % len(roles) {
			case 3:
				m.ToolCallID = part(0)
			case 4: // an assistant message with a tool call
				m.Content = ""
				m.ToolCalls = []ToolCall{{ID: part(0), Name: part(1), Arguments: json.RawMessage(part(i))}}
			}
			msgs = append(msgs, m)
		}
		for _, tok := range toks[:2] {
			tt, hasTools := tok.toolTokens()
			for _, format := range []ChatFormat{ChatAuto, ChatV1, ChatV3} {
				opts := ChatOptions{Format: format, Tools: tools}
				turns, err := tok.EncodeChatTurns(msgs, opts)
				if err != nil {
					var ce *ChatError
					var te *ToolError
					if !errors.As(err, &ce) && !errors.As(err, &te) {
						require.ErrorIs(t, err, ErrUnsupported)
					}
					continue
				}
				ids, err := tok.EncodeChat(msgs, opts)
				require.NoError(t, err)
				require.Equal(t, ids, slices.Concat(turns...))
				require.Equal(t, []int32{tok.BOS()}, turns[0])
				if !hasTools {
					continue
				}
				for i, m := range msgs {
					turn := turns[i+1]
					require.Equal(t, len(m.ToolCalls) > 0, slices.Contains(turn, tt.calls), "message %d", i)
					require.Equal(t, m.Role == RoleTool, slices.Contains(turn, tt.resultsBegin), "message %d", i)
					require.Equal(t, m.Role == RoleTool, slices.Contains(turn, tt.resultsEnd), "message %d", i)
					if m.Role == RoleUser && len(tools) > 0 {
						require.Equal(t, i == lastUser(msgs), slices.Contains(turn, tt.availableBegin), "message %d", i)
					}
				}
			}
		}
	})
}

// lastUser returns the index of the last user message.
func lastUser(msgs []Message) int {
	last := -1
	for i, m := range msgs {
		if m.Role == RoleUser {
			last = i
		}
	}
	return last
}
