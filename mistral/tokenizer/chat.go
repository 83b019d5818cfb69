package tokenizer

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
)

// The instruct formats follow mistral-common (github.com/mistralai/mistral-common,
// src/mistral_common/tokens/tokenizers/instruct.py), read for this package
// and written again here:
//   - InstructTokenizerV1.encode_user_message encodes f"[INST] {content} [/INST]"
//     as one text, content being system_prompt + "\n\n" + message for the
//     first user message when there is a system prompt;
//     encode_assistant_message encodes the content and appends EOS. V1 has
//     no tool tokens: it ignores the tools and fails on tool messages.
//   - InstructTokenizerV2 (and V3) puts the BEGIN_INST and END_INST control
//     tokens around the separately encoded user content, prepends the system
//     prompt and a blank line to the *last* user message (encode_user_content
//     with is_last), and encodes answers with trailing spaces removed
//     (content.rstrip(" ")) before EOS.
//   - V3 writes the tools, [AVAILABLE_TOOLS] json.dumps(tools)
//     [/AVAILABLE_TOOLS], just before the [INST] of the last user message,
//     each tool as {"type": "function", "function": {"name", "description",
//     "parameters"}} ("strict" left out); an assistant message with tool
//     calls as [TOOL_CALLS] json.dumps([{"name", "arguments", "id"}, ...])
//     and EOS; a tool message as [TOOL_RESULTS] json.dumps({"content",
//     "call_id"}) [/TOOL_RESULTS]. Arguments and results are written as JSON
//     when they parse as JSON (json.loads), as strings otherwise, and all
//     JSON with ensure_ascii=False (see pyjson.go). Unlike V2, V3 keeps the
//     calls and results that come before the last user message.
//   - encode_instruct starts with BOS and concatenates the messages' ids.
// mistral-common's request normaliser (protocol/instruct/normalize.py)
// gathers the system messages, wherever they are, into one system prompt
// joined by blank lines, merges consecutive messages of the same role, and
// writes empty tool call arguments and empty tool results as {}. Its
// validator (protocol/instruct/validator.py) wants an assistant message with
// content or tool calls but not both, call ids of nine letters or digits,
// function names of 1 to 64 letters, digits, '_' or '-', and as many tool
// results after an assistant message as it made calls. Here two messages of
// the same role in a row are rejected rather than merged, and a tool result
// must name a call of the assistant message before it that has no result
// yet: such conversations are *ChatError.

// Role is who wrote a message of a conversation.
type Role string

// The roles of the instruct format.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	RoleTool      Role = "tool" // the result of a tool call
)

// Message is one message of a conversation. Messages are plain values;
// Equal compares them.
type Message struct {
	Role Role
	// Content is the text of the message. In a RoleTool message it is the
	// result of the call: text that parses as JSON is written as JSON,
	// other text as a JSON string, and empty content as {}, as
	// mistral-common does. An assistant message that calls tools has no
	// content.
	Content string
	// ToolCalls are the calls of an assistant message (ChatV3), which then
	// has no Content. Each is answered by a RoleTool message.
	ToolCalls []ToolCall
	// ToolCallID is, in a RoleTool message, the ID of the call whose result
	// it is: a call of the assistant message before it, not yet answered.
	ToolCallID string
}

