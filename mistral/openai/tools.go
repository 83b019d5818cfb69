package openai

import (
	"github.com/gomistral/gomistral/mistral"
)

// Tool calls: a request's tools and tool choice (checked by
// ChatCompletionRequest.Chat, the tokenizer and Model.CheckTools) go to the
// generation; the calls the model makes, on its last Token, become the
// answer's tool_calls (finish_reason "tool_calls", a null content), sent
// whole in one delta when streamed.

// toolConfig passes the conversation's tools and tool choice to the
// generation, and refuses what the model cannot do with them.
func toolConfig(m *mistral.Model, cfg *mistral.GenerateConfig, chat *Chat) error {
	cfg.Tools, cfg.ToolChoice = chat.Tools, chat.ToolChoice
	if err := m.CheckTools(chat.Tools, chat.ToolChoice); err != nil {
		return err
	}
	if cfg.Grammar != nil && len(cfg.Tools) > 0 && cfg.ToolChoice.Mode != mistral.ToolNone {
		return badRequest("response_format", "a response_format other than text needs tool_choice \"none\" when tools are given")
	}
	return nil
}

// toolCallsOf returns the tool calls a token carries (the last token of an
// answer that calls tools), nil for any other.
func toolCallsOf(tok mistral.Token) []ToolCall {
	if len(tok.ToolCalls) == 0 {
		return nil
	}
	out := make([]ToolCall, len(tok.ToolCalls))
	for i, c := range tok.ToolCalls {
		out[i] = ToolCall{ID: c.ID, Type: "function", Function: FunctionCall{Name: c.Name, Arguments: string(c.Arguments)}}
	}
	return out
}

// toolCallDeltas are an answer's tool calls as a stream sends them: each
// call whole, in one delta.
func toolCallDeltas(calls []ToolCall) []ToolCallDelta {
	out := make([]ToolCallDelta, len(calls))
	for i, c := range calls {
		out[i] = ToolCallDelta{Index: i, ID: c.ID, Type: "function", Function: c.Function}
	}
	return out
}
