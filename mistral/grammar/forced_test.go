package grammar

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLongest(t *testing.T) {
	// Tokens 0-255 are the single bytes; "a" again as 256 (a normal piece
	// after the byte tokens, as in SentencePiece vocabularies).
	toks := NewTokens(byteVocab("a", "ab", "abc", "b c", ""))
	for _, tc := range []struct {
		text string
		id   int32
		n    int
	}{
		{"abcd", 258, 3},
		{"abd", 257, 2},
		{"a", 256, 1},
		{"b c", 259, 3},
		{"b", 'b', 1},
		{"", -1, 0},
	} {
		id, n := toks.Longest([]byte(tc.text))
		assert.Equal(t, tc.id, id, tc.text)
		assert.Equal(t, tc.n, n, tc.text)
	}
}

func TestSpell(t *testing.T) {
	g, err := Parse(`root ::= "ab" [xy] "c" | "abz"`)
	require.NoError(t, err)
	ix := NewIndex(g, NewTokens(byteVocab("a", "ab", "abx", "abxc", "abzz")))
	m := ix.NewMatcher()
	for _, tc := range []struct {
		text string
		id   int32
		n    int
	}{
		{"abxc", 259, 4}, // the whole text in one token
		{"abyc", 257, 2}, // "aby" is no token
		{"abzz", 257, 2}, // "abzz" is a token, but the grammar refuses it
		{"b", -1, 0},     // no allowed token
		{"a", 256, 1},    // the normal piece over the byte token
		{"abx", 258, 3},  // a prefix of a sentence
		{"", -1, 0},
	} {
		id, n := m.Spell([]byte(tc.text))
		assert.Equal(t, tc.id, id, tc.text)
		assert.Equal(t, tc.n, n, tc.text)
	}
	// Spell of the shortest completion finishes the text.
	require.NoError(t, m.AcceptBytes([]byte("ab")))
	id, n := m.Spell(m.Completion())
	require.Positive(t, n)
	require.NoError(t, m.Accept(id))
}

func TestForced(t *testing.T) {
	schema := `{"type": "object", "properties": {"kind": {"const": "point"}, "x": {"type": "integer"}, "tag": {"enum": ["alpha", "alps"]}},
		"required": ["kind", "x", "tag"], "additionalProperties": false}`
	g, err := JSONSchema([]byte(schema), SchemaOptions{Compact: true})
	require.NoError(t, err)
	m := NewIndex(g, byteTokens()).NewMatcher()
	for _, step := range []struct{ read, forced string }{
		{"", ""}, // white space may come first
		{"{", `"kind":"point","x":`},
		{`"kind":"point","x":`, ""}, // any integer
		{"12", ""},                  // more digits, or the comma
		{",", `"tag":"alp`},
		{`"tag":"alp`, ""}, // alpha or alps
		{"s", `"}`},
		{`"}`, ""}, // done
	} {
		if step.read != "" {
			require.NoError(t, m.AcceptBytes([]byte(step.read)), step.read)
		}
		assert.Equal(t, step.forced, string(m.Forced()), "after %q", step.read)
	}
	assert.True(t, m.Done())

	// Forced leaves the Matcher as it was.
	m.Reset()
	require.NoError(t, m.AcceptBytes([]byte("{")))
	before := m.Clone()
	_ = m.Forced()
	assert.Equal(t, before.Completion(), m.Completion())
	require.NoError(t, m.AcceptBytes([]byte(`"kind":"point","x":1,"tag":"alps"}`)))
	assert.True(t, m.Done())
}
