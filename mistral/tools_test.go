package mistral

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// sampleTools returns the tools of mistral-common's weather sample and one
// of our own with a nested, constrained schema.
func sampleTools(t testing.TB) []Tool {
	raw, err := os.ReadFile(testref.Testdata("mistral-common", "get_weather_full", "sample.json"))
	require.NoError(t, err)
	var sample struct {
		Tools []struct {
			Function struct {
				Name        string          `json:"name"`
				Description string          `json:"description"`
				Parameters  json.RawMessage `json:"parameters"`
			} `json:"function"`
		} `json:"tools"`
	}
	require.NoError(t, json.Unmarshal(raw, &sample))
	var tools []Tool
	for _, f := range sample.Tools {
		tools = append(tools, Tool{Name: f.Function.Name, Description: f.Function.Description, Parameters: f.Function.Parameters})
	}
	return append(tools, Tool{Name: "book_table", Description: "Book a table at a restaurant",
		Parameters: json.RawMessage(`{"type": "object", "properties": {
			"restaurant": {"type": "string", "minLength": 1, "maxLength": 30},
			"guests": {"type": "integer", "minimum": 1, "maximum": 12},
			"when": {"type": "object", "properties": {"day": {"enum": ["monday", "friday", "sunday"]},
				"hour": {"type": "integer", "minimum": 11, "maximum": 22}}, "required": ["day", "hour"],
				"additionalProperties": false},
			"notes": {"type": ["string", "null"], "maxLength": 40}},
			"required": ["restaurant", "guests", "when"], "additionalProperties": false}`)})
}

var callID = regexp.MustCompile(`^[A-Za-z0-9]{9}$`)

// checkCalls requires calls that name tools and whose arguments the
// independent validator accepts against the tool's parameters.
func checkCalls(t *testing.T, tools []Tool, calls []ToolCall, only string) {
	t.Helper()
	require.NotEmpty(t, calls)
	for _, c := range calls {
		assert.Regexp(t, callID, c.ID)
		var tool *Tool
		for i := range tools {
			if tools[i].Name == c.Name {
				tool = &tools[i]
			}
		}
		require.NotNil(t, tool, "call of an unknown tool %q", c.Name)
		if only != "" {
			assert.Equal(t, only, c.Name)
		}
		assert.NoError(t, jsonschema.Validate(tool.Parameters, c.Arguments), "%s(%s)", c.Name, c.Arguments)
	}
}

func loadV3(t *testing.T, file string) *Model {
	t.Helper()
	path := testref.Shared(t, "tiny-mistral-v3", file)
	m, err := Load(context.Background(), path, Config{Threads: 1})
	require.NoError(t, err)
	t.Cleanup(func() { m.Close() })
	return m
}

// TestToolCallsFitTheirSchemas (extended: the tiny v3 model): with the
// tool choice required, 40 generations at temperatures 0 to 1.5 all end in
// calls that parse, name a tool and validate against its parameters; with
// a named tool, calls of that tool; with none, never a call.
func TestToolCallsFitTheirSchemas(t *testing.T) {
	t.Parallel() // long; uses no test hook
	m := loadV3(t, "tiny-mistral-v3-Q8_0.gguf")
	tools := sampleTools(t)
	calls, _ := m.toolCalls()
	s := newSession(t, m)
	msgs := []Message{{Role: RoleUser, Content: "What's the weather like in Paris? And book a table for two at Chez Paul on friday at 20."}}
	for i := range 40 {
		temp := float32(i%4) * 0.5
		cfg := GenerateConfig{Tools: tools, ToolChoice: ToolChoice{Mode: ToolRequired}, MaxTokens: 200,
			SamplerConfig: SamplerConfig{Temperature: temp, Seed: uint64(i + 1)}}
		if i%5 == 4 {
			cfg.ToolChoice = ToolChoice{Mode: ToolFunction, Name: "book_table"}
		}
		s.Reset()
		var last Token
		n := 0
		for tok, err := range s.Chat(context.Background(), msgs, cfg) {
			require.NoError(t, err)
			if n == 0 {
				assert.Equal(t, calls, tok.ID, "[TOOL_CALLS] first")
			}
			assert.Empty(t, tok.Text, "calls are not text")
			last, n = tok, n+1
		}
		require.Equal(t, StopToolCalls, last.Stop, "run %d (temperature %v): %v", i, temp, last.Stop)
		checkCalls(t, tools, last.ToolCalls, cfg.ToolChoice.Name)
		if i < 4 {
			b, _ := json.Marshal(last.ToolCalls)
			t.Logf("temperature %v: %s", temp, b)
		}
		got := s.Messages()
		assert.Equal(t, last.ToolCalls, got[len(got)-1].ToolCalls, "the session's conversation holds the calls")
	}
	for i := range 40 {
		s.Reset()
		cfg := GenerateConfig{Tools: tools, ToolChoice: ToolChoice{Mode: ToolNone}, MaxTokens: 30,
			SamplerConfig: SamplerConfig{Temperature: float32(i%4) * 0.5, Seed: uint64(i + 1)}}
		for tok, err := range s.Chat(context.Background(), msgs, cfg) {
			require.NoError(t, err)
			assert.NotEqual(t, calls, tok.ID)
			assert.NotEqual(t, StopToolCalls, tok.Stop)
		}
	}
}

