package tokenizer

import (
	"fmt"
	"strings"
)

// The instruct formats follow mistral-common (github.com/mistralai/mistral-common,
// src/mistral_common/tokens/tokenizers/instruct.py), read for this package
// and written again here:
//   - InstructTokenizerV1.encode_user_message encodes f"[INST] {content} [/INST]"
//     as one text, content being system_prompt + "\n\n" + message for the
//     first user message when there is a system prompt;
//     encode_assistant_message encodes the content and appends EOS.
//   - InstructTokenizerV2 (and V3, which differs only for tools) puts the
//     BEGIN_INST and END_INST control tokens around the separately encoded
//     user content, prepends the system prompt and a blank line to the *last*
//     user message (encode_user_content with is_last), and encodes answers
//     with trailing spaces removed (content.rstrip(" ")) before EOS.
//   - encode_instruct starts with BOS and concatenates the messages' ids.
// mistral-common's validator (protocol/instruct/validator.py) rejects empty
// conversations and misordered roles, and asserts that an assistant message
// has content; its request normaliser merges consecutive messages of the
// same role and gathers system messages into one prompt. Here such
// conversations are rejected instead: two messages of the same role in a row
// or a system message that is not first are *ChatError.

// Role is who wrote a message of a conversation.
type Role string

// The roles of the instruct format.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// Message is one message of a conversation.
type Message struct {
	Role    Role
	Content string
}

// ChatFormat is a version of Mistral's instruct format, as built by
// mistral-common's instruct tokenizers.
type ChatFormat int

const (
	// ChatAuto picks ChatV3 when the vocabulary has [INST] and [/INST] as
	// control tokens (Mistral 7B v0.3), ChatV1 otherwise (v0.1, v0.2).
	ChatAuto ChatFormat = iota
	// ChatV1 is mistral-common's InstructTokenizerV1:
	//	<s>[INST] {user} [/INST] {answer}</s>[INST] {user} [/INST]
	// where "[INST] {user} [/INST]" is encoded as one text, so [INST] is
	// spelt out in ordinary pieces, and each answer is encoded on its own and
	// closed by EOS. A system prompt goes before the first user message,
	// followed by a blank line.
	ChatV1
	// ChatV3 is mistral-common's InstructTokenizerV3 (the same as V2 for
	// text): [INST] and [/INST] are single control tokens around the
	// separately encoded user message:
	//	<s>[INST]▁{user}[/INST]▁{answer}</s>[INST]▁{user}[/INST]
	// Trailing spaces of answers are dropped. A system prompt goes before
	// the last user message, followed by a blank line.
	ChatV3
)

// String returns "auto", "v1" or "v3".
func (f ChatFormat) String() string {
	switch f {
	case ChatAuto:
		return "auto"
	case ChatV1:
		return "v1"
	case ChatV3:
		return "v3"
	}
	return fmt.Sprintf("ChatFormat(%d)", int(f))
}

// DefaultChatFormat returns the format ChatAuto stands for with t's
// vocabulary: ChatV3 if [INST] and [/INST] are control tokens, else ChatV1.
func (t *Tokenizer) DefaultChatFormat() ChatFormat {
	if _, _, ok := t.instTokens(); ok {
		return ChatV3
	}
	return ChatV1
}

// instTokens returns the ids of the control tokens [INST] and [/INST].
func (t *Tokenizer) instTokens() (begin, end int32, ok bool) {
	begin, ok1 := t.ids["[INST]"]
	end, ok2 := t.ids["[/INST]"]
	ok = ok1 && ok2 && t.types[begin] == Control && t.types[end] == Control
	return begin, end, ok
}

