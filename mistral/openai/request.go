package openai

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// ChatCompletionRequest is the body of an OpenAI chat completion request
// (POST /v1/chat/completions): the fields of the conversation (its
// messages, the tools the model may call and the tool choice) and, in
// ChatParams, how to answer. Other fields of a request are ignored by
// encoding/json.
type ChatCompletionRequest struct {
	ChatParams

	Model    string    `json:"model,omitempty"`
	Messages []Message `json:"messages"`
	Tools    []Tool    `json:"tools,omitempty"`
	// ToolChoice is "auto", "none", "required", or {"type": "function",
	// "function": {"name": NAME}}; absent or null means "auto".
	ToolChoice json.RawMessage `json:"tool_choice,omitempty"`
}

// Message is a message of a chat completion request.
type Message struct {
	// Role is "system", "user", "assistant" or "tool".
	Role string `json:"role"`
	// Content is a string, null, or an array of text parts
	// ({"type": "text", "text": ...}).
	Content json.RawMessage `json:"content,omitempty"`
	// Name is the name of the author, or of the tool in a tool message; it
	// is not part of Mistral's format.
	Name string `json:"name,omitempty"`
	// ToolCalls are the calls of an assistant message.
	ToolCalls []ToolCall `json:"tool_calls,omitempty"`
	// ToolCallID is the id of the call a tool message answers.
	ToolCallID string `json:"tool_call_id,omitempty"`
}

// ToolCall is a call of a function in an assistant message.
type ToolCall struct {
	ID       string       `json:"id"`
	Type     string       `json:"type"` // "function"; empty is taken as "function"
	Function FunctionCall `json:"function"`
}

// FunctionCall is the function a ToolCall calls.
type FunctionCall struct {
	Name string `json:"name"`
	// Arguments is JSON text in a string, such as "{\"location\": \"Paris\"}".
	Arguments string `json:"arguments"`
}

// Tool is a tool the model may call.
type Tool struct {
	Type     string   `json:"type"` // "function"
	Function Function `json:"function"`
}

// Function describes a function the model may call.
type Function struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Parameters is the JSON Schema of the arguments; absent or null means {}.
	Parameters json.RawMessage `json:"parameters,omitempty"`
	// Strict is OpenAI's strict mode; Mistral's format leaves it out.
	Strict *bool `json:"strict,omitempty"`
}

// Chat is a request's conversation in the terms of package tokenizer,
// ready for EncodeChat and for generation.
type Chat struct {
	Messages   []tokenizer.Message
	Tools      []tokenizer.Tool
	ToolChoice tokenizer.ToolChoice
}

// RequestError reports a request whose shape this package cannot convert:
// the field, as a path such as messages[2].content, and what is wrong.
type RequestError struct {
	Field  string
	Reason string
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("openai: %s: %s", e.Field, e.Reason)
}

// Chat converts the request. Roles, contents, calls and ids are carried
// over as they are, to be checked by the tokenizer when it encodes them,
// except what only this shape can get wrong: a content that is not a
// string, null or text parts, a tool or call whose type is not "function"
// (*RequestError). The text parts of a content are joined by a blank line,
// as mistral-common joins them. The tool choice is checked against the
// tools: an unknown one is a *tokenizer.ToolChoiceError.
func (r *ChatCompletionRequest) Chat() (*Chat, error) {
	c := &Chat{Messages: make([]tokenizer.Message, len(r.Messages))}
	for i, m := range r.Messages {
		field := fmt.Sprintf("messages[%d]", i)
		content, err := contentText(m.Content, field+".content")
		if err != nil {
			return nil, err
		}
		msg := tokenizer.Message{Role: tokenizer.Role(m.Role), Content: content, ToolCallID: m.ToolCallID}
		for k, call := range m.ToolCalls {
			if call.Type != "" && call.Type != "function" {
				return nil, &RequestError{fmt.Sprintf("%s.tool_calls[%d].type", field, k), fmt.Sprintf("%q is not \"function\"", call.Type)}
			}
			msg.ToolCalls = append(msg.ToolCalls, tokenizer.ToolCall{
				ID:        call.ID,
				Name:      call.Function.Name,
				Arguments: json.RawMessage(call.Function.Arguments),
			})
		}
		c.Messages[i] = msg
	}
	for i, tool := range r.Tools {
		if tool.Type != "function" {
			return nil, &RequestError{fmt.Sprintf("tools[%d].type", i), fmt.Sprintf("%q is not \"function\"", tool.Type)}
		}
		params := tool.Function.Parameters
		if isNull(params) {
			params = nil
		}
		c.Tools = append(c.Tools, tokenizer.Tool{
			Name:        tool.Function.Name,
			Description: tool.Function.Description,
			Parameters:  params,
		})
	}
	var err error
	if c.ToolChoice, err = toolChoice(r.ToolChoice); err != nil {
		return nil, err
	}
	if err := c.ToolChoice.Check(c.Tools); err != nil {
		return nil, err
	}
	return c, nil
}

// contentText returns the text of a message's content: a string, null, or
// an array of text parts, joined by a blank line (empty parts left out).
func contentText(raw json.RawMessage, field string) (string, error) {
	if isNull(raw) {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var parts []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", &RequestError{field, "want a string, null or an array of text parts"}
	}
	var texts []string
	for k, p := range parts {
		switch {
		case p.Type != "text":
			return "", &RequestError{fmt.Sprintf("%s[%d]", field, k), fmt.Sprintf("a part of type %q (only text parts are supported)", p.Type)}
		case p.Text == nil:
			return "", &RequestError{fmt.Sprintf("%s[%d]", field, k), "a text part without text"}
		}
		if *p.Text != "" {
			texts = append(texts, *p.Text)
		}
	}
	return strings.Join(texts, "\n\n"), nil
}

// toolChoice reads a request's tool_choice.
func toolChoice(raw json.RawMessage) (tokenizer.ToolChoice, error) {
	if isNull(raw) {
		return tokenizer.ToolChoice{}, nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return tokenizer.ParseToolChoice(s)
	}
	var named struct {
		Type     string `json:"type"`
		Function *struct {
			Name string `json:"name"`
		} `json:"function"`
	}
	if err := json.Unmarshal(raw, &named); err != nil || named.Function == nil || (named.Type != "" && named.Type != "function") {
		return tokenizer.ToolChoice{}, &tokenizer.ToolChoiceError{Choice: string(raw), Reason: `unknown tool choice (want "auto", "none", "required" or {"type": "function", "function": {"name": ...}})`}
	}
	return tokenizer.ToolChoice{Mode: tokenizer.ToolFunction, Name: named.Function.Name}, nil
}

// isNull reports whether raw is absent or the JSON null.
func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}
