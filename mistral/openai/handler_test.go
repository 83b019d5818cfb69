package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gomistral/gomistral/internal/jsonschema"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/tokenizer"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Sixteen greedy requests at once, half of them streamed, each get the
// answer the same request gets alone: batching does not change or mix
// answers.
func TestConcurrentEqualsAlone(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{Parallel: 16, Queue: 16, NoPromptCache: true})
	url := srv.URL + "/v1/chat/completions"
	const k = 16
	bodies := make([]string, k)
	alone := make([]string, k)
	for i := range k {
		stream := ""
		if i%2 == 1 {
			stream = `, "stream": true`
		}
		bodies[i] = userChat(fmt.Sprintf("Tell me about the prince number %d.", i), 12+i%5, stream)
		c := wholeChat(t, url, userChat(fmt.Sprintf("Tell me about the prince number %d.", i), 12+i%5, ""))
		alone[i] = *c.Choices[0].Message.Content
	}
	status := make([]int, k)
	body := make([][]byte, k)
	var wg sync.WaitGroup
	for i := range k {
		wg.Go(func() {
			resp, err := http.Post(url, "application/json", strings.NewReader(bodies[i]))
			if err != nil {
				body[i] = []byte(err.Error())
				return
			}
			defer resp.Body.Close()
			status[i] = resp.StatusCode
			body[i], _ = io.ReadAll(resp.Body)
		})
	}
	wg.Wait()
	got := make([]string, k)
	distinct := map[string]bool{}
	for i := range k {
		if i%2 == 1 {
			got[i] = collectChat(t, status[i], body[i]).text[0]
		} else {
			got[i] = *decodeChat(t, status[i], body[i]).Choices[0].Message.Content
		}
		assert.Equal(t, alone[i], got[i], "request %d", i)
		distinct[alone[i]] = true
	}
	assert.Greater(t, len(distinct), 1, "the prompts should not all give the same answer")
}

