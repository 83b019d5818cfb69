package tokenizer

import (
	"encoding/json"
	"fmt"
)

// Tool is a function the model may call: its name, what it does, and the
// JSON Schema of its arguments. In the v3 instruct format the tools are
// written, as JSON, just before the last user message.
type Tool struct {
	// Name is 1 to 64 ASCII letters, digits, '_' or '-', unique among the
	// tools of a conversation.
	Name string
	// Description tells the model what the tool does and when to call it;
	// it may be empty.
	Description string
	// Parameters is a JSON Schema of the arguments, a JSON object such as
	// {"type": "object", "properties": {...}, "required": [...]}. Empty
	// means {}, any arguments.
	Parameters json.RawMessage
}

// ToolCall is one call of a tool, as the model writes it after
// [TOOL_CALLS].
type ToolCall struct {
	// ID names the call, so that its result (a message of role RoleTool)
	// can refer to it: nine ASCII letters or digits, such as "D681PevKs".
	ID string
	// Name is the name of the tool called.
	Name string
	// Arguments is the JSON text of the arguments, normally an object.
	// Empty means {}. Text that is not JSON is written as a JSON string, as
	// mistral-common does.
	Arguments json.RawMessage
}

// ToolMode is what a ToolChoice asks of the model.
type ToolMode uint8

// The tool modes.
const (
	ToolAuto     ToolMode = iota // the model answers in text or calls tools, as it sees fit (the zero value)
	ToolNone                     // the model answers in text and calls no tool
	ToolRequired                 // the model calls one or more tools
	ToolFunction                 // the model calls the tool ToolChoice.Name
)

// ToolChoice says whether the model may, must or must not call tools when it
// answers. It does not change the prompt (mistral-common writes the same
// tokens whatever the choice): it is a constraint on generation. The zero
// value is ToolAuto.
type ToolChoice struct {
	Mode ToolMode
	// Name is the tool to call with ToolFunction, and empty otherwise.
	Name string
}

// ParseToolChoice returns the tool choice named "auto", "none" or
// "required" (or "any", mistral-common's former name for "required"), as in
// the tool_choice of an OpenAI chat completion request. Anything else is a
// *ToolChoiceError; a tool is chosen by name with ToolChoice{Mode:
// ToolFunction, Name: name}.
func ParseToolChoice(s string) (ToolChoice, error) {
	switch s {
	case "auto":
		return ToolChoice{Mode: ToolAuto}, nil
	case "none":
		return ToolChoice{Mode: ToolNone}, nil
	case "required", "any":
		return ToolChoice{Mode: ToolRequired}, nil
	}
	return ToolChoice{}, &ToolChoiceError{Choice: s, Reason: `unknown tool choice (want "auto", "none", "required" or a tool)`}
}

// String returns "auto", "none", "required", or the name of the chosen tool
// in the form function:NAME.
func (c ToolChoice) String() string {
	switch c.Mode {
	case ToolAuto:
		return "auto"
	case ToolNone:
		return "none"
	case ToolRequired:
		return "required"
	case ToolFunction:
		return "function:" + c.Name
	}
	return fmt.Sprintf("ToolMode(%d)", int(c.Mode))
}

// Check reports, as a *ToolChoiceError, a choice that cannot be followed
// with these tools: an unknown mode, a name with a mode other than
// ToolFunction, a tool required when there is none, a chosen tool that is
// not among them.
func (c ToolChoice) Check(tools []Tool) error {
	fail := func(reason string) error { return &ToolChoiceError{Choice: c.String(), Reason: reason} }
	if c.Mode > ToolFunction {
		return fail("unknown tool mode")
	}
	if c.Mode != ToolFunction && c.Name != "" {
		return fail(fmt.Sprintf("names the tool %q but is not ToolFunction", c.Name))
	}
	switch c.Mode {
	case ToolRequired:
		if len(tools) == 0 {
			return fail("no tools to call")
		}
	case ToolFunction:
		for _, tool := range tools {
			if tool.Name == c.Name {
				return nil
			}
		}
		return fail(fmt.Sprintf("no tool is named %q", c.Name))
	}
	return nil
}

// validToolName reports whether name is 1 to 64 ASCII letters, digits, '_'
// or '-', what mistral-common accepts as the name of a function.
func validToolName(name string) bool {
	if len(name) == 0 || len(name) > 64 {
		return false
	}
	for _, c := range []byte(name) {
		if !isAlnum(c) && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// validCallID reports whether id is nine ASCII letters or digits, the call
// ids of the v3 format.
func validCallID(id string) bool {
	if len(id) != 9 {
		return false
	}
	for _, c := range []byte(id) {
		if !isAlnum(c) {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
