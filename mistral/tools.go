package mistral

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// Tools, as package tokenizer defines them (see GenerateConfig.Tools).
type (
	Tool       = tokenizer.Tool
	ToolCall   = tokenizer.ToolCall
	ToolChoice = tokenizer.ToolChoice
	ToolMode   = tokenizer.ToolMode
)

// Tool modes (see ToolChoice).
const (
	ToolAuto     = tokenizer.ToolAuto
	ToolNone     = tokenizer.ToolNone
	ToolRequired = tokenizer.ToolRequired
	ToolFunction = tokenizer.ToolFunction
)

// toolCallsToken is the control token after which a v3 model writes its
// calls.
const toolCallsToken = "[TOOL_CALLS]"

// toolCalls returns the id of [TOOL_CALLS], or false when the vocabulary
// has no such control token (Mistral 7B v0.1 and v0.2).
func (m *model) toolCalls() (int32, bool) {
	id, ok := m.tok.Lookup(toolCallsToken)
	if !ok || m.tok.Type(id) != tokenizer.Control {
		return -1, false
	}
	return id, true
}

// CheckTools reports what Chat would refuse in these tools and this tool
// choice, before anything is computed: a choice the tools cannot satisfy
// (*tokenizer.ToolChoiceError), parameters that are no schema this library
// compiles (*tokenizer.ToolError naming the tool, wrapping the grammar's
// error that names the keyword), tools on a vocabulary without tool tokens
// (wrapping tokenizer.ErrUnsupported). It is safe for concurrent use.
func (m *Model) CheckTools(tools []Tool, choice ToolChoice) error {
	if err := choice.Check(tools); err != nil {
		return err
	}
	if len(tools) == 0 && choice.Mode != ToolRequired && choice.Mode != ToolFunction {
		return nil
	}
	if _, ok := m.toolCalls(); !ok {
		return fmt.Errorf("tools need the v3 tool tokens (Mistral 7B v0.3), which this vocabulary lacks: %w",
			tokenizer.ErrUnsupported)
	}
	if choice.Mode == ToolNone {
		return nil
	}
	_, err := m.callsGrammar(tools, choice)
	return err
}

// callsSchema is the JSON Schema of what a v3 model writes after
// [TOOL_CALLS]: an array of one or more calls, each an object with the name
// of one of the tools (the chosen one with ToolFunction), arguments valid
// against that tool's parameters, and a call id of nine letters or digits,
// in the order mistral-common writes them.
func callsSchema(tools []Tool, choice ToolChoice) ([]byte, error) {
	var branches []json.RawMessage
	for _, t := range tools {
		if choice.Mode == ToolFunction && t.Name != choice.Name {
			continue
		}
		params := t.Parameters
		if len(bytes.TrimSpace(params)) == 0 {
			params = json.RawMessage(`{}`)
		}
		name, err := json.Marshal(t.Name)
		if err != nil {
			return nil, err
		}
		branches = append(branches, json.RawMessage(fmt.Sprintf(
			`{"type": "object", "properties": {"name": {"const": %s}, "arguments": %s, `+
				`"id": {"type": "string", "pattern": "^[A-Za-z0-9]{9}$"}}, `+
				`"required": ["name", "arguments", "id"], "additionalProperties": false}`, name, params)))
	}
	items, err := json.Marshal(map[string]any{"anyOf": branches})
	if err != nil {
		return nil, err
	}
	return []byte(fmt.Sprintf(`{"type": "array", "minItems": 1, "items": %s}`, items)), nil
}

// toolGrammars caches the grammars of the calls of recent sets of tools, so
// that the turns of a conversation share one grammar index.
type toolGrammars struct {
	mu    sync.Mutex
	byKey map[string]*grammar.Grammar
	order []string
}

// callsGrammar returns the grammar of the calls of tools under choice, or a
// *tokenizer.ToolError naming the tool whose parameters are not a schema
// the grammar package compiles.
func (m *model) callsGrammar(tools []Tool, choice ToolChoice) (*grammar.Grammar, error) {
	for i, t := range tools {
		if len(bytes.TrimSpace(t.Parameters)) == 0 {
			continue
		}
		if _, err := grammar.JSONSchema(t.Parameters, grammar.SchemaOptions{}); err != nil {
			return nil, &tokenizer.ToolError{Index: i, Name: t.Name, Reason: "parameters", Err: err}
		}
	}
	schema, err := callsSchema(tools, choice)
	if err != nil {
		return nil, err
	}
	c := &m.toolGrammars
	c.mu.Lock()
	defer c.mu.Unlock()
	key := string(schema)
	if g, ok := c.byKey[key]; ok {
		return g, nil
	}
	// One white space character at most between tokens: the format
	// separates with ", " and ": ", and a small model left free pads with
	// newlines.
	g, err := grammar.JSONSchema(schema, grammar.SchemaOptions{MaxSpace: 1})
	if err != nil {
		return nil, fmt.Errorf("the calls of these tools: %w", err)
	}
	if c.byKey == nil {
		c.byKey = map[string]*grammar.Grammar{}
	}
	if len(c.order) == maxCachedIndexes {
		delete(c.byKey, c.order[0])
		c.order = c.order[1:]
	}
	c.byKey[key] = g
	c.order = append(c.order, key)
	return g, nil
}

// parseCalls reads the calls a model wrote after [TOOL_CALLS].
func parseCalls(text []byte) ([]ToolCall, error) {
	var raw []struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
		ID        string          `json:"id"`
	}
	if err := json.Unmarshal(text, &raw); err != nil {
		return nil, fmt.Errorf("tool calls %q: %w", text, err)
	}
	calls := make([]ToolCall, len(raw))
	for i, r := range raw {
		var args bytes.Buffer
		if err := json.Compact(&args, r.Arguments); err != nil {
			return nil, fmt.Errorf("tool call %d: arguments: %w", i, err)
		}
		calls[i] = ToolCall{ID: r.ID, Name: r.Name, Arguments: args.Bytes()}
		if calls[i].ID == "" {
			calls[i].ID = newCallID()
		}
	}
	return calls, nil
}

// newCallID returns a call id of nine random letters and digits.
func newCallID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b [9]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b[:])
}