// Each bad request gets its status and an error in OpenAI's shape naming
// the field at fault.
func TestBadRequests(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{MaxBodyBytes: 4096})
	user := `"messages": [{"role": "user", "content": "Hi"}]`
	for _, tt := range []struct {
		name, path, body string
		status           int
		param            string
	}{
		{"malformed JSON", "/v1/chat/completions", `{"messages": [`, 400, ""},
		{"empty body", "/v1/chat/completions", ``, 400, ""},
		{"not an object", "/v1/chat/completions", `[1, 2]`, 400, ""},
		{"no messages", "/v1/chat/completions", `{"messages": []}`, 400, "messages"},
		{"messages absent", "/v1/chat/completions", `{"model": "m"}`, 400, "messages"},
		{"unknown role", "/v1/chat/completions", `{"messages": [{"role": "wizard", "content": "Hi"}]}`, 400, "messages[0]"},
		{"content of a wrong type", "/v1/chat/completions", `{"messages": [{"role": "user", "content": 3}]}`, 400, "messages[0].content"},
		{"ends with the assistant", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yes?"}]}`, 400, "messages"},
		{"two user messages in a row", "/v1/chat/completions", `{"messages": [{"role": "user", "content": "Hi"}, {"role": "user", "content": "Hi"}]}`, 400, "messages[1]"},
		{"tools the v1 format cannot write", "/v1/chat/completions", `{` + user + `, "tools": [{"type": "function", "function": {"name": "f"}}]}`, 400, ""},
		{"unknown tool choice", "/v1/chat/completions", `{` + user + `, "tools": [{"type": "function", "function": {"name": "f"}}], "tool_choice": "sometimes"}`, 400, "tool_choice"},
		{"temperature too high", "/v1/chat/completions", `{` + user + `, "temperature": 2.5}`, 400, "temperature"},
		{"temperature of a wrong type", "/v1/chat/completions", `{` + user + `, "temperature": "hot"}`, 400, "temperature"},
		{"negative temperature", "/v1/chat/completions", `{` + user + `, "temperature": -0.1}`, 400, "temperature"},
		{"top_p above 1", "/v1/chat/completions", `{` + user + `, "top_p": 1.5}`, 400, "top_p"},
		{"frequency_penalty", "/v1/chat/completions", `{` + user + `, "frequency_penalty": 2.5}`, 400, "frequency_penalty"},
		{"presence_penalty", "/v1/chat/completions", `{` + user + `, "presence_penalty": -3}`, 400, "presence_penalty"},
		{"max_tokens 0", "/v1/chat/completions", `{` + user + `, "max_tokens": 0}`, 400, "max_tokens"},
		{"max_completion_tokens -1", "/v1/chat/completions", `{` + user + `, "max_completion_tokens": -1}`, 400, "max_completion_tokens"},
		{"n 0", "/v1/chat/completions", `{` + user + `, "n": 0}`, 400, "n"},
		{"n too large", "/v1/chat/completions", `{` + user + `, "n": 9}`, 400, "n"},
		{"n not an integer", "/v1/chat/completions", `{` + user + `, "n": 1.5}`, 400, "n"},
		{"top_logprobs 21", "/v1/chat/completions", `{` + user + `, "logprobs": true, "top_logprobs": 21}`, 400, "top_logprobs"},
		{"top_logprobs without logprobs", "/v1/chat/completions", `{` + user + `, "top_logprobs": 2}`, 400, "top_logprobs"},
		{"logit_bias key", "/v1/chat/completions", `{` + user + `, "logit_bias": {"the": 5}}`, 400, "logit_bias"},
		{"logit_bias id outside the vocabulary", "/v1/chat/completions", `{` + user + `, "logit_bias": {"32000": 5}}`, 400, "logit_bias"},
		{"logit_bias value", "/v1/chat/completions", `{` + user + `, "logit_bias": {"42": 101}}`, 400, "logit_bias"},
		{"stop of a wrong type", "/v1/chat/completions", `{` + user + `, "stop": 3}`, 400, "stop"},
		{"too many stop strings", "/v1/chat/completions", `{` + user + `, "stop": ["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q"]}`, 400, "stop"},
		{"stream_options without stream", "/v1/chat/completions", `{` + user + `, "stream_options": {"include_usage": true}}`, 400, "stream_options"},
		{"unknown response format", "/v1/chat/completions", `{` + user + `, "response_format": {"type": "xml"}}`, 400, "response_format.type"},
		{"json_schema without a schema", "/v1/chat/completions", `{` + user + `, "response_format": {"type": "json_schema", "json_schema": {"name": "x"}}}`, 400, "response_format.json_schema"},
		{"schema referring outside itself", "/v1/chat/completions", `{` + user + `, "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": true, "schema": {"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}}}}}`, 400, "response_format.json_schema.schema"},
		{"body too large", "/v1/chat/completions", `{` + user + `, "x": "` + strings.Repeat("a", 5000) + `"}`, 413, ""},
		{"completion without prompt", "/v1/completions", `{"max_tokens": 2}`, 400, "prompt"},
		{"completion prompt of a wrong type", "/v1/completions", `{"prompt": {"a": 1}}`, 400, "prompt"},
		{"completion token outside the vocabulary", "/v1/completions", `{"prompt": [1, 99999]}`, 400, "prompt[0]"},
		{"completion logprobs 6", "/v1/completions", `{"prompt": "a", "logprobs": 6}`, 400, "logprobs"},
		{"completion suffix", "/v1/completions", `{"prompt": "a", "suffix": "b"}`, 400, "suffix"},
		{"completion prompts times n", "/v1/completions", `{"prompt": ["a", "b", "c"], "n": 3}`, 400, "n"},
		{"detokenize outside the vocabulary", "/detokenize", `{"tokens": [1, 40000]}`, 400, "tokens"},
		{"unknown endpoint", "/v1/embeddings", `{"input": "a"}`, 404, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := post(t, srv.URL+tt.path, tt.body)
			require.Equal(t, tt.status, status, "%s", body)
			var e struct {
				Error map[string]any `json:"error"`
			}
			require.NoError(t, json.Unmarshal(body, &e), "%s", body)
			require.Len(t, e.Error, 4, "message, type, param and code: %s", body)
			for _, key := range []string{"message", "type", "param", "code"} {
				require.Contains(t, e.Error, key)
			}
			assert.NotEmpty(t, e.Error["message"])
			assert.Equal(t, "invalid_request_error", e.Error["type"])
			if tt.param == "" {
				return
			}
			assert.Equal(t, tt.param, e.Error["param"], "%s", body)
		})
	}
}