// TestToolTurnsReuseTheCache: a call, its result and the answer, then a
// new question: each turn computes only its new messages.
func TestToolTurnsReuseTheCache(t *testing.T) {
	m := loadV3(t, "tiny-mistral-v3-Q8_0.gguf")
	tools := sampleTools(t)
	s := newSession(t, m)
	msgs := []Message{{Role: RoleUser, Content: "What's the weather like in Paris?"}}
	cfg := GenerateConfig{Tools: tools, ToolChoice: ToolChoice{Mode: ToolRequired}, MaxTokens: 120}
	var calls []ToolCall
	for tok, err := range s.Chat(context.Background(), msgs, cfg) {
		require.NoError(t, err)
		calls = append(calls, tok.ToolCalls...)
	}
	require.NotEmpty(t, calls)
	msgs = s.Messages()
	for _, c := range calls {
		msgs = append(msgs, Message{Role: RoleTool, ToolCallID: c.ID, Content: `{"temperature": 22}`})
	}
	before := s.computed
	held := s.Position()
	answer := GenerateConfig{Tools: tools, MaxTokens: 20, ToolChoice: ToolChoice{Mode: ToolNone}, NoDrafts: true}
	for _, err := range s.Chat(context.Background(), msgs, answer) {
		require.NoError(t, err)
	}
	answered := s.Position()
	want, err := m.Tokenizer().EncodeChat(msgs, tokenizer.ChatOptions{Tools: tools})
	require.NoError(t, err)
	results := len(want) - held // the tool results' tokens (and the EOS closing the calls, if the calls ended without)
	generated := answered - len(want)
	assert.Equal(t, results, s.computed-before-generated,
		"only the results were computed before the answer (held %d, prompt %d)", held, len(want))
	assert.Less(t, results, 40)
}

