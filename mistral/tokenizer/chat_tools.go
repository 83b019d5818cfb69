package tokenizer

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// toolTokens are the ids of the control tokens of the v3 tool format.
type toolTokens struct {
	calls                        int32 // [TOOL_CALLS]
	availableBegin, availableEnd int32 // [AVAILABLE_TOOLS], [/AVAILABLE_TOOLS]
	resultsBegin, resultsEnd     int32 // [TOOL_RESULTS], [/TOOL_RESULTS]
}

// toolTokens returns the ids of the tool control tokens, and whether the
// vocabulary has them all as control tokens.
func (t *Tokenizer) toolTokens() (toolTokens, bool) {
	ok := true
	control := func(piece string) int32 {
		id, found := t.ids[piece]
		ok = ok && found && t.types[id] == Control
		return id
	}
	return toolTokens{
		calls:          control("[TOOL_CALLS]"),
		availableBegin: control("[AVAILABLE_TOOLS]"),
		availableEnd:   control("[/AVAILABLE_TOOLS]"),
		resultsBegin:   control("[TOOL_RESULTS]"),
		resultsEnd:     control("[/TOOL_RESULTS]"),
	}, ok
}

// checkNoTools returns an error wrapping ErrUnsupported, saying why, if the
// conversation has tools, tool calls or tool results.
func checkNoTools(msgs []Message, tools []Tool, why string) error {
	if len(tools) > 0 {
		return &unsupportedError{"tools: " + why}
	}
	for i, m := range msgs {
		if m.Role == RoleTool || len(m.ToolCalls) > 0 {
			return &ChatError{Index: i, Reason: "tool calls and results: " + why, Err: ErrUnsupported}
		}
	}
	return nil
}

// toolsJSON returns the tools as mistral-common writes them after
// [AVAILABLE_TOOLS]: a JSON array of {"type": "function", "function":
// {"name", "description", "parameters"}}.
func toolsJSON(tools []Tool) (string, error) {
	seen := make(map[string]bool, len(tools))
	b := []byte{'['}
	for i, tool := range tools {
		fail := func(reason string, err error) error {
			return &ToolError{Index: i, Name: tool.Name, Reason: reason, Err: err}
		}
		switch {
		case !validToolName(tool.Name):
			return "", fail("the name is not 1 to 64 ASCII letters, digits, '_' or '-'", nil)
		case seen[tool.Name]:
			return "", fail("two tools have this name", nil)
		case !utf8.ValidString(tool.Description):
			return "", fail("the description is not valid UTF-8", nil)
		case !utf8.Valid(tool.Parameters):
			return "", fail("the parameters are not valid UTF-8", nil)
		}
		seen[tool.Name] = true
		params := "{}"
		if len(tool.Parameters) > 0 {
			var err error
			if params, err = pyReformat(string(tool.Parameters)); err != nil {
				if errors.Is(err, errNotJSON) {
					return "", fail("the parameters are not JSON", nil)
				}
				return "", fail("the parameters", err)
			}
			if params[0] != '{' {
				return "", fail("the parameters are not a JSON object", nil)
			}
		}
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"type": "function", "function": {"name": `...)
		b = pyAppendString(b, tool.Name)
		b = append(b, `, "description": `...)
		b = pyAppendString(b, tool.Description)
		b = append(b, `, "parameters": `...)
		b = append(b, params...)
		b = append(b, "}}"...)
	}
	return string(append(b, ']')), nil
}

// callsJSON returns the tool calls of an assistant message as
// mistral-common writes them after [TOOL_CALLS]: a JSON array of {"name",
// "arguments", "id"}. checkChat has checked the calls.
func callsJSON(calls []ToolCall) (string, error) {
	b := []byte{'['}
	for i, call := range calls {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, `{"name": `...)
		b = pyAppendString(b, call.Name)
		b = append(b, `, "arguments": `...)
		args, err := jsonOrString(string(call.Arguments))
		if err != nil {
			return "", fmt.Errorf("arguments of call %q: %w", call.ID, err)
		}
		b = append(b, args...)
		b = append(b, `, "id": `...)
		b = pyAppendString(b, call.ID)
		b = append(b, '}')
	}
	return string(append(b, ']')), nil
}

// resultJSON returns a tool message as mistral-common writes it after
// [TOOL_RESULTS]: {"content", "call_id"}.
func resultJSON(m Message) (string, error) {
	content, err := jsonOrString(m.Content)
	if err != nil {
		return "", err
	}
	b := append([]byte(`{"content": `), content...)
	b = append(b, `, "call_id": `...)
	b = pyAppendString(b, m.ToolCallID)
	return string(append(b, '}')), nil
}

// jsonOrString returns s written as JSON, as mistral-common writes call
// arguments and tool results: {} when s is empty, s re-written when it
// parses as JSON, s as a JSON string otherwise.
func jsonOrString(s string) (string, error) {
	if s == "" {
		return "{}", nil
	}
	out, err := pyReformat(s)
	if errors.Is(err, errNotJSON) {
		return string(pyAppendString(nil, s)), nil
	}
	return out, err
}