// Fields the server does not know are ignored, as OpenAI ignores them.
func TestUnknownFieldsIgnored(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	c := wholeChat(t, srv.URL+"/v1/chat/completions", userChat("Hi", 3,
		`, "user": "ada", "metadata": {"a": "b"}, "store": false, "parallel_tool_calls": true, "reasoning_effort": "low"`))
	assert.Equal(t, "length", c.Choices[0].FinishReason)
	assert.Equal(t, 3, c.Usage.CompletionTokens)
}

func TestAPIKey(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{APIKey: "s3cret"})
	for _, tt := range []struct {
		path, auth string
		status     int
	}{
		{"/v1/models", "", 401},
		{"/v1/models", "Bearer wrong", 401},
		{"/v1/models", "s3cret", 401},
		{"/v1/models", "Bearer s3cret", 200},
		{"/metrics", "", 401},
		{"/health", "", 200},
	} {
		req, err := http.NewRequest("GET", srv.URL+tt.path, nil)
		require.NoError(t, err)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, tt.status, resp.StatusCode, "%s %q: %s", tt.path, tt.auth, body)
		if tt.status == 401 {
			var e struct{ Error APIErrorBody }
			require.NoError(t, json.Unmarshal(body, &e))
			assert.Equal(t, "invalid_api_key", e.Error.Code)
		}
	}
}

// APIErrorBody is the error object, as a client reads it.
type APIErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    string  `json:"code"`
}

// A client that goes away mid-stream stops its generation: its slot is
// free again (seen in /metrics) and no more tokens are generated.
func TestDisconnectFreesSlot(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{Parallel: 1})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "POST", srv.URL+"/v1/chat/completions",
		strings.NewReader(userChat("Once upon a time", 100000, `, "stream": true`)))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	buf := make([]byte, 512)
	_, err = resp.Body.Read(buf) // the first chunk: it is generating
	require.NoError(t, err)
	assert.Equal(t, 1.0, metric(t, srv.URL, "gomistral_requests_running"))
	cancel()
	resp.Body.Close()
	waitMetric(t, srv.URL, "gomistral_requests_running", 0)
	waitMetric(t, srv.URL, "gomistral_requests_cancelled_total", 1)
	n := metric(t, srv.URL, "gomistral_completion_tokens_total")
	assert.Less(t, n, 100000.0)
	time.Sleep(200 * time.Millisecond)
	assert.Equal(t, n, metric(t, srv.URL, "gomistral_completion_tokens_total"), "tokens generated after the client left")
	// The slot serves the next request.
	c := wholeChat(t, srv.URL+"/v1/chat/completions", userChat("Hi", 2, ""))
	assert.Equal(t, 2, c.Usage.CompletionTokens)
}

// Beyond the slots and the queue, a request gets a 503 with Retry-After;
// the queued one runs once the slot is free.
func TestQueueFull(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{Parallel: 1, Queue: 1, RetryAfter: 1500 * time.Millisecond})
	url := srv.URL + "/v1/chat/completions"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "POST", url, strings.NewReader(userChat("Long", 100000, `, "stream": true`)))
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	queued := make(chan ChatCompletion, 1)
	go func() {
		status, body := post(t, url, userChat("Short", 3, ""))
		var c ChatCompletion
		if status == 200 {
			json.Unmarshal(body, &c)
		}
		queued <- c
	}()
	waitMetric(t, srv.URL, "gomistral_requests_queued", 1)

	r3, err := http.Post(url, "application/json", strings.NewReader(userChat("Rejected", 3, "")))
	require.NoError(t, err)
	body, _ := io.ReadAll(r3.Body)
	r3.Body.Close()
	require.Equal(t, http.StatusServiceUnavailable, r3.StatusCode, "%s", body)
	assert.Equal(t, "2", r3.Header.Get("Retry-After"))
	assert.Equal(t, "1500", r3.Header.Get("Retry-After-Ms"))
	var e struct{ Error APIErrorBody }
	require.NoError(t, json.Unmarshal(body, &e))
	assert.Equal(t, "server_error", e.Error.Type)
	assert.Equal(t, 1.0, metric(t, srv.URL, "gomistral_requests_rejected_total"))

	cancel() // the long request goes away: the queued one runs
	c := <-queued
	require.Len(t, c.Choices, 1)
	assert.Equal(t, 3, c.Usage.CompletionTokens)
}

