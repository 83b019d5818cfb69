package grammar

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// acceptText feeds text to a fresh Matcher of g byte by byte and reports
// whether all of it is accepted and whether it is then complete.
func acceptText(g *Grammar, text string) (accepted, complete bool) {
	m := NewMatcher(g, byteVocab())
	for i := 0; i < len(text); i++ {
		if m.Accept(int32(text[i])) != nil {
			return false, false
		}
	}
	return true, m.Complete()
}

// jsonCorpus holds texts to compare with encoding/json: valid ones, and
// invalid ones, valid prefixes or not.
var jsonCorpus = []string{
	`{}`, `[]`, `""`, `0`, `-0`, `12`, `-12.5e+3`, `1E-2`, `0.0`, `true`, `false`, `null`,
	`{"a":1}`, `{"a": [1, 2, {"b": null}], "c": "d"}`, "[\n  1,\n  2\n]", ` {"x": "y"}`,
	`"\"\\\/\b\f\n\r\t"`, `"\u00e9\uD83D\uDE00"`, `"é日本😀"`, `[[[[]]]]`, `{"":""}`,
	"\"\x7f\"", `"\ud800"`,
	// Invalid.
	`{`, `[`, `"`, `-`, `0.`, `1e`, `1e+`, `+5`, `01`, `.5`, `1.e5`, `"\x"`, `"\u00g0"`,
	`{"a" 1}`, `{"a":}`, `[1,]`, `{,}`, `nul`, `nulll`, `tru`, `[1 2]`, `{"a":1,}`, `'a'`,
	"\"a\nb\"", "\"\x01\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xf5\x80\x80\x80\"",
	"\"\xc0\x80\"", `{"a":1}}`, `[]]`, `1 2`, `"a" "b"`, `{1:2}`, `NaN`, `Infinity`, `-Infinity`,
}

func TestJSONAgreesWithEncodingJSON(t *testing.T) {
	g := JSON(JSONOptions{})
	for _, text := range jsonCorpus {
		accepted, complete := acceptText(g, text)
		// encoding/json accepts invalid UTF-8 in strings; the grammar does not.
		valid := json.Valid([]byte(text)) && utf8.ValidString(text)
		assert.Equal(t, valid, accepted && complete, "%q", text)
	}
}

func TestJSONObjectOnly(t *testing.T) {
	g := JSON(JSONOptions{ObjectOnly: true})
	for text, want := range map[string]bool{`{}`: true, ` {"a": [1]}`: true, `[]`: false, `1`: false, `"a"`: false, `null`: false} {
		accepted, complete := acceptText(g, text)
		assert.Equal(t, want, accepted && complete, "%q", text)
	}
}

func TestJSONWhitespace(t *testing.T) {
	for _, tc := range []struct {
		opt     JSONOptions
		text    string
		allowed bool
	}{
		{JSONOptions{}, "[" + strings.Repeat(" ", DefaultMaxSpace) + "1]", true},
		{JSONOptions{}, "[" + strings.Repeat(" ", DefaultMaxSpace+1) + "1]", false},
		{JSONOptions{}, strings.Repeat("\n", DefaultMaxSpace) + "1", true},
		{JSONOptions{}, strings.Repeat("\n", DefaultMaxSpace+1) + "1", false},
		{JSONOptions{MaxSpace: 2}, "[1 ,  2]", true},
		{JSONOptions{MaxSpace: 2}, "[1,   2]", false},
		{JSONOptions{Compact: true}, " [1,2]", true},
		{JSONOptions{Compact: true}, "[1, 2]", false},
		{JSONOptions{}, "[1] ", false}, // nothing after the document
	} {
		accepted, complete := acceptText(JSON(tc.opt), tc.text)
		assert.Equal(t, tc.allowed, accepted && complete, "%+v %q", tc.opt, tc.text)
	}
}

func TestJSONDone(t *testing.T) {
	m := NewMatcher(JSON(JSONOptions{}), byteVocab())
	for _, b := range []byte(` {"a": 1`) {
		require.NoError(t, m.Accept(int32(b)))
		assert.False(t, m.Complete())
	}
	require.NoError(t, m.Accept('}'))
	assert.True(t, m.Complete())
	assert.True(t, m.Done())

	m = NewMatcher(JSON(JSONOptions{}), byteVocab())
	require.NoError(t, m.Accept('1'))
	assert.True(t, m.Complete())
	assert.False(t, m.Done(), "a number may go on")
}

// TestJSONRandomWalks generates random JSON with Mistral's vocabulary and
// checks every document with encoding/json.
func TestJSONRandomWalks(t *testing.T) {
	_, toks := mistralTokens(t)
	walks := walkCount(10)
	for _, opt := range []JSONOptions{{}, {ObjectOnly: true}, {MaxSpace: 3}} {
		ix := NewIndex(JSON(opt), toks)
		rng := rand.New(rand.NewPCG(1, uint64(opt.MaxSpace)))
		for range walks {
			text := randomWalk(t, ix.NewMatcher(), rng, walkOptions{free: 30, stop: 0.3, check: 4})
			var v any
			require.NoError(t, json.Unmarshal(text, &v), "%q", text)
			if opt.ObjectOnly {
				assert.IsType(t, map[string]any{}, v, "%q", text)
			}
		}
	}
}
