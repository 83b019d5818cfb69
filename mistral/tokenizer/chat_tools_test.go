package tokenizer

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// toolConversation is a v3 conversation with tools, calls and results that
// the mistral-common samples do not cover: text that is not JSON, empty
// arguments and results, several calls in one message, a key given twice,
// numbers Python re-writes, non-ASCII text, control characters.
func toolConversation() ([]Message, []Tool) {
	tools := []Tool{
		{Name: "get_time"},
		{Name: "get-weather_2", Description: "Le \"temps\"\nà venir",
			Parameters: json.RawMessage(`{ "type":"object" , "properties":{"days":{"type":"integer","maximum":1E1}}}`)},
	}
	msgs := []Message{
		{Role: RoleUser, Content: "Quelle heure est-il, et quel temps fera-t-il ?"},
		{Role: RoleAssistant, ToolCalls: []ToolCall{
			{ID: "abcDEF123", Name: "get_time", Arguments: json.RawMessage("not json")},
			{ID: "XYZ789abc", Name: "get-weather_2"},
		}},
		{Role: RoleTool, ToolCallID: "XYZ789abc", Content: `{"t": 1e5, "ville": "Zürich", "t": -0}`},
		{Role: RoleTool, ToolCallID: "abcDEF123", Content: "22 degrees"},
		{Role: RoleAssistant, Content: "Il est midi."},
		{Role: RoleUser, Content: "Merci"},
		{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "000000000", Name: "get_time", Arguments: json.RawMessage(`{}`)}}},
		{Role: RoleTool, ToolCallID: "000000000"},
	}
	return msgs, tools
}

// TestChatTools checks the v3 tool layout. The JSON texts are what Python's
// json.dumps(..., ensure_ascii=False) writes for the values mistral-common
// builds (checked with Python 3.11).
func TestChatTools(t *testing.T) {
	tok := v3(t)
	tt, ok := tok.toolTokens()
	require.True(t, ok)
	inst, endInst, _ := tok.instTokens()
	msgs, tools := toolConversation()
	cat := func(parts ...[]int32) []int32 { return slices.Concat(parts...) }
	one := func(id int32) []int32 { return []int32{id} }
	want := [][]int32{
		one(tok.BOS()),
		cat(one(inst), tok.encode("Quelle heure est-il, et quel temps fera-t-il ?"), one(endInst)),
		cat(one(tt.calls), tok.encode(`[{"name": "get_time", "arguments": "not json", "id": "abcDEF123"}, {"name": "get-weather_2", "arguments": {}, "id": "XYZ789abc"}]`), one(tok.EOS())),
		cat(one(tt.resultsBegin), tok.encode(`{"content": {"t": 0, "ville": "Zürich"}, "call_id": "XYZ789abc"}`), one(tt.resultsEnd)),
		cat(one(tt.resultsBegin), tok.encode(`{"content": "22 degrees", "call_id": "abcDEF123"}`), one(tt.resultsEnd)),
		cat(tok.encode("Il est midi."), one(tok.EOS())),
		cat(one(tt.availableBegin),
			tok.encode(`[{"type": "function", "function": {"name": "get_time", "description": "", "parameters": {}}}, `+
				`{"type": "function", "function": {"name": "get-weather_2", "description": "Le \"temps\"\nà venir", `+
				`"parameters": {"type": "object", "properties": {"days": {"type": "integer", "maximum": 10.0}}}}}]`),
			one(tt.availableEnd), one(inst), tok.encode("Merci"), one(endInst)),
		cat(one(tt.calls), tok.encode(`[{"name": "get_time", "arguments": {}, "id": "000000000"}]`), one(tok.EOS())),
		cat(one(tt.resultsBegin), tok.encode(`{"content": {}, "call_id": "000000000"}`), one(tt.resultsEnd)),
	}
	for _, format := range []ChatFormat{ChatAuto, ChatV3} {
		turns, err := tok.EncodeChatTurns(msgs, ChatOptions{Format: format, Tools: tools})
		require.NoError(t, err)
		assert.Equal(t, want, turns)
		ids, err := tok.EncodeChat(msgs, ChatOptions{Format: format, Tools: tools})
		require.NoError(t, err)
		assert.Equal(t, slices.Concat(want...), ids)
	}

	// Without tools, the same conversation has no [AVAILABLE_TOOLS] block.
	turns, err := tok.EncodeChatTurns(msgs, ChatOptions{})
	require.NoError(t, err)
	assert.Equal(t, cat(one(inst), tok.encode("Merci"), one(endInst)), turns[6])

	// The [AVAILABLE_TOOLS] block moves with the last user message.
	block := want[6][:len(want[6])-len(turns[6])]
	turns, err = tok.EncodeChatTurns(msgs[:5], ChatOptions{Tools: tools})
	require.NoError(t, err)
	assert.Equal(t, cat(block, want[1]), turns[1])
	assert.Equal(t, want[2:5], turns[2:5])
}