// A conversation sent again with one more turn continues the Session of
// the previous request: its prompt is mostly cached, and the answers are
// those of one Session that holds the conversation (Session.Chat).
func TestPromptCache(t *testing.T) {
	cached, _ := newServer(t, HandlerConfig{})
	uncached, _ := newServer(t, HandlerConfig{NoPromptCache: true})
	s, err := tiny.NewSession(mistral.SessionConfig{})
	require.NoError(t, err)
	defer s.Close()
	var msgs []mistral.Message
	for turn := range 4 {
		msgs = append(msgs, mistral.Message{Role: mistral.RoleUser, Content: fmt.Sprintf("What happened on day %d?", turn+1)})
		var direct strings.Builder
		for tok, err := range s.Chat(context.Background(), msgs, mistral.GenerateConfig{MaxTokens: 10}) {
			require.NoError(t, err)
			direct.WriteString(tok.Text)
		}
		req := map[string]any{"temperature": 0, "max_tokens": 10}
		var list []map[string]string
		for _, m := range msgs {
			list = append(list, map[string]string{"role": string(m.Role), "content": m.Content})
		}
		req["messages"] = list
		body, err := json.Marshal(req)
		require.NoError(t, err)
		a := wholeChat(t, cached.URL+"/v1/chat/completions", string(body))
		b := wholeChat(t, uncached.URL+"/v1/chat/completions", string(body))
		require.Equal(t, direct.String(), *a.Choices[0].Message.Content, "turn %d", turn)
		// Without the cache, the prompt is the conversation as EncodeChat
		// writes it, computed whole.
		ids, err := tiny.Tokenizer().EncodeChat(msgs, tokenizer.ChatOptions{})
		require.NoError(t, err)
		assert.Equal(t, len(ids), b.Usage.PromptTokens)
		assert.Zero(t, b.Usage.PromptTokensDetails.CachedTokens)
		if turn == 0 {
			assert.Equal(t, len(ids), a.Usage.PromptTokens)
			assert.Zero(t, a.Usage.PromptTokensDetails.CachedTokens)
		} else {
			// With it, only the new turn is computed: the EOS closing the
			// last answer, and the user message in the v1 format.
			turnIDs, err := tiny.Tokenizer().Encode(fmt.Sprintf("[INST] %s [/INST]", msgs[len(msgs)-1].Content), tokenizer.EncodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, 1+len(turnIDs), a.Usage.PromptTokens-a.Usage.PromptTokensDetails.CachedTokens, "turn %d: %+v", turn, a.Usage)
		}
		msgs = append(msgs, mistral.Message{Role: mistral.RoleAssistant, Content: direct.String()})
	}
	assert.Greater(t, metric(t, cached.URL, "gomistral_prompt_tokens_cached_total"), 0.0)
	assert.Equal(t, 1.0, metric(t, cached.URL, "gomistral_prompt_cache_sessions"))
	assert.Equal(t, 0.0, metric(t, uncached.URL, "gomistral_prompt_cache_sessions"))
}