// EncodeChat returns the token ids of a conversation in an instruct format,
// starting with BOS, exactly as mistral-common builds them. The conversation
// is an optional system message, then user and assistant messages in turn,
// starting with a user message; it may end with either: after a user message
// the model writes the answer, an assistant message is closed by EOS.
// Anything else is a *ChatError. ChatV3 on a vocabulary without [INST] and
// [/INST] control tokens is an error wrapping ErrUnsupported.
//
// To grow a conversation turn by turn, encode it whole each time and keep
// the longest common prefix of the ids (a model keeps its cache for those):
// adding messages appends ids, except that ChatV3 moves the system prompt
// to the last user message, as mistral-common does.
func (t *Tokenizer) EncodeChat(msgs []Message, format ChatFormat) ([]int32, error) {
	turns, err := t.EncodeChatTurns(msgs, format)
	if err != nil {
		return nil, err
	}
	n := 0
	for _, turn := range turns {
		n += len(turn)
	}
	ids := make([]int32, 0, n)
	for _, turn := range turns {
		ids = append(ids, turn...)
	}
	return ids, nil
}

// EncodeChatTurns is EncodeChat with the ids cut by message: turns[0] is
// [BOS] and turns[i+1] holds the ids of msgs[i] (none for the system
// message, whose text is part of a user message). Their concatenation is
// what EncodeChat returns. A caller that generated an answer can put the ids
// it generated in place of the answer's turn, which re-encoding its text
// does not always give back.
func (t *Tokenizer) EncodeChatTurns(msgs []Message, format ChatFormat) ([][]int32, error) {
	if err := checkChat(msgs); err != nil {
		return nil, err
	}
	if format == ChatAuto {
		format = t.DefaultChatFormat()
	}
	var begin, end int32
	switch format {
	case ChatV1:
	case ChatV3:
		var ok bool
		if begin, end, ok = t.instTokens(); !ok {
			return nil, fmt.Errorf("tokenizer: chat format v3 needs [INST] and [/INST] control tokens: %w", ErrUnsupported)
		}
	default:
		return nil, fmt.Errorf("tokenizer: unknown chat format %d", int(format))
	}

	system := ""
	if msgs[0].Role == RoleSystem {
		system = msgs[0].Content
	}
	firstUser, lastUser := -1, -1
	for i, m := range msgs {
		if m.Role == RoleUser {
			if firstUser < 0 {
				firstUser = i
			}
			lastUser = i
		}
	}

	turns := make([][]int32, len(msgs)+1)
	turns[0] = []int32{t.bos}
	for i, m := range msgs {
		var ids []int32
		switch {
		case m.Role == RoleSystem:
		case m.Role == RoleUser && format == ChatV1:
			content := m.Content
			if i == firstUser && system != "" {
				content = system + "\n\n" + content
			}
			ids = t.encode("[INST] " + content + " [/INST]")
		case m.Role == RoleUser:
			content := m.Content
			if i == lastUser && system != "" {
				content = system + "\n\n" + content
			}
			ids = append([]int32{begin}, t.encode(content)...)
			ids = append(ids, end)
		case format == ChatV1:
			ids = append(t.encode(m.Content), t.eos)
		default:
			ids = append(t.encode(strings.TrimRight(m.Content, " ")), t.eos)
		}
		turns[i+1] = ids
	}
	return turns, nil
}

// checkChat checks the structure of a conversation.
func checkChat(msgs []Message) error {
	if len(msgs) == 0 {
		return &ChatError{Index: 0, Reason: "empty conversation"}
	}
	prev := Role("")
	for i, m := range msgs {
		fail := func(format string, args ...any) error {
			return &ChatError{Index: i, Reason: fmt.Sprintf(format, args...)}
		}
		if err := checkUTF8(m.Content); err != nil {
			return &ChatError{Index: i, Reason: "content is not valid UTF-8", Err: err}
		}
		switch m.Role {
		case RoleSystem:
			if i != 0 {
				return fail("system message after the start of the conversation (it must come first)")
			}
		case RoleUser:
			if prev == RoleUser {
				return fail("two user messages in a row")
			}
		case RoleAssistant:
			switch prev {
			case "", RoleSystem:
				return fail("assistant message before any user message (a conversation starts with a user message)")
			case RoleAssistant:
				return fail("two assistant messages in a row")
			}
			if m.Content == "" {
				return fail("empty assistant message")
			}
		default:
			return fail("unknown role %q (want %q, %q or %q)", m.Role, RoleSystem, RoleUser, RoleAssistant)
		}
		prev = m.Role
	}
	if prev == RoleSystem {
		return &ChatError{Index: 0, Reason: "system message with no user message"}
	}
	return nil
}
