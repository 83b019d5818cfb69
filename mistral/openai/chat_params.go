package openai

import (
	"bytes"
	"encoding/json"
	"sync"

	"github.com/gomistral/gomistral/mistral"
	"github.com/gomistral/gomistral/mistral/grammar"
)

// ChatParams are the fields of a chat completion request that say how to
// answer, beside the conversation (see ChatCompletionRequest).
type ChatParams struct {
	SamplingParams
	// MaxCompletionTokens is OpenAI's newer name for MaxTokens; when both
	// are given it wins.
	MaxCompletionTokens *int `json:"max_completion_tokens,omitempty"`
	// LogProbs adds to each answer the log-probability of each of its
	// tokens.
	LogProbs bool `json:"logprobs,omitempty"`
	// TopLogProbs is how many of the most likely tokens to list at each
	// step, 0 to mistral.MaxTopLogProbs (20); it needs LogProbs.
	TopLogProbs *int `json:"top_logprobs,omitempty"`
	// ResponseFormat constrains the answer to JSON; absent means text.
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
}

// ResponseFormat is the format of an answer: {"type": "text"},
// {"type": "json_object"} (any JSON object) or {"type": "json_schema",
// "json_schema": {"name": ..., "schema": {...}, "strict": true}} (a
// document valid against the schema; see grammar.JSONSchema for the
// keywords supported).
type ResponseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *JSONSchema `json:"json_schema,omitempty"`
}

// JSONSchema is the schema of a json_schema response format. The answer is
// always constrained to the schema, strict or not.
type JSONSchema struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// chatConfig checks the fields and returns the generation's configuration
// and the number of answers.
func (p *ChatParams) chatConfig(lim limits, schemas *schemaCache) (mistral.GenerateConfig, int, error) {
	cfg, n, err := p.generateConfig(lim)
	if err != nil {
		return cfg, 0, err
	}
	if p.MaxCompletionTokens != nil {
		if *p.MaxCompletionTokens < 1 {
			return cfg, 0, badRequest("max_completion_tokens", "max_completion_tokens is %d: want at least 1", *p.MaxCompletionTokens)
		}
		cfg.MaxTokens = *p.MaxCompletionTokens
	}
	if p.TopLogProbs != nil {
		k := *p.TopLogProbs
		switch {
		case k < 0 || k > mistral.MaxTopLogProbs:
			return cfg, 0, badRequest("top_logprobs", "top_logprobs is %d: want 0 to %d", k, mistral.MaxTopLogProbs)
		case !p.LogProbs && k > 0:
			return cfg, 0, badRequest("top_logprobs", "top_logprobs needs logprobs to be true")
		}
		cfg.TopLogProbs = k
	}
	cfg.LogProbs = p.LogProbs
	if cfg.Grammar, err = p.ResponseFormat.grammar(schemas); err != nil {
		return cfg, 0, err
	}
	return cfg, n, nil
}

// grammar returns the grammar of the format: nil for text.
func (f *ResponseFormat) grammar(schemas *schemaCache) (*grammar.Grammar, error) {
	if f == nil {
		return nil, nil
	}
	switch f.Type {
	case "text":
		return nil, nil
	case "json_object":
		return grammar.JSON(grammar.JSONOptions{ObjectOnly: true}), nil
	case "json_schema":
		if f.JSONSchema == nil || isNull(f.JSONSchema.Schema) {
			return nil, badRequest("response_format.json_schema", "a json_schema response format needs json_schema.schema")
		}
		return schemas.get(f.JSONSchema.Schema)
	}
	return nil, badRequest("response_format.type", "response_format.type %q: want \"text\", \"json_object\" or \"json_schema\"", f.Type)
}

// schemaCache keeps the grammars of the schemas used recently, by their
// compacted text: the model keeps the index of a grammar it has seen (by
// pointer), so that a schema sent again starts at once.
type schemaCache struct {
	mu    sync.Mutex
	m     map[string]*grammar.Grammar
	order []string
}

const maxCachedSchemas = 16

func (c *schemaCache) get(schema json.RawMessage) (*grammar.Grammar, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, schema); err != nil {
		return nil, badRequest("response_format.json_schema.schema", "the schema is not valid JSON: %v", err)
	}
	key := buf.String()
	c.mu.Lock()
	g, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return g, nil
	}
	g, err := grammar.JSONSchema(schema, grammar.SchemaOptions{})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string]*grammar.Grammar{}
	}
	if _, ok := c.m[key]; !ok {
		if len(c.order) == maxCachedSchemas {
			delete(c.m, c.order[0])
			c.order = c.order[1:]
		}
		c.m[key] = g
		c.order = append(c.order, key)
	}
	return c.m[key], nil
}