// With temperature 0, the streamed text is the text of the whole answer,
// for chat and completions, with usage when asked for.
func TestStreamEqualsWhole(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	whole := wholeChat(t, srv.URL+"/v1/chat/completions", userChat("Who is Pierre?", 30, `, "stop": ["Natasha"]`))
	streamed := streamChat(t, srv.URL+"/v1/chat/completions",
		userChat("Who is Pierre?", 30, `, "stop": ["Natasha"], "stream": true, "stream_options": {"include_usage": true}`))
	assert.Equal(t, *whole.Choices[0].Message.Content, streamed.text[0])
	assert.Equal(t, whole.Choices[0].FinishReason, streamed.finish[0])
	require.NotNil(t, streamed.usage)
	assert.Equal(t, whole.Usage.CompletionTokens, streamed.usage.CompletionTokens)
	assert.Equal(t, whole.Usage.PromptTokens, streamed.usage.PromptTokens)

	const comp = `{"prompt": "The old prince", "temperature": 0, "max_tokens": 20, "echo": true`
	status, body := post(t, srv.URL+"/v1/completions", comp+`}`)
	require.Equal(t, 200, status, "%s", body)
	var c Completion
	require.NoError(t, json.Unmarshal(body, &c))
	assert.Equal(t, "text_completion", c.Object)
	require.Len(t, c.Choices, 1)
	assert.True(t, strings.HasPrefix(c.Choices[0].Text, "The old prince"), c.Choices[0].Text)
	assert.Equal(t, "length", *c.Choices[0].FinishReason)
	status, body = post(t, srv.URL+"/v1/completions", comp+`, "stream": true}`)
	require.Equal(t, 200, status, "%s", body)
	events, done := readStream(t, bytes.NewReader(body))
	require.True(t, done)
	text, finish := "", ""
	for _, e := range events {
		var chunk Completion
		require.NoError(t, json.Unmarshal([]byte(e), &chunk))
		require.Len(t, chunk.Choices, 1)
		require.Empty(t, finish, "a chunk after the finish reason")
		text += chunk.Choices[0].Text
		if chunk.Choices[0].FinishReason != nil {
			finish = *chunk.Choices[0].FinishReason
		}
	}
	assert.Equal(t, c.Choices[0].Text, text)
	assert.Equal(t, "length", finish)
}

// n answers of one request: each with its index; with a seed, the first is
// the answer of the same request with n = 1.
func TestN(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	const body = `{"messages": [{"role": "user", "content": "Hello"}], "temperature": 1, "seed": 7, "max_tokens": 12`
	one := wholeChat(t, srv.URL+"/v1/chat/completions", body+`}`)
	three := wholeChat(t, srv.URL+"/v1/chat/completions", body+`, "n": 3}`)
	require.Len(t, three.Choices, 3)
	for i, ch := range three.Choices {
		assert.Equal(t, i, ch.Index)
	}
	assert.Equal(t, *one.Choices[0].Message.Content, *three.Choices[0].Message.Content)
	assert.NotEqual(t, *three.Choices[1].Message.Content, *three.Choices[2].Message.Content)
	streamed := streamChat(t, srv.URL+"/v1/chat/completions", body+`, "n": 3, "stream": true}`)
	for i, ch := range three.Choices {
		assert.Equal(t, *ch.Message.Content, streamed.text[i], "answer %d", i)
	}
}

// JSON response formats: the answers parse and are valid against the
// schema (checked by an independent validator).
func TestResponseFormat(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	schema := `{"type": "object", "properties": {"name": {"type": "string", "maxLength": 12}, "age": {"type": "integer", "minimum": 0, "maximum": 150},
		"tags": {"type": "array", "items": {"enum": ["war", "peace"]}, "maxItems": 3}}, "required": ["name", "age", "tags"], "additionalProperties": false}`
	for seed := range 3 {
		body := fmt.Sprintf(`{"messages": [{"role": "user", "content": "Describe Pierre."}], "seed": %d, "max_tokens": 60,
			"response_format": {"type": "json_schema", "json_schema": {"name": "person", "strict": true, "schema": %s}}}`, seed, schema)
		c := wholeChat(t, srv.URL+"/v1/chat/completions", body)
		content := *c.Choices[0].Message.Content
		require.NoError(t, jsonschema.Validate([]byte(schema), []byte(content)), "%s", content)
		assert.Equal(t, "stop", c.Choices[0].FinishReason, content)
	}
	c := wholeChat(t, srv.URL+"/v1/chat/completions", userChat("Describe Pierre.", 40, `, "response_format": {"type": "json_object"}`))
	var obj map[string]any
	require.NoError(t, json.Unmarshal([]byte(*c.Choices[0].Message.Content), &obj), *c.Choices[0].Message.Content)
}

