package tokenizer

import (
	"errors"
	"fmt"
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
			ids, err := tok.EncodeChat(msgs, ChatOptions{Format: format})
			require.NoError(t, err)
			assert.Equal(t, c.IDs, ids, "%v %+v", format, msgs)
		}
		// The same conversation on the v3 vocabulary, which extends v1's.
		ids, err := v3(t).EncodeChat(msgs, ChatOptions{Format: ChatV1})
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
	_, err := v1(t).EncodeChat([]Message{{Role: RoleUser, Content: "Hi"}}, ChatOptions{Format: ChatV3})
	assert.ErrorIs(t, err, ErrUnsupported)
	_, err = v1(t).EncodeChat([]Message{{Role: RoleUser, Content: "Hi"}}, ChatOptions{Format: ChatFormat(7)})
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
		{"one user message", []Message{{Role: RoleUser, Content: "What is the capital of France?"}},
			cat(bos, inst, enc("What is the capital of France?"), endInst)},
		{"conversation", []Message{{Role: RoleUser, Content: "Bonjour !"}, {Role: RoleAssistant, Content: "Bonjour, comment puis-je vous aider ?  "}, {Role: RoleUser, Content: "Parle-moi de Mistral 7B."}},
			cat(bos, inst, enc("Bonjour !"), endInst, enc("Bonjour, comment puis-je vous aider ?"), eos, inst, enc("Parle-moi de Mistral 7B."), endInst)},
		{"system prompt before the last user message", []Message{{Role: RoleSystem, Content: "Be brief."}, {Role: RoleUser, Content: "Hi"}, {Role: RoleAssistant, Content: "Hello!"}, {Role: RoleUser, Content: "A joke?"}},
			cat(bos, inst, enc("Hi"), endInst, enc("Hello!"), eos, inst, enc("Be brief.\n\nA joke?"), endInst)},
		{"ends with an answer", []Message{{Role: RoleUser, Content: "Hi"}, {Role: RoleAssistant, Content: "Hello!"}},
			cat(bos, inst, enc("Hi"), endInst, enc("Hello!"), eos)},
		{"empty system prompt", []Message{{Role: RoleSystem, Content: ""}, {Role: RoleUser, Content: "Hi"}},
			cat(bos, inst, enc("Hi"), endInst)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []ChatFormat{ChatV3, ChatAuto} {
				ids, err := tok.EncodeChat(tt.msgs, ChatOptions{Format: format})
				require.NoError(t, err)
				assert.Equal(t, tt.want, ids)
			}
			turns, err := tok.EncodeChatTurns(tt.msgs, ChatOptions{Format: ChatV3})
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
		name   string
		msgs   []Message
		index  int
		reason string
	}{
		{"empty", nil, 0, "empty conversation"},
		{"starts with assistant", []Message{{Role: RoleAssistant, Content: "Hi"}, {Role: RoleUser, Content: "Hi"}}, 0, "before any user message"},
		{"assistant after system", []Message{{Role: RoleSystem, Content: "S"}, {Role: RoleAssistant, Content: "Hi"}}, 1, "before any user message"},
		{"two user messages", []Message{{Role: RoleUser, Content: "a"}, {Role: RoleUser, Content: "b"}}, 1, "two user messages in a row"},
		{"two user messages around a system message", []Message{{Role: RoleUser, Content: "a"}, {Role: RoleSystem, Content: "s"}, {Role: RoleUser, Content: "b"}}, 2, "two user messages in a row"},
		{"two assistant messages", []Message{{Role: RoleUser, Content: "a"}, {Role: RoleAssistant, Content: "b"}, {Role: RoleAssistant, Content: "c"}}, 2, "two assistant messages in a row"},
		{"system alone", []Message{{Role: RoleSystem, Content: "a"}}, 0, "system messages with no user message"},
		{"two systems alone", []Message{{Role: RoleSystem, Content: "a"}, {Role: RoleSystem, Content: "b"}}, 0, "system messages with no user message"},
		{"unknown role", []Message{{Role: RoleUser, Content: "a"}, {Role: "function", Content: "b"}}, 1, `unknown role "function"`},
		{"empty role", []Message{{Role: "", Content: "a"}}, 0, `unknown role ""`},
		{"empty answer", []Message{{Role: RoleUser, Content: "a"}, {Role: RoleAssistant, Content: ""}}, 1, "empty assistant message"},
		{"invalid UTF-8", []Message{{Role: RoleUser, Content: "a\xff"}}, 0, "content: invalid UTF-8 at byte 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tok := range []*Tokenizer{v1(t), v3(t)} {
				_, err := tok.EncodeChat(tt.msgs, ChatOptions{})
				var ce *ChatError
				require.True(t, errors.As(err, &ce), "%v", err)
				assert.Equal(t, tt.index, ce.Index, ce.Error())
				assert.Contains(t, err.Error(), fmt.Sprintf("tokenizer: chat: message %d: ", tt.index))
				assert.Contains(t, err.Error(), tt.reason)
			}
		})
	}
	_, err := v1(t).EncodeChat([]Message{{Role: RoleUser, Content: "a\xff"}}, ChatOptions{Format: ChatV1})
	var ue *UTF8Error
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 1, ue.Offset)
}

// TestChatSystemMessages checks that system messages, wherever they are,
// make one system prompt joined by blank lines (empty ones left out), as
// mistral-common's request normaliser gathers them.
func TestChatSystemMessages(t *testing.T) {
	msgs := []Message{
		{Role: RoleSystem, Content: "Be brief."},
		{Role: RoleUser, Content: "Hi"},
		{Role: RoleSystem, Content: ""},
		{Role: RoleAssistant, Content: "Hello!"},
		{Role: RoleSystem, Content: "Answer in French."},
		{Role: RoleUser, Content: "A joke?"},
	}
	v1Tok := v1(t)
	enc1 := func(s string) []int32 { return v1Tok.encode(s) }
	var want []int32
	want = append(want, v1Tok.BOS())
	want = append(want, enc1("[INST] Be brief.\n\nAnswer in French.\n\nHi [/INST]")...)
	want = append(want, enc1("Hello!")...)
	want = append(want, v1Tok.EOS())
	want = append(want, enc1("[INST] A joke? [/INST]")...)
	ids, err := v1Tok.EncodeChat(msgs, ChatOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, ids)

	tok := v3(t)
	ids, err = tok.EncodeChat(msgs, ChatOptions{})
	require.NoError(t, err)
	want, err = tok.Encode("[INST]Hi[/INST]", EncodeOptions{BOS: true, ParseControl: true})
	require.NoError(t, err)
	want = append(want, tok.encode("Hello!")...)
	want = append(want, tok.EOS(), 3)
	want = append(want, tok.encode("Be brief.\n\nAnswer in French.\n\nA joke?")...)
	want = append(want, 4)
	assert.Equal(t, want, ids)

	turns, err := tok.EncodeChatTurns(msgs, ChatOptions{})
	require.NoError(t, err)
	for _, i := range []int{0, 2, 4} {
		assert.Empty(t, turns[i+1], "system message %d", i)
	}
}
