// Package openai serves a Model with OpenAI's HTTP API, and reads OpenAI's
// chat completion requests.
//
// NewHandler returns an http.Handler for users to mount in their own
// server: chat completions and completions, streamed as server-sent events
// or not, with JSON output (response_format json_object or json_schema,
// through package grammar), log-probabilities, several answers (n), stop
// strings, seeds, penalties and logit bias; the model's list; tokenizing;
// a health check and Prometheus metrics. Each request runs in its own
// goroutine with a Session of its own, and the Model's scheduler batches
// their decoding; HandlerConfig bounds the requests running at once and
// those waiting (beyond them, a 503 with Retry-After, which OpenAI's
// clients retry). The Sessions of finished requests are kept, so that a
// conversation sent again with one more turn computes only that turn. A
// client that goes away stops its generation at the next token. Errors are
// in OpenAI's shape, {"error": {"message", "type", "param", "code"}}, with
// the request field at fault in param.
//
// ChatCompletionRequest.Chat converts a request's conversation (messages
// with tool calls and tool results, tools, a tool choice) to the terms of
// package tokenizer, so that a conversation sent in OpenAI's shape is
// encoded exactly as mistral-common encodes it.
//
// The request and response types are plain values, safe to share between
// goroutines once built; a Handler is safe for concurrent use.
package openai
