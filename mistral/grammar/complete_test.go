package grammar

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCompletion: from any prefix of a JSON document, the completion makes
// a valid document, and it is the shortest one.
func TestCompletion(t *testing.T) {
	toks := byteTokens()
	ix := NewIndex(JSON(JSONOptions{Compact: true}), toks)
	cases := map[string]string{
		``:                `0`,
		`{`:               `}`,
		`{"a`:             `":0}`,
		`{"a":[1,{"b":"x`: `"}]}`,
		`[tru`:            `e]`,
		`{"a":-`:          `0}`,
		`"\u00`:           `00"`,
		`{"k":"é`:         `"}`,
		`[[[[`:            `]]]]`,
		`{"a":1}`:         ``,
		`{"x":[1,2`:       `]}`,
	}
	for prefix, want := range cases {
		m := ix.NewMatcher()
		if prefix != "" {
			require.NoError(t, m.AcceptBytes([]byte(prefix)), "prefix %q", prefix)
		}
		got := m.Completion()
		require.NotNil(t, got, "prefix %q", prefix)
		assert.Len(t, got, len(want), "prefix %q: completion %q, want one as short as %q", prefix, got, want)
		var v any
		assert.NoError(t, json.Unmarshal([]byte(prefix+string(got)), &v), "prefix %q + completion %q", prefix, got)
		if len(got) > 0 {
			require.NoError(t, m.AcceptBytes(got))
		}
		assert.True(t, m.Complete(), "prefix %q + completion %q is complete", prefix, got)
	}
}

// byteTokens is a vocabulary of the 256 single bytes.
func byteTokens() *Tokens { return NewTokens(byteVocab()) }
