package tokenizer

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestChatV1Vectors(t *testing.T) {
	tok := v1(t)
	cases := vectors(t).V1.Chat
	require.NotEmpty(t, cases)
	for _, c := range cases {
		var msgs []Message
		if c.System != "" {
			msgs = append(msgs, Message{Role: RoleSystem, Content: c.System})
		}
		for _, turn := range c.Turns {
			msgs = append(msgs, Message{Role: Role(turn.Role), Content: turn.Content})
		}
		for _, format := range []ChatFormat{ChatV1, ChatAuto} {
			ids, err := tok.EncodeChat(msgs, format)
			require.NoError(t, err)
			assert.Equal(t, c.IDs, ids, "%v %+v", format, msgs)
		}
		// The same conversation on the v3 vocabulary, which extends v1's.
		ids, err := v3(t).EncodeChat(msgs, ChatV1)
		require.NoError(t, err)
		text, err := tok.Decode(c.IDs)
		require.NoError(t, err)
		text3, err := v3(t).Decode(ids)
		require.NoError(t, err)
		assert.Equal(t, text, text3)
	}
}

func TestDefaultChatFormat(t *testing.T) {
	assert.Equal(t, ChatV1, v1(t).DefaultChatFormat())
	assert.Equal(t, ChatV3, v3(t).DefaultChatFormat())
	_, err := v1(t).EncodeChat([]Message{{Role: RoleUser, Content: "Hi"}}, ChatV3)
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = v1(t).EncodeChat([]Message{{Role: RoleUser, Content: "Hi"}}, ChatFormat(7))
	assert.Error(t, err)
	assert.Equal(t, "v3", ChatV3.String())
}

// TestChatV3 checks the v3 layout: [INST] and [/INST] are single control
// tokens around the user message encoded on its own, the system prompt goes
// before the last user message, answers lose their trailing spaces.
func TestChatV3(t *testing.T) {
	tok := v3(t)
	inst, ok := tok.Lookup("[INST]")
	require.True(t, ok)
	endInst, ok := tok.Lookup("[/INST]")
	require.True(t, ok)
	assert.Equal(t, Control, tok.Type(inst))
	assert.Equal(t, Control, tok.Type(endInst))
	enc := func(s string) []int32 {
		ids, err := tok.Encode(s, EncodeOptions{})
		require.NoError(t, err)
		return ids
	}
	cat := func(parts ...any) []int32 {
		var ids []int32
		for _, p := range parts {
			switch p := p.(type) {
			case int32:
				ids = append(ids, p)
			case []int32:
				ids = append(ids, p...)
			}
		}
		return ids
	}
	bos, eos := tok.BOS(), tok.EOS()
	tests := []struct {
		name string
		msgs []Message
		want []int32
	}{
		{"one user message", []Message{{RoleUser, "What is the capital of France?"}},
			cat(bos, inst, enc("What is the capital of France?"), endInst)},
		{"conversation", []Message{{RoleUser, "Bonjour !"}, {RoleAssistant, "Bonjour, comment puis-je vous aider ?  "}, {RoleUser, "Parle-moi de Mistral 7B."}},
			cat(bos, inst, enc("Bonjour !"), endInst, enc("Bonjour, comment puis-je vous aider ?"), eos, inst, enc("Parle-moi de Mistral 7B."), endInst)},
		{"system prompt before the last user message", []Message{{RoleSystem, "Be brief."}, {RoleUser, "Hi"}, {RoleAssistant, "Hello!"}, {RoleUser, "A joke?"}},
			cat(bos, inst, enc("Hi"), endInst, enc("Hello!"), eos, inst, enc("Be brief.\n\nA joke?"), endInst)},
		{"ends with an answer", []Message{{RoleUser, "Hi"}, {RoleAssistant, "Hello!"}},
			cat(bos, inst, enc("Hi"), endInst, enc("Hello!"), eos)},
		{"empty system prompt", []Message{{RoleSystem, ""}, {RoleUser, "Hi"}},
			cat(bos, inst, enc("Hi"), endInst)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []ChatFormat{ChatV3, ChatAuto} {
				ids, err := tok.EncodeChat(tt.msgs, format)
				require.NoError(t, err)
				assert.Equal(t, tt.want, ids)
			}
			turns, err := tok.EncodeChatTurns(tt.msgs, ChatV3)
			require.NoError(t, err)
			require.Len(t, turns, len(tt.msgs)+1)
			assert.Equal(t, []int32{bos}, turns[0])
		})
	}

	// The v3 layout is what Encode gives with ParseControl on the text with
	// [INST] written out.
	ids, err := tok.Encode("[INST]What is the capital of France?[/INST]", EncodeOptions{BOS: true, ParseControl: true})
	require.NoError(t, err)
	assert.Equal(t, tests[0].want, ids)
}

func TestChatMalformed(t *testing.T) {
	tests := []struct {
		name  string
		msgs  []Message
		index int
	}{
		{"empty", nil, 0},
		{"starts with assistant", []Message{{RoleAssistant, "Hi"}, {RoleUser, "Hi"}}, 0},
		{"assistant after system", []Message{{RoleSystem, "S"}, {RoleAssistant, "Hi"}}, 1},
		{"two user messages", []Message{{RoleUser, "a"}, {RoleUser, "b"}}, 1},
		{"two assistant messages", []Message{{RoleUser, "a"}, {RoleAssistant, "b"}, {RoleAssistant, "c"}}, 2},
		{"system not first", []Message{{RoleUser, "a"}, {RoleSystem, "b"}}, 1},
		{"two system messages", []Message{{RoleSystem, "a"}, {RoleSystem, "b"}, {RoleUser, "c"}}, 1},
		{"system alone", []Message{{RoleSystem, "a"}}, 0},
		{"unknown role", []Message{{RoleUser, "a"}, {"tool", "b"}}, 1},
		{"empty role", []Message{{"", "a"}}, 0},
		{"empty answer", []Message{{RoleUser, "a"}, {RoleAssistant, ""}}, 1},
		{"invalid UTF-8", []Message{{RoleUser, "a\xff"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tok := range []*Tokenizer{v1(t), v3(t)} {
				_, err := tok.EncodeChat(tt.msgs, ChatAuto)
				var ce *ChatError
				require.True(t, errors.As(err, &ce), "%v", err)
				assert.Equal(t, tt.index, ce.Index, ce.Error())
				assert.Contains(t, err.Error(), "tokenizer: chat: message")
			}
		})
	}
	_, err := v1(t).EncodeChat([]Message{{RoleUser, "a\xff"}}, ChatV1)
	var ue *UTF8Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 1, ue.Offset)
}