// TestChatToolsMalformed checks that malformed tool conversations are
// *ChatError naming the message.
func TestChatToolsMalformed(t *testing.T) {
	user := Message{Role: RoleUser, Content: "Quelle heure est-il ?"}
	call := func(calls ...ToolCall) Message { return Message{Role: RoleAssistant, ToolCalls: calls} }
	result := func(id string) Message { return Message{Role: RoleTool, ToolCallID: id, Content: "12:00"} }
	get := ToolCall{ID: "abcDEF123", Name: "get_time"}
	other := ToolCall{ID: "XYZ789abc", Name: "get_time"}
	answer := Message{Role: RoleAssistant, Content: "Midi."}
	tests := []struct {
		name   string
		msgs   []Message
		index  int
		reason string
	}{
		{"result with no call", []Message{user, result("abcDEF123")}, 1, `tool result for call "abcDEF123", which is no call`},
		{"result after an answer", []Message{user, answer, result("abcDEF123")}, 2, "which is no call"},
		{"result for another call", []Message{user, call(get), result("XYZ789abc")}, 2, `call "XYZ789abc"`},
		{"two results for one call", []Message{user, call(get, other), result("abcDEF123"), result("abcDEF123")}, 3, "which is no call"},
		{"result for a call of an earlier message", []Message{user, call(get), result("abcDEF123"), answer, user, call(other), result("abcDEF123")}, 6, "which is no call"},
		{"result id not nine letters or digits", []Message{user, call(get), result("abcDEF12")}, 2, `tool call id "abcDEF12" is not nine ASCII letters or digits`},
		{"result id empty", []Message{user, call(get), result("")}, 2, `tool call id ""`},
		{"call id too long", []Message{user, call(ToolCall{ID: "abcDEF1234", Name: "f"})}, 1, `tool call 0: id "abcDEF1234" is not nine ASCII letters or digits`},
		{"call id not ASCII", []Message{user, call(ToolCall{ID: "abcDEF12é", Name: "f"})}, 1, "is not nine ASCII letters or digits"},
		{"call id with a dash", []Message{user, call(get, ToolCall{ID: "abc-EF123", Name: "f"})}, 1, "tool call 1: id"},
		{"call without id", []Message{user, call(ToolCall{Name: "f"})}, 1, `id ""`},
		{"two calls with one id", []Message{user, call(get, get)}, 1, "tool call 1: id \"abcDEF123\" is the id of an earlier call"},
		{"call name with a space", []Message{user, call(ToolCall{ID: "abcDEF123", Name: "get time"})}, 1, `name "get time" is not 1 to 64`},
		{"call name empty", []Message{user, call(ToolCall{ID: "abcDEF123"})}, 1, `name ""`},
		{"call name too long", []Message{user, call(ToolCall{ID: "abcDEF123", Name: strings.Repeat("f", 65)})}, 1, "is not 1 to 64"},
		{"arguments not UTF-8", []Message{user, call(ToolCall{ID: "abcDEF123", Name: "f", Arguments: json.RawMessage("{\"a\": \"\xff\"}")})}, 1, "tool call 0: arguments: invalid UTF-8 at byte 7"},
		{"content and calls", []Message{user, {Role: RoleAssistant, Content: "Voici :", ToolCalls: []ToolCall{get}}}, 1, "both content and tool calls"},
		{"user before the result", []Message{user, call(get), user}, 2, `user message before the result of call "abcDEF123"`},
		{"answer before all results", []Message{user, call(get, other), result("XYZ789abc"), answer}, 3, `assistant message before the result of call "abcDEF123"`},
		{"calls in a user message", []Message{{Role: RoleUser, Content: "a", ToolCalls: []ToolCall{get}}}, 0, "a user message with tool calls"},
		{"call id in a user message", []Message{{Role: RoleUser, Content: "a", ToolCallID: "abcDEF123"}}, 0, "a user message with a tool call id"},
		{"calls in a tool message", []Message{user, call(get), {Role: RoleTool, ToolCallID: "abcDEF123", ToolCalls: []ToolCall{other}}}, 2, "a tool message with tool calls"},
		{"result not UTF-8", []Message{user, call(get), {Role: RoleTool, ToolCallID: "abcDEF123", Content: "\xff"}}, 2, "content: invalid UTF-8 at byte 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v3(t).EncodeChat(tt.msgs, ChatOptions{})
			var ce *ChatError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, tt.index, ce.Index, ce.Error())
			assert.Contains(t, err.Error(), "tokenizer: chat: message ")
			assert.Contains(t, err.Error(), tt.reason)
			assert.Equal(t, 1, strings.Count(err.Error(), "tokenizer:"), err.Error())
		})
	}
}

