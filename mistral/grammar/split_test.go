package grammar

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// A splitCase is a text and what a grammar makes of it: complete, a valid
// prefix only, or refused at byte reject (the first byte that cannot
// continue a valid prefix; -1 if none).
type splitCase struct {
	text     string
	complete bool
	reject   int
}

// substringVocab returns the 256 bytes, then every substring of text of
// two bytes or more, and the id of each.
func substringVocab(text string) (listVocab, map[string]int32) {
	v := byteVocab()
	ids := map[string]int32{}
	for i := range 256 {
		ids[string([]byte{byte(i)})] = int32(i)
	}
	for i := 0; i < len(text); i++ {
		for j := i + 2; j <= len(text); j++ {
			if _, ok := ids[text[i:j]]; !ok {
				ids[text[i:j]] = int32(len(v))
				v = append(v, text[i:j])
			}
		}
	}
	return v, ids
}

// checkSplits cuts text into three tokens at every pair of points and
// feeds them to a Matcher of g, checking the mask and Accept of each
// against the case.
func checkSplits(t *testing.T, g *Grammar, tc splitCase) {
	t.Helper()
	v, ids := substringVocab(tc.text)
	ix := NewIndex(g, NewTokens(v))
	mask := NewMask(len(v))
	n := len(tc.text)
	for i := 0; i <= n; i++ {
		for j := i; j <= n; j++ {
			m := ix.NewMatcher()
			cuts := []int{0, i, j, n}
			rejected := false
			for k := 0; k < 3 && !rejected; k++ {
				from, to := cuts[k], cuts[k+1]
				if from == to {
					continue
				}
				id := ids[tc.text[from:to]]
				want := tc.reject < 0 || tc.reject >= to
				m.Allowed(mask)
				where := fmt.Sprintf("%q cut %d,%d: token %q", tc.text, i, j, tc.text[from:to])
				require.Equal(t, want, mask.Has(id), "%s: mask", where)
				err := m.Accept(id)
				require.Equal(t, want, err == nil, "%s: Accept: %v", where, err)
				rejected = !want
			}
			if !rejected {
				require.Equal(t, tc.complete, m.Complete(), "%q cut %d,%d: Complete", tc.text, i, j)
			}
		}
	}
}

func TestSplitJSON(t *testing.T) {
	g := JSON(JSONOptions{})
	for _, tc := range []splitCase{
		// Strings and escapes.
		{`"a\"b"`, true, -1},
		{`"\\"`, true, -1},
		{`"\u00e9"`, true, -1},
		{`"\uD83D\uDE00 \/\b\f\n\r\t"`, true, -1},
		{`"\x"`, false, 2},
		{`"\u00g9"`, false, 5},
		{`"abc`, false, -1},
		{"\"a\tb\"", false, 2},
		// Multi-byte characters, cut anywhere: é, 日本, an emoji.
		{`"é"`, true, -1},
		{`"日本"`, true, -1},
		{`"😀!"`, true, -1},
		{"\"\xf0\x9f\x98", false, -1},      // an emoji not finished
		{"\"\xc3\x28\"", false, 2},         // a lead byte without its continuation
		{"\"\xed\xa0\x80\"", false, 2},     // a surrogate
		{"\"\xc0\xaf\"", false, 1},         // an overlong encoding
		{"\"\xf4\x90\x80\x80\"", false, 2}, // beyond U+10FFFF
		// Numbers.
		{`-`, false, -1},
		{`0.`, false, -1},
		{`1e`, false, -1},
		{`1e+`, false, -1},
		{`-0.25e-3`, true, -1},
		{`+5`, false, 0},
		{`01`, false, 1},
		{`1.e5`, false, 2},
		{`[1, -2.5, 3e2]`, true, -1},
		// Structure.
		{`{"key": "value", "n": [true, null]}`, true, -1},
		{`{"a" 1}`, false, 5},
		{`[1,]`, false, 3},
		{` {"é": "日本"}`, true, -1},
	} {
		checkSplits(t, g, tc)
	}
}

func TestSplitGrammar(t *testing.T) {
	g := MustParse(`
root  ::= greeting (" " name)? "!"
greeting ::= "hello" | "hi" | "héllo"
name  ::= [A-Z] [a-zé]*
`)
	for _, tc := range []splitCase{
		{"hello World!", true, -1},
		{"héllo Zoé!", true, -1},
		{"hi!", true, -1},
		{"hi", false, -1},
		{"hey", false, 2},
		{"hello world!", false, 6},
		{"hello!!", false, 6},
	} {
		checkSplits(t, g, tc)
	}
}