// Log-probabilities: each token with its alternatives, most likely first;
// at temperature 0 the token chosen is the most likely; the tokens' bytes
// spell the answer.
func TestLogProbs(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	c := wholeChat(t, srv.URL+"/v1/chat/completions", userChat("Hello", 16, `, "logprobs": true, "top_logprobs": 3`))
	lp := c.Choices[0].LogProbs
	require.NotNil(t, lp)
	require.Len(t, lp.Content, 16)
	var spelt []byte
	for _, tok := range lp.Content {
		require.Len(t, tok.TopLogProbs, 3)
		assert.LessOrEqual(t, tok.LogProb, 0.0)
		assert.Equal(t, tok.TopLogProbs[0].Token, tok.Token)
		assert.InDelta(t, tok.TopLogProbs[0].LogProb, tok.LogProb, 1e-6)
		for k := 1; k < 3; k++ {
			assert.LessOrEqual(t, tok.TopLogProbs[k].LogProb, tok.TopLogProbs[k-1].LogProb)
		}
		for _, b := range tok.Bytes {
			spelt = append(spelt, byte(b))
		}
	}
	assert.Equal(t, *c.Choices[0].Message.Content, string(spelt))

	status, body := post(t, srv.URL+"/v1/completions", `{"prompt": "The war", "temperature": 0, "max_tokens": 8, "logprobs": 2}`)
	require.Equal(t, 200, status, "%s", body)
	var comp Completion
	require.NoError(t, json.Unmarshal(body, &comp))
	clp := comp.Choices[0].LogProbs
	require.NotNil(t, clp)
	require.Len(t, clp.Tokens, 8)
	assert.Equal(t, comp.Choices[0].Text, strings.Join(clp.Tokens, ""))
	for i, top := range clp.TopLogProbs {
		assert.Len(t, top, 2)
		assert.Contains(t, top, clp.Tokens[i])
		assert.Equal(t, len(strings.Join(clp.Tokens[:i], "")), clp.TextOffset[i])
	}
}

// /tokenize gives SentencePiece's own ids (the reference vectors), and
// /detokenize the text back.
func TestTokenize(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{})
	raw, err := readVectors()
	require.NoError(t, err)
	for _, c := range raw {
		if c.Text == "" {
			continue
		}
		in, _ := json.Marshal(TokenizeRequest{Content: c.Text})
		status, body := post(t, srv.URL+"/tokenize", string(in))
		require.Equal(t, 200, status, "%s", body)
		var got struct{ Tokens []int32 }
		require.NoError(t, json.Unmarshal(body, &got))
		assert.Equal(t, c.IDs, got.Tokens, "%q", c.Text)
		in, _ = json.Marshal(DetokenizeRequest{Tokens: c.IDs})
		status, body = post(t, srv.URL+"/detokenize", string(in))
		require.Equal(t, 200, status, "%s", body)
		var back struct{ Content string }
		require.NoError(t, json.Unmarshal(body, &back))
		assert.Equal(t, c.Decoded, back.Content)
	}
	status, body := post(t, srv.URL+"/tokenize", `{"content": "Hi", "add_special": true, "with_pieces": true}`)
	require.Equal(t, 200, status)
	assert.JSONEq(t, `{"tokens": [{"id": 1, "piece": "<s>"}, {"id": 15359, "piece": " Hi"}]}`, string(body))
}

type vector struct {
	Text    string  `json:"text"`
	IDs     []int32 `json:"ids"`
	Decoded string  `json:"decoded"`
}

// readVectors reads SentencePiece's encodings with the v1 vocabulary, the
// tiny model's.
func readVectors() ([]vector, error) {
	b, err := readFile(testref.Testdata("tokenizer", "vectors.json"))
	if err != nil {
		return nil, err
	}
	var v struct {
		V1 struct {
			Cases []vector `json:"cases"`
		} `json:"mistral-v1"`
	}
	err = json.Unmarshal(b, &v)
	return v.V1.Cases, err
}

func TestModels(t *testing.T) {
	srv, _ := newServer(t, HandlerConfig{ModelName: "tiny"})
	resp, err := http.Get(srv.URL + "/v1/models")
	require.NoError(t, err)
	defer resp.Body.Close()
	var list ModelList
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
	require.Len(t, list.Data, 1)
	assert.Equal(t, "list", list.Object)
	assert.Equal(t, "tiny", list.Data[0].ID)
	assert.Equal(t, "model", list.Data[0].Object)
	r2, err := http.Get(srv.URL + "/v1/models/other")
	require.NoError(t, err)
	r2.Body.Close()
	assert.Equal(t, 404, r2.StatusCode)
}