// TestChatToolsPython checks the failures of Python's json that are not
// syntax errors: they are errors here too, not text.
func TestChatToolsPython(t *testing.T) {
	user := Message{Role: RoleUser, Content: "Quelle heure est-il ?"}
	for _, tt := range []struct {
		name string
		msgs []Message
		want string
	}{
		{"lone surrogate in arguments",
			[]Message{user, {Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "abcDEF123", Name: "f", Arguments: json.RawMessage(`{"a": "\ud800"}`)}}}},
			`tokenizer: chat: message 1: tool calls: arguments of call "abcDEF123": a \u escape of a lone surrogate, which has no UTF-8 encoding at byte 7`},
		{"integer too long in a result",
			[]Message{user, {Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "abcDEF123", Name: "f"}}}, {Role: RoleTool, ToolCallID: "abcDEF123", Content: strings.Repeat("9", 4301)}},
			"tokenizer: chat: message 2: tool result: an integer of more than 4300 digits at byte 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v3(t).EncodeChat(tt.msgs, ChatOptions{})
			var ce *ChatError
			require.ErrorAs(t, err, &ce)
			assert.EqualError(t, err, tt.want)
		})
	}
}

// TestChatToolsUnsupported checks what formats and vocabularies without
// tool tokens do with tools: errors wrapping ErrUnsupported.
func TestChatToolsUnsupported(t *testing.T) {
	msgs, tools := toolConversation()
	// v3 without its tool tokens: [TOOL_CALLS] an ordinary piece.
	noTools := *v3(t)
	noTools.types = slices.Clone(noTools.types)
	id, _ := noTools.Lookup("[TOOL_CALLS]")
	noTools.types[id] = Normal
	for _, tc := range []struct {
		name   string
		tok    *Tokenizer
		format ChatFormat
		why    string
	}{
		{"v1 vocabulary", v1(t), ChatAuto, "the v1 instruct format has no tool tokens"},
		{"v1 format", v3(t), ChatV1, "the v1 instruct format has no tool tokens"},
		{"v3 vocabulary without tool tokens", &noTools, ChatAuto, "the vocabulary has no tool control tokens"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.tok.EncodeChat(msgs, ChatOptions{Format: tc.format, Tools: tools})
			require.ErrorIs(t, err, ErrUnsupported)
			assert.EqualError(t, err, "tokenizer: unsupported: tools: "+tc.why)

			_, err = tc.tok.EncodeChat(msgs, ChatOptions{Format: tc.format})
			require.ErrorIs(t, err, ErrUnsupported)
			var ce *ChatError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, 1, ce.Index)
			assert.EqualError(t, err, "tokenizer: chat: message 1: unsupported: tool calls and results: "+tc.why)

			// A conversation without tools is fine.
			_, err = tc.tok.EncodeChat(msgs[:1], ChatOptions{Format: tc.format})
			require.NoError(t, err)
		})
	}
	_, err := v1(t).EncodeChat(msgs[:1], ChatOptions{Format: ChatV3})
	assert.EqualError(t, err, "tokenizer: unsupported: chat format v3 needs [INST] and [/INST] control tokens")
}

