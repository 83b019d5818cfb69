package openai_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/models"
	"github.com/gomistral/gomistral/mistral/openai"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// A request in OpenAI's shape, with a tool, a call and its result, encoded
// in Mistral's v3 instruct format.
func Example() {
	const body = `{
		"messages": [
			{"role": "user", "content": "Quel temps fait-il à Paris ?"},
			{"role": "assistant", "tool_calls": [{"id": "D681PevKs", "type": "function",
				"function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}}]},
			{"role": "tool", "tool_call_id": "D681PevKs", "content": "{\"celsius\": 22}"}
		],
		"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Current weather",
			"parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}]
	}`
	var req openai.ChatCompletionRequest
	if err := json.Unmarshal([]byte(body), &req); err != nil {
		log.Fatal(err)
	}
	chat, err := req.Chat()
	if err != nil {
		log.Fatal(err)
	}
	tok, err := tokenizer.LoadSentencePiece("../../testdata/tokenizer/mistral-v3.model")
	if err != nil {
		log.Fatal(err)
	}
	ids, err := tok.EncodeChat(chat.Messages, tokenizer.ChatOptions{Tools: chat.Tools})
	if err != nil {
		log.Fatal(err)
	}
	var text strings.Builder
	for _, id := range ids {
		text.WriteString(tok.Piece(id))
	}
	fmt.Println(strings.ReplaceAll(text.String(), "▁", " "))
	// Output:
	// <s>[AVAILABLE_TOOLS] [{"type": "function", "function": {"name": "get_weather", "description": "Current weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}][/AVAILABLE_TOOLS][INST] Quel temps fait-il à Paris ?[/INST][TOOL_CALLS] [{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "D681PevKs"}]</s>[TOOL_RESULTS] {"content": {"celsius": 22}, "call_id": "D681PevKs"}[/TOOL_RESULTS]
}

// A server of the shipped model, and a chat completion request to it.
func ExampleNewHandler() {
	path, err := models.TinyPath()
	if err != nil {
		log.Fatal(err)
	}
	m, err := mistral.Load(context.Background(), path, mistral.Config{Threads: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer m.Close()
	h, err := openai.NewHandler(m, openai.HandlerConfig{ModelName: "tiny", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	defer h.Close()
	srv := httptest.NewServer(h) // or http.ListenAndServe(addr, h)
	defer srv.Close()

	resp, err := http.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(
		`{"messages": [{"role": "user", "content": "Who is Pierre?"}], "temperature": 0, "max_tokens": 8}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer openai.ChatCompletion
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	c := answer.Choices[0]
	fmt.Println(resp.StatusCode, answer.Object, answer.Model, c.Message.Role, c.FinishReason, answer.Usage.CompletionTokens)
	// Output:
	// 200 chat.completion tiny assistant length 8
}
