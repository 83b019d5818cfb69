package openai

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gomistral/gomistral/mistral/tokenizer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parse(t *testing.T, body string) *ChatCompletionRequest {
	t.Helper()
	var r ChatCompletionRequest
	require.NoError(t, json.Unmarshal([]byte(body), &r))
	return &r
}

func TestChat(t *testing.T) {
	r := parse(t, `{
		"model": "mistral",
		"temperature": 0.2,
		"messages": [
			{"role": "system", "content": [{"type": "text", "text": "Be brief."}, {"type": "text", "text": ""}, {"type": "text", "text": "Use tools."}]},
			{"role": "user", "content": "What time is it?", "name": "ada"},
			{"role": "assistant", "content": null, "tool_calls": [
				{"id": "abcDEF123", "type": "function", "function": {"name": "get_time", "arguments": "{\n  \"zone\": \"CET\"\n}"}},
				{"id": "XYZ789abc", "function": {"name": "get_time", "arguments": "not json"}}]},
			{"role": "tool", "tool_call_id": "abcDEF123", "name": "get_time", "content": "12:00"},
			{"role": "tool", "tool_call_id": "XYZ789abc", "content": [{"type": "text", "text": "{\"h\": 12}"}]},
			{"role": "assistant", "content": "Noon."},
			{"role": "user", "content": "Thanks"}
		],
		"tools": [
			{"type": "function", "function": {"name": "get_time", "description": "The time", "parameters": {"type": "object"}, "strict": true}},
			{"type": "function", "function": {"name": "nothing", "parameters": null}}
		],
		"tool_choice": {"type": "function", "function": {"name": "nothing"}}
	}`)
	c, err := r.Chat()
	require.NoError(t, err)
	assert.Equal(t, []tokenizer.Message{
		{Role: tokenizer.RoleSystem, Content: "Be brief.\n\nUse tools."},
		{Role: tokenizer.RoleUser, Content: "What time is it?"},
		{Role: tokenizer.RoleAssistant, ToolCalls: []tokenizer.ToolCall{
			{ID: "abcDEF123", Name: "get_time", Arguments: json.RawMessage("{\n  \"zone\": \"CET\"\n}")},
			{ID: "XYZ789abc", Name: "get_time", Arguments: json.RawMessage("not json")},
		}},
		{Role: tokenizer.RoleTool, ToolCallID: "abcDEF123", Content: "12:00"},
		{Role: tokenizer.RoleTool, ToolCallID: "XYZ789abc", Content: `{"h": 12}`},
		{Role: tokenizer.RoleAssistant, Content: "Noon."},
		{Role: tokenizer.RoleUser, Content: "Thanks"},
	}, c.Messages)
	assert.Equal(t, []tokenizer.Tool{
		{Name: "get_time", Description: "The time", Parameters: json.RawMessage(`{"type": "object"}`)},
		{Name: "nothing"},
	}, c.Tools)
	assert.Equal(t, tokenizer.ToolChoice{Mode: tokenizer.ToolFunction, Name: "nothing"}, c.ToolChoice)
}

func TestChatToolChoice(t *testing.T) {
	const tools = `[{"type": "function", "function": {"name": "get_time"}}]`
	for _, tt := range []struct {
		choice string
		want   tokenizer.ToolChoice
	}{
		{`null`, tokenizer.ToolChoice{}},
		{`"auto"`, tokenizer.ToolChoice{Mode: tokenizer.ToolAuto}},
		{`"none"`, tokenizer.ToolChoice{Mode: tokenizer.ToolNone}},
		{`"required"`, tokenizer.ToolChoice{Mode: tokenizer.ToolRequired}},
		{`"any"`, tokenizer.ToolChoice{Mode: tokenizer.ToolRequired}},
		{`{"type": "function", "function": {"name": "get_time"}}`, tokenizer.ToolChoice{Mode: tokenizer.ToolFunction, Name: "get_time"}},
		{`{"function": {"name": "get_time"}}`, tokenizer.ToolChoice{Mode: tokenizer.ToolFunction, Name: "get_time"}},
	} {
		c, err := parse(t, `{"messages": [], "tools": `+tools+`, "tool_choice": `+tt.choice+`}`).Chat()
		require.NoError(t, err, tt.choice)
		assert.Equal(t, tt.want, c.ToolChoice, tt.choice)
	}
	c, err := parse(t, `{"messages": []}`).Chat()
	require.NoError(t, err)
	assert.Equal(t, tokenizer.ToolChoice{}, c.ToolChoice)

	for _, tt := range []struct{ tools, choice, want string }{
		{tools, `"sometimes"`, `tokenizer: tool choice "sometimes": unknown tool choice`},
		{tools, `"Auto"`, `unknown tool choice`},
		{tools, `3`, `tokenizer: tool choice "3": unknown tool choice`},
		{tools, `{"type": "retrieval", "function": {"name": "get_time"}}`, `unknown tool choice`},
		{tools, `{"type": "function"}`, `unknown tool choice`},
		{tools, `{"type": "function", "function": {"name": "get_date"}}`, `no tool is named "get_date"`},
		{`[]`, `"required"`, `no tools to call`},
	} {
		_, err := parse(t, `{"messages": [], "tools": `+tt.tools+`, "tool_choice": `+tt.choice+`}`).Chat()
		var ce *tokenizer.ToolChoiceError
		require.True(t, errors.As(err, &ce), "%s: %v", tt.choice, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestChatErrors(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{`{"messages": [{"role": "user", "content": 3}]}`, "openai: messages[0].content: want a string, null or an array of text parts"},
		{`{"messages": [{"role": "user", "content": {"text": "a"}}]}`, "openai: messages[0].content: want a string, null or an array of text parts"},
		{`{"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}, {"type": "image_url", "image_url": {"url": "x"}}]}]}`,
			`openai: messages[0].content[1]: a part of type "image_url" (only text parts are supported)`},
		{`{"messages": [{"role": "user", "content": [{"type": "text"}]}]}`, "openai: messages[0].content[0]: a text part without text"},
		{`{"messages": [{"role": "user", "content": "a"}, {"role": "assistant", "tool_calls": [{"id": "abcDEF123", "type": "code", "function": {"name": "f"}}]}]}`,
			`openai: messages[1].tool_calls[0].type: "code" is not "function"`},
		{`{"messages": [], "tools": [{"function": {"name": "f"}}]}`, `openai: tools[0].type: "" is not "function"`},
	} {
		_, err := parse(t, tt.body).Chat()
		var re *RequestError
		require.True(t, errors.As(err, &re), "%s: %v", tt.body, err)
		assert.EqualError(t, err, tt.want)
	}
}

// TestNoDraftsReachesGeneration: HandlerConfig.NoDrafts turns the drafts
// off in the generation of chat and completion requests alike.
func TestNoDraftsReachesGeneration(t *testing.T) {
	lim := limits{vocab: 32000, maxN: 8, maxTokens: 16}
	chat := parse(t, `{"messages": [{"role": "user", "content": "Hi"}], "temperature": 0}`)
	var comp CompletionRequest
	require.NoError(t, json.Unmarshal([]byte(`{"prompt": "Hi"}`), &comp))
	for _, noDrafts := range []bool{false, true} {
		lim.noDrafts = noDrafts
		cfg, _, err := chat.generateConfig(lim)
		require.NoError(t, err)
		assert.Equal(t, noDrafts, cfg.NoDrafts, "chat")
		cfg, _, err = comp.generateConfig(lim)
		require.NoError(t, err)
		assert.Equal(t, noDrafts, cfg.NoDrafts, "completion")
	}
}
