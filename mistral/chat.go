package mistral

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// Message is one message of a conversation; Role is who wrote it.
type (
	Message = tokenizer.Message
	Role    = tokenizer.Role
)

// The roles of Mistral's instruct format.
const (
	RoleSystem    = tokenizer.RoleSystem
	RoleUser      = tokenizer.RoleUser
	RoleAssistant = tokenizer.RoleAssistant
	RoleTool      = tokenizer.RoleTool // the results of a tool call (Message.ToolCallID)
)

// GuardrailPrompt is the system prompt that the Mistral 7B paper (Jiang et
// al., 2023, section 5.1, "System prompt to enforce guardrails") recommends
// for steering the model away from harmful output.
const GuardrailPrompt = "Always assist with care, respect, and truth. Respond with utmost utility yet securely. " +
	"Avoid harmful, unethical, prejudiced, or negative content. Ensure replies promote fairness and positivity."

// WithGuardrails returns the conversation with GuardrailPrompt as its system
// prompt, before any system prompt it already has. It is opt-in.
//
// What it does and does not do: Mistral 7B has no moderation of its own.
// The paper reports that with this prompt the model declined every one of
// 175 unsafe prompts it was tested on, at a small cost in helpfulness. A
// system prompt only steers the model: it is not a filter, it can be talked
// around (prompt injection, role play), and it checks nothing the model
// writes. Applications that need guarantees must check output themselves.
func WithGuardrails(msgs []Message) []Message {
	out := make([]Message, 0, len(msgs)+1)
	if len(msgs) > 0 && msgs[0].Role == RoleSystem {
		out = append(out, Message{Role: RoleSystem, Content: GuardrailPrompt + "\n" + msgs[0].Content})
		return append(out, msgs[1:]...)
	}
	out = append(out, Message{Role: RoleSystem, Content: GuardrailPrompt})
	return append(out, msgs...)
}

// chatTurn is a message the session has computed, with the exact ids that
// stand for it (for an answer it generated, the ids it chose).
type chatTurn struct {
	msg Message
	ids []int32
}

// Chat answers the conversation msgs (ending with a user message, or with
// the results of the tools the model called) in the model's instruct
// format, streaming the answer like Generate: text, or with
// GenerateConfig.Tools, calls of tools (see there). The session keeps what
// it computed: when the next call's conversation extends this one (the
// answer appended as an assistant message, then new messages), only the
// new messages are computed, not the history. Any other conversation works
// too; Prefill's rules decide what is recomputed. A conversation the format
// cannot write is a *tokenizer.ChatError (a tool it cannot write, a
// *tokenizer.ToolError).
func (s *Session) Chat(ctx context.Context, msgs []Message, cfg GenerateConfig) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		s.enter()
		defer s.leave()
		fail := func(err error) { yield(Token{}, fmt.Errorf("mistral: chat: %w", err)) }
		if err := cfg.Validate(); err != nil {
			fail(err)
			return
		}
		turns, err := s.m.tok.EncodeChatTurns(msgs, tokenizer.ChatOptions{Tools: cfg.Tools})
		if err != nil {
			fail(err)
			return
		}
		if last := msgs[len(msgs)-1]; last.Role != RoleUser && last.Role != RoleTool {
			fail(&tokenizer.ChatError{Index: len(msgs) - 1,
				Reason: fmt.Sprintf("the conversation must end with a user message or tool results, not with one of role %q", last.Role)})
			return
		}
		if len(cfg.Tools) > 0 && cfg.ToolChoice.Mode != ToolNone {
			// Refuse tools whose parameters are no schema we compile
			// before computing anything.
			if _, err := s.m.callsGrammar(cfg.Tools, cfg.ToolChoice); err != nil {
				fail(err)
				return
			}
		}
		// Answers the session generated keep the ids it chose.
		var ids []int32
		ids = append(ids, turns[0]...)
		for i, m := range msgs {
			if i < len(s.chat) && m.Role == RoleAssistant && s.chat[i].msg.Equal(m) {
				turns[i+1] = s.chat[i].ids
			}
			ids = append(ids, turns[i+1]...)
		}
		if err := s.prefill(ctx, ids); err != nil {
			fail(err)
			return
		}
		s.chat = s.chat[:0]
		for i, m := range msgs {
			s.chat = append(s.chat, chatTurn{msg: m, ids: turns[i+1]})
		}
		var text strings.Builder
		var calls []ToolCall
		start := len(s.tokens)
		eos := s.m.tok.EOS()
		s.generate(ctx, cfg, func(t Token, err error) bool {
			text.WriteString(t.Text)
			calls = append(calls, t.ToolCalls...)
			return yield(t, err)
		})
		// Record the answer, closed by EOS as the format closes answers.
		answer := append([]int32(nil), s.tokens[start:]...)
		if len(answer) == 0 || answer[len(answer)-1] != eos {
			answer = append(answer, eos)
		}
		msg := Message{Role: RoleAssistant, Content: text.String(), ToolCalls: calls}
		s.chat = append(s.chat, chatTurn{msg: msg, ids: answer})
	}
}

// Messages returns the conversation the session holds, as the last Chat
// left it (with the answer it generated); empty when the session was not
// made by Chat, or after Reset. A restored session has its saved
// conversation.
func (s *Session) Messages() []Message {
	out := make([]Message, len(s.chat))
	for i, c := range s.chat {
		out[i] = c.msg
	}
	return out
}
