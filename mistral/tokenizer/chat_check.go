package tokenizer

import (
	"fmt"
	"slices"
)

// checkChat checks the structure of a conversation (see EncodeChatTurns),
// whatever its format.
func checkChat(msgs []Message) error {
	if len(msgs) == 0 {
		return &ChatError{Index: 0, Reason: "empty conversation"}
	}
	prev := Role("")     // the role of the last message that is not a system message
	var pending []string // ids of the calls of the last assistant message that have no result yet
	for i, m := range msgs {
		fail := func(format string, args ...any) error {
			return &ChatError{Index: i, Reason: fmt.Sprintf(format, args...)}
		}
		if err := checkUTF8(m.Content); err != nil {
			return &ChatError{Index: i, Reason: "content", Err: err}
		}
		if len(m.ToolCalls) > 0 && m.Role != RoleAssistant {
			return fail("a %s message with tool calls (only assistant messages make calls)", m.Role)
		}
		if m.ToolCallID != "" && m.Role != RoleTool {
			return fail("a %s message with a tool call id (only tool messages answer calls)", m.Role)
		}
		if len(pending) > 0 && (m.Role == RoleUser || m.Role == RoleAssistant) {
			return fail("%s message before the result of call %q", m.Role, pending[0])
		}
		switch m.Role {
		case RoleSystem:
			continue
		case RoleUser:
			if prev == RoleUser {
				return fail("two user messages in a row")
			}
		case RoleAssistant:
			switch prev {
			case "":
				return fail("assistant message before any user message (a conversation starts with a user message)")
			case RoleAssistant:
				return fail("two assistant messages in a row")
			}
			var err error
			if pending, err = checkCalls(i, m); err != nil {
				return err
			}
		case RoleTool:
			if !validCallID(m.ToolCallID) {
				return fail("tool call id %q is not nine ASCII letters or digits", m.ToolCallID)
			}
			k := slices.Index(pending, m.ToolCallID)
			if k < 0 {
				return fail("tool result for call %q, which is no call of the assistant message before it awaiting a result", m.ToolCallID)
			}
			pending = slices.Delete(pending, k, k+1)
		default:
			return fail("unknown role %q (want %q, %q, %q or %q)", m.Role, RoleSystem, RoleUser, RoleAssistant, RoleTool)
		}
		prev = m.Role
	}
	if prev == "" {
		return &ChatError{Index: 0, Reason: "system messages with no user message"}
	}
	return nil
}

// checkCalls checks msgs[i], an assistant message, and returns the ids of
// its tool calls.
func checkCalls(i int, m Message) ([]string, error) {
	fail := func(format string, args ...any) ([]string, error) {
		return nil, &ChatError{Index: i, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case len(m.ToolCalls) == 0 && m.Content == "":
		return fail("empty assistant message (neither content nor tool calls)")
	case len(m.ToolCalls) > 0 && m.Content != "":
		return fail("assistant message with both content and tool calls")
	}
	ids := make([]string, 0, len(m.ToolCalls))
	for k, call := range m.ToolCalls {
		switch {
		case !validCallID(call.ID):
			return fail("tool call %d: id %q is not nine ASCII letters or digits", k, call.ID)
		case slices.Contains(ids, call.ID):
			return fail("tool call %d: id %q is the id of an earlier call", k, call.ID)
		case !validToolName(call.Name):
			return fail("tool call %d: name %q is not 1 to 64 ASCII letters, digits, '_' or '-'", k, call.Name)
		}
		if err := checkUTF8(string(call.Arguments)); err != nil {
			return nil, &ChatError{Index: i, Reason: fmt.Sprintf("tool call %d: arguments", k), Err: err}
		}
		ids = append(ids, call.ID)
	}
	return ids, nil
}
