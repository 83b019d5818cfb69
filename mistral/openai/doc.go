// Package openai reads OpenAI's chat completion requests (messages with
// tool calls and tool results, tools, a tool choice) and converts them to
// the terms of package tokenizer, so that a conversation sent in OpenAI's
// shape is encoded exactly as mistral-common encodes it.
//
// The types are plain values, safe to share between goroutines once built.
package openai