// Equal reports whether m and o are the same message: same role, content,
// call id and tool calls (ids, names and argument bytes).
func (m Message) Equal(o Message) bool {
	return m.Role == o.Role && m.Content == o.Content && m.ToolCallID == o.ToolCallID &&
		slices.EqualFunc(m.ToolCalls, o.ToolCalls, func(a, b ToolCall) bool {
			return a.ID == b.ID && a.Name == b.Name && bytes.Equal(a.Arguments, b.Arguments)
		})
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
	// ChatV3 is mistral-common's InstructTokenizerV3: [INST] and [/INST]
	// are single control tokens around the separately encoded user message:
	//	<s>[INST]▁{user}[/INST]▁{answer}</s>[INST]▁{user}[/INST]
	// Trailing spaces of answers are dropped. A system prompt goes before
	// the last user message, followed by a blank line. With tools:
	//	[AVAILABLE_TOOLS]▁[{"type":▁"function",▁...}][/AVAILABLE_TOOLS][INST]▁{user}[/INST]
	//	[TOOL_CALLS]▁[{"name":▁...,▁"arguments":▁{...},▁"id":▁"D681PevKs"}]</s>
	//	[TOOL_RESULTS]▁{"content":▁...,▁"call_id":▁"D681PevKs"}[/TOOL_RESULTS]
	// the tools just before the last user message.
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

// ChatOptions are the options of EncodeChat. The zero value is ChatAuto
// with no tools.
type ChatOptions struct {
	// Format is the instruct format; ChatAuto (the zero value) picks it by
	// the vocabulary.
	Format ChatFormat
	// Tools are the tools the model may call, written (ChatV3) just before
	// the last user message. ChatV1 and vocabularies without the tool
	// control tokens have no way to write them: tools there are an error
	// wrapping ErrUnsupported. A tool that is not valid is a *ToolError.
	Tools []Tool
}

// EncodeChat returns the token ids of a conversation in an instruct format,
// starting with BOS, exactly as mistral-common's instruct tokenizer builds
// them from the same chat completion request. See EncodeChatTurns for the
// rules of a conversation.
//
// To grow a conversation turn by turn, encode it whole each time and keep
// the longest common prefix of the ids (a model keeps its cache for those):
// adding messages appends ids, except that ChatV3 moves the system prompt
// and the tools to the last user message, as mistral-common does.
func (t *Tokenizer) EncodeChat(msgs []Message, opts ChatOptions) ([]int32, error) {
	turns, err := t.EncodeChatTurns(msgs, opts)
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
// [BOS] and turns[i+1] holds the ids of msgs[i] (none for system messages,
// whose text is part of a user message; the tools are part of the last user
// message's). Their concatenation is what EncodeChat returns. A caller that
// generated an answer or tool calls can put the ids it generated in place
// of that message's turn, which re-encoding its text does not always give
// back.
//
// A conversation is user messages, each followed by the assistant's answer:
// either content, or tool calls (ChatV3) followed by one RoleTool message
// per call, giving its result, and then the assistant's next message. It
// may end anywhere after the first user message: after a user message or
// tool results the model writes the next message, an assistant message is
// closed by EOS. System messages may come anywhere: their contents, joined
// by a blank line, are the system prompt, which goes before the first user
// message (ChatV1) or the last one (ChatV3). Anything else is a *ChatError
// naming the message. ChatV3 on a vocabulary without [INST] and [/INST]
// control tokens, and tools where the format or the vocabulary has no tool
// tokens, are errors wrapping ErrUnsupported.
func (t *Tokenizer) EncodeChatTurns(msgs []Message, opts ChatOptions) ([][]int32, error) {
	if err := checkChat(msgs); err != nil {
		return nil, err
	}
	e := chatEncoder{t: t, format: opts.Format}
	if e.format == ChatAuto {
		e.format = t.DefaultChatFormat()
	}
	switch e.format {
	case ChatV1:
		if err := checkNoTools(msgs, opts.Tools, "the v1 instruct format has no tool tokens"); err != nil {
			return nil, err
		}
	case ChatV3:
		var ok bool
		if e.begin, e.end, ok = t.instTokens(); !ok {
			return nil, &unsupportedError{"chat format v3 needs [INST] and [/INST] control tokens"}
		}
		if e.tool, ok = t.toolTokens(); !ok {
			if err := checkNoTools(msgs, opts.Tools, "the vocabulary has no tool control tokens"); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("tokenizer: unknown chat format %d", int(e.format))
	}
	if len(opts.Tools) > 0 {
		text, err := toolsJSON(opts.Tools)
		if err != nil {
			return nil, err
		}
		e.tools = append([]int32{e.tool.availableBegin}, t.encode(text)...)
		e.tools = append(e.tools, e.tool.availableEnd)
	}

	var system []string
	e.firstUser, e.lastUser = -1, -1
	for i, m := range msgs {
		switch {
		case m.Role == RoleSystem && m.Content != "":
			system = append(system, m.Content)
		case m.Role == RoleUser:
			if e.firstUser < 0 {
				e.firstUser = i
			}
			e.lastUser = i
		}
	}
	e.system = strings.Join(system, "\n\n")

	turns := make([][]int32, len(msgs)+1)
	turns[0] = []int32{t.bos}
	for i, m := range msgs {
		ids, err := e.message(i, m)
		if err != nil {
			return nil, err
		}
		turns[i+1] = ids
	}
	return turns, nil
}

// chatEncoder holds what encoding the messages of a conversation needs.
type chatEncoder struct {
	t                   *Tokenizer
	format              ChatFormat // ChatV1 or ChatV3
	begin, end          int32      // [INST] and [/INST] (ChatV3)
	tool                toolTokens // (ChatV3 with a vocabulary that has them)
	tools               []int32    // [AVAILABLE_TOOLS] ... [/AVAILABLE_TOOLS], or none
	system              string     // the system prompt
	firstUser, lastUser int        // indices of the first and last user messages
}

// message returns the ids of msgs[i], m.
func (e *chatEncoder) message(i int, m Message) ([]int32, error) {
	t := e.t
	withSystem := func(content string) string {
		if e.system != "" {
			return e.system + "\n\n" + content
		}
		return content
	}
	switch {
	case m.Role == RoleSystem:
		return nil, nil
	case m.Role == RoleUser && e.format == ChatV1:
		content := m.Content
		if i == e.firstUser {
			content = withSystem(content)
		}
		return t.encode("[INST] " + content + " [/INST]"), nil
	case m.Role == RoleUser:
		content := m.Content
		var ids []int32
		if i == e.lastUser {
			content = withSystem(content)
			ids = append(ids, e.tools...)
		}
		ids = append(ids, e.begin)
		ids = append(ids, t.encode(content)...)
		return append(ids, e.end), nil
	case m.Role == RoleAssistant && len(m.ToolCalls) > 0:
		text, err := callsJSON(m.ToolCalls)
		if err != nil {
			return nil, &ChatError{Index: i, Reason: "tool calls", Err: err}
		}
		ids := append([]int32{e.tool.calls}, t.encode(text)...)
		return append(ids, t.eos), nil
	case m.Role == RoleAssistant && e.format == ChatV1:
		return append(t.encode(m.Content), t.eos), nil
	case m.Role == RoleAssistant:
		return append(t.encode(strings.TrimRight(m.Content, " ")), t.eos), nil
	default: // RoleTool
		text, err := resultJSON(m)
		if err != nil {
			return nil, &ChatError{Index: i, Reason: "tool result", Err: err}
		}
		ids := append([]int32{e.tool.resultsBegin}, t.encode(text)...)
		return append(ids, e.tool.resultsEnd), nil
	}
}