// TestToolErrors: what cannot be done is a clear, typed error, never a
// panic.
func TestToolErrors(t *testing.T) {
	tools := []Tool{{Name: "get_time", Parameters: json.RawMessage(`{"type": "object"}`)}}
	user := []Message{{Role: RoleUser, Content: "What time is it?"}}
	chat := func(m *Model, msgs []Message, cfg GenerateConfig) error {
		var last error
		for _, err := range newSession(t, m).Chat(context.Background(), msgs, cfg) {
			if err != nil {
				last = err
			}
		}
		return last
	}
	t.Run("v1 vocabulary", func(t *testing.T) {
		m := loadTiny(t)
		err := chat(m, user, GenerateConfig{Tools: tools})
		assert.ErrorIs(t, err, tokenizer.ErrUnsupported)
		// Without tools, ToolNone asks nothing of the vocabulary.
		assert.NoError(t, chat(m, user, GenerateConfig{ToolChoice: ToolChoice{Mode: ToolNone}, MaxTokens: 3}))
		for _, err := range newSession(t, m).Generate(context.Background(), "It", GenerateConfig{Tools: tools}) {
			assert.ErrorContains(t, err, "tools are for Chat")
		}
	})
	m := loadV3(t, "tiny-mistral-v3-Q8_0.gguf")
	for _, c := range []struct {
		name string
		msgs []Message
		cfg  GenerateConfig
		as   any
		says string
	}{
		{"unknown tool choice", user, GenerateConfig{Tools: tools, ToolChoice: ToolChoice{Mode: ToolFunction, Name: "nope"}},
			new(*tokenizer.ToolChoiceError), "nope"},
		{"required without tools", user, GenerateConfig{ToolChoice: ToolChoice{Mode: ToolRequired}},
			new(*tokenizer.ToolChoiceError), "no tools"},
		{"a schema we do not support", user, GenerateConfig{Tools: []Tool{{Name: "f",
			Parameters: json.RawMessage(`{"type": "object", "properties": {"x": {"$ref": "http://example.com/other.json"}}}`)}}},
			new(*tokenizer.ToolError), "$ref"},
		{"a result with no call", append(user, Message{Role: RoleTool, ToolCallID: "abcdefghi", Content: "1"}),
			GenerateConfig{Tools: tools}, new(*tokenizer.ChatError), "message 1"},
		{"a call id that is not nine letters or digits", append(user,
			Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "x-1", Name: "get_time", Arguments: json.RawMessage(`{}`)}}},
			Message{Role: RoleTool, ToolCallID: "x-1", Content: "1"}),
			GenerateConfig{Tools: tools}, new(*tokenizer.ChatError), "message 1"},
		{"ending with an answer", append(user, Message{Role: RoleAssistant, Content: "Noon."}),
			GenerateConfig{}, new(*tokenizer.ChatError), "must end with a user message or tool results"},
		{"an unknown role", []Message{{Role: "bot", Content: "hi"}}, GenerateConfig{}, new(*tokenizer.ChatError), "bot"},
		{"an empty conversation", nil, GenerateConfig{}, new(*tokenizer.ChatError), "empty"},
		{"a grammar with tools", user, GenerateConfig{Tools: tools, Grammar: mustJSONGrammar(t)}, new(*ConfigError), "Grammar"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := chat(m, c.msgs, c.cfg)
			require.Error(t, err)
			assert.True(t, errors.As(err, c.as), "%T: %v", err, err)
			assert.ErrorContains(t, err, c.says)
			t.Log(err)
		})
	}
}

func TestCallsSchema(t *testing.T) {
	tools := sampleTools(t)
	schema, err := callsSchema(tools, ToolChoice{})
	require.NoError(t, err)
	good := `[{"name": "book_table", "arguments": {"restaurant": "Chez Paul", "guests": 2, "when": {"day": "friday", "hour": 20}}, "id": "a1B2c3D4e"}]`
	assert.NoError(t, jsonschema.Validate(schema, []byte(good)))
	for _, bad := range []string{
		`[]`,
		`[{"name": "book_table", "arguments": {"restaurant": "Chez Paul", "guests": 2, "when": {"day": "friday", "hour": 20}}, "id": "short"}]`,
		`[{"name": "fly", "arguments": {}, "id": "a1B2c3D4e"}]`,
		`[{"name": "book_table", "arguments": {"restaurant": "Chez Paul", "guests": 40, "when": {"day": "friday", "hour": 20}}, "id": "a1B2c3D4e"}]`,
	} {
		assert.Error(t, jsonschema.Validate(schema, []byte(bad)), bad)
	}
	only, err := callsSchema(tools, ToolChoice{Mode: ToolFunction, Name: "get_current_weather"})
	require.NoError(t, err)
	assert.Error(t, jsonschema.Validate(only, []byte(good)), "only the chosen tool")
}

func mustJSONGrammar(t *testing.T) *grammar.Grammar {
	t.Helper()
	return grammar.JSON(grammar.JSONOptions{})
}
