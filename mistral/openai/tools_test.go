package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral"
)

// toolsRequest is mistral-common's weather sample's tools, with a question.
func toolsRequest(t *testing.T, extra string) (string, map[string]json.RawMessage) {
	raw, err := os.ReadFile(testref.Testdata("mistral-common", "get_weather_full", "sample.json"))
	require.NoError(t, err)
	var sample struct {
		Tools []Tool `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(raw, &sample))
	params := map[string]json.RawMessage{}
	for _, tool := range sample.Tools {
		params[tool.Function.Name] = tool.Function.Parameters
	}
	tools, err := json.Marshal(sample.Tools)
	require.NoError(t, err)
	return `{"model": "x", "messages": [{"role": "user", "content": "What's the weather like in Paris?"}],
		"tools": ` + string(tools) + `, "max_tokens": 150` + extra + `}`, params
}

// TestToolCalls (extended: the tiny v3 model): with tool_choice required,
// the answer's tool_calls parse and validate against their tools'
// parameters, whole and streamed; a conversation that ends with the
// results gets an answer; the v1 model refuses tools with a 400.
func TestToolCalls(t *testing.T) {
	path := testref.Shared(t, "tiny-mistral-v3", "tiny-mistral-v3-Q8_0.gguf")
	m, err := mistral.Load(context.Background(), path, mistral.Config{Threads: 1})
	require.NoError(t, err)
	defer m.Close()
	h, err := NewHandler(m, HandlerConfig{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	url := srv.URL + "/v1/chat/completions"

	req, params := toolsRequest(t, `, "tool_choice": "required", "temperature": 0.8, "seed": 3`)
	whole := wholeChat(t, url, req)
	require.Len(t, whole.Choices, 1)
	ch := whole.Choices[0]
	assert.Equal(t, "tool_calls", ch.FinishReason)
	require.NotEmpty(t, ch.Message.ToolCalls)
	for _, c := range ch.Message.ToolCalls {
		assert.Equal(t, "function", c.Type)
		assert.Regexp(t, `^[A-Za-z0-9]{9}$`, c.ID)
		schema, ok := params[c.Function.Name]
		require.True(t, ok, "a call of an unknown tool %q", c.Function.Name)
		assert.NoError(t, jsonschema.Validate(schema, []byte(c.Function.Arguments)), c.Function.Arguments)
	}
	t.Logf("calls: %+v", ch.Message.ToolCalls)

	// Streamed: the same calls, in deltas, and the finish reason.
	status, body := post(t, url, req[:len(req)-1]+`, "stream": true}`)
	require.Equal(t, http.StatusOK, status, "%s", body)
	events, done := readStream(t, bytes.NewReader(body))
	require.True(t, done)
	var streamed []ToolCall
	finish := ""
	for _, e := range events {
		var c ChatCompletionChunk
		require.NoError(t, json.Unmarshal([]byte(e), &c))
		for _, d := range c.Choices {
			for _, tc := range d.Delta.ToolCalls {
				streamed = append(streamed, ToolCall{ID: tc.ID, Type: tc.Type, Function: tc.Function})
			}
			if d.FinishReason != nil {
				finish = *d.FinishReason
			}
		}
	}
	assert.Equal(t, "tool_calls", finish)
	require.Equal(t, len(ch.Message.ToolCalls), len(streamed))
	for i := range streamed {
		assert.Equal(t, ch.Message.ToolCalls[i].Function, streamed[i].Function, "the same seed, the same calls")
	}

	// The results, then the answer.
	msgs := []map[string]any{{"role": "user", "content": "What's the weather like in Paris?"},
		{"role": "assistant", "content": nil, "tool_calls": ch.Message.ToolCalls}}
	for _, c := range ch.Message.ToolCalls {
		msgs = append(msgs, map[string]any{"role": "tool", "tool_call_id": c.ID, "content": `{"temperature": 22}`})
	}
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(req), &r))
	r["messages"], r["tool_choice"], r["max_tokens"] = msgs, "none", 20
	b, err := json.Marshal(r)
	require.NoError(t, err)
	answer := wholeChat(t, url, string(b))
	assert.Equal(t, "length", answer.Choices[0].FinishReason)
	assert.Empty(t, answer.Choices[0].Message.ToolCalls)

	// The shipped v1 model has no tool tokens.
	v1, _ := newServer(t, HandlerConfig{})
	status, body = post(t, v1.URL+"/v1/chat/completions", req)
	assert.Equal(t, http.StatusBadRequest, status, "%s", body)
	assert.Contains(t, string(body), "tool")
}
