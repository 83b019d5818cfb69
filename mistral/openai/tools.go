package openai

import (
	"github.com/gomistral/gomistral/mistral"
)

// Tool calls: where a request's tools reach the generation, and where the
// calls the model makes become the answer's tool_calls.
//
// TODO(lead): tools. The request's tools and tool_choice are parsed and
// checked (ChatCompletionRequest.Chat, then EncodeChat in chatTasks); wire
// them here:
//   - toolConfig: set cfg.Tools and cfg.ToolChoice from chat.Tools and
//     chat.ToolChoice;
//   - toolCallsOf: turn a final Token's ToolCalls into the response's
//     tool_calls (ids, "function", name, arguments as JSON text). An answer
//     with calls gets finish_reason "tool_calls" (answer.finishReason), its
//     message has them and a null content (chatMessage), and a stream sends
//     them as deltas (toolCallDeltas, from the chat stream's onEnd);
//   - chatTasks: let a conversation end with tool results (checkLast).

// toolConfig passes the conversation's tools and tool choice to the
// generation.
func toolConfig(cfg *mistral.GenerateConfig, chat *Chat) {
	_, _ = cfg, chat // TODO(lead): cfg.Tools, cfg.ToolChoice = chat.Tools, chat.ToolChoice
}

// toolCallsOf returns the tool calls a token carries (the last token of an
// answer that calls tools), nil for any other.
func toolCallsOf(tok mistral.Token) []ToolCall {
	_ = tok // TODO(lead): from tok.ToolCalls
	return nil
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