func TestToolErrors(t *testing.T) {
	user := []Message{{Role: RoleUser, Content: "Quelle heure est-il ?"}}
	ok := Tool{Name: "get_time"}
	for _, tt := range []struct {
		name  string
		tools []Tool
		index int
		want  string
	}{
		{"empty name", []Tool{ok, {}}, 1, `tokenizer: tool 1 (""): the name is not 1 to 64 ASCII letters, digits, '_' or '-'`},
		{"name with a dot", []Tool{{Name: "time.now"}}, 0, "the name is not"},
		{"name too long", []Tool{{Name: strings.Repeat("a", 65)}}, 0, "the name is not"},
		{"two tools of one name", []Tool{ok, {Name: "x"}, ok}, 2, `tokenizer: tool 2 ("get_time"): two tools have this name`},
		{"parameters not JSON", []Tool{{Name: "f", Parameters: json.RawMessage(`{"type": "object",}`)}}, 0, `tokenizer: tool 0 ("f"): the parameters are not JSON`},
		{"parameters an array", []Tool{{Name: "f", Parameters: json.RawMessage(`[]`)}}, 0, "the parameters are not a JSON object"},
		{"parameters null", []Tool{{Name: "f", Parameters: json.RawMessage(`null`)}}, 0, "the parameters are not a JSON object"},
		{"parameters with a lone surrogate", []Tool{{Name: "f", Parameters: json.RawMessage(`{"description": "\udc00"}`)}}, 0,
			`tokenizer: tool 0 ("f"): the parameters: a \u escape of a lone surrogate, which has no UTF-8 encoding at byte 17`},
		{"parameters not UTF-8", []Tool{{Name: "f", Parameters: json.RawMessage("{\"a\": \"\xff\"}")}}, 0, "the parameters are not valid UTF-8"},
		{"description not UTF-8", []Tool{{Name: "f", Description: "\xff"}}, 0, "the description is not valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := v3(t).EncodeChat(user, ChatOptions{Tools: tt.tools})
			var te *ToolError
			require.ErrorAs(t, err, &te)
			assert.Equal(t, tt.index, te.Index)
			assert.Equal(t, tt.tools[tt.index].Name, te.Name)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestToolChoice(t *testing.T) {
	tools := []Tool{{Name: "get_time"}, {Name: "get_weather"}}
	for _, s := range []string{"auto", "none", "required", "any"} {
		c, err := ParseToolChoice(s)
		require.NoError(t, err)
		require.NoError(t, c.Check(tools))
		want := map[string]ToolMode{"auto": ToolAuto, "none": ToolNone, "required": ToolRequired, "any": ToolRequired}[s]
		assert.Equal(t, ToolChoice{Mode: want}, c)
	}
	assert.Equal(t, ToolChoice{Mode: ToolAuto}, ToolChoice{}, "the zero value is auto")
	assert.Equal(t, "required", ToolChoice{Mode: ToolRequired}.String())
	assert.Equal(t, "function:get_time", ToolChoice{Mode: ToolFunction, Name: "get_time"}.String())
	require.NoError(t, ToolChoice{Mode: ToolFunction, Name: "get_weather"}.Check(tools))
	require.NoError(t, ToolChoice{Mode: ToolNone}.Check(nil))
	require.NoError(t, ToolChoice{}.Check(nil))

	for _, s := range []string{"", "Auto", "get_time", "function", " none"} {
		_, err := ParseToolChoice(s)
		var ce *ToolChoiceError
		require.ErrorAs(t, err, &ce, "%q", s)
		assert.Equal(t, s, ce.Choice)
		assert.Contains(t, err.Error(), "tokenizer: tool choice")
		assert.Contains(t, err.Error(), "unknown tool choice")
	}
	for _, tt := range []struct {
		choice ToolChoice
		tools  []Tool
		want   string
	}{
		{ToolChoice{Mode: ToolFunction, Name: "get_date"}, tools, `tokenizer: tool choice "function:get_date": no tool is named "get_date"`},
		{ToolChoice{Mode: ToolFunction}, tools, `no tool is named ""`},
		{ToolChoice{Mode: ToolRequired}, nil, `tokenizer: tool choice "required": no tools to call`},
		{ToolChoice{Mode: ToolFunction, Name: "get_time"}, nil, "no tool is named"},
		{ToolChoice{Mode: ToolNone, Name: "get_time"}, tools, `names the tool "get_time" but is not ToolFunction`},
		{ToolChoice{Mode: 9}, tools, `tokenizer: tool choice "ToolMode(9)": unknown tool mode`},
	} {
		err := tt.choice.Check(tt.tools)
		var ce *ToolChoiceError
		require.True(t, errors.As(err, &ce), "%+v: %v", tt.choice, err)
		assert.Contains(t, err.Error(), tt.want)
	}
}

func TestMessageEqual(t *testing.T) {
	a := Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "abcDEF123", Name: "f", Arguments: json.RawMessage(`{"a": 1}`)}}}
	b := Message{Role: RoleAssistant, ToolCalls: []ToolCall{{ID: "abcDEF123", Name: "f", Arguments: json.RawMessage(`{"a": 1}`)}}}
	assert.True(t, a.Equal(b))
	b.ToolCalls[0].Arguments = json.RawMessage(`{"a":1}`)
	assert.False(t, a.Equal(b))
	assert.False(t, a.Equal(Message{Role: RoleAssistant}))
	assert.True(t, Message{Role: RoleUser, Content: "x"}.Equal(Message{Role: RoleUser, Content: "x"}))
	assert.False(t, Message{Role: RoleTool, ToolCallID: "abcDEF123"}.Equal(Message{Role: RoleTool, ToolCallID: "abcDEF124"}))
}
