package grammar

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseAndPrint(t *testing.T) {
	for _, tc := range []struct {
		src, want string
	}{
		{`root ::= "a"`, `root ::= "a"` + "\n"},
		{"# a comment\nroot ::= x y # another\n  | \"z\"\nx ::= [a-c]\ny ::= \"\"", "root ::= x y | \"z\"\nx    ::= [a-c]\ny    ::= \"\"\n"},
		{`root ::= ("a" | "b")* "c"+ "d"? "e"{2} "f"{1,} "g"{0,3} "h"{,4}`, `root ::= ("a" | "b")* "c"+ "d"? "e"{2} "f"+ "g"{0,3} "h"{0,4}` + "\n"},
		{`root ::= [^"\\] . [\]\-\^] "\n\t\x41\u00e9\U0001F600\""`, `root ::= [^"\\] . [\-\]\^] "\n\tAé😀\""` + "\n"},
		{`root ::= "a" ("b" "c") ("d")`, `root ::= "abcd"` + "\n"},
		{`root ::= (("a")*)*`, `root ::= ("a"*)*` + "\n"},
		{"root::=a\na::=\"x\"|\"\"", "root ::= a\na    ::= \"x\" | \"\"\n"},
		{`root ::= [a-zA-Z_] [a-zA-Z0-9_-]*`, `root ::= [A-Z_a-z] [\-0-9A-Z_a-z]*` + "\n"},
	} {
		g, err := Parse(tc.src)
		require.NoError(t, err, tc.src)
		assert.Equal(t, tc.want, g.String(), tc.src)
		again, err := Parse(g.String())
		require.NoError(t, err, g.String())
		assert.Equal(t, g.String(), again.String())
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		src       string
		line, col int
		msg       string
	}{
		{``, 1, 1, "no rule named root"},
		{`start ::= "a"`, 1, 1, "no rule named root"},
		{`root ::= valu`, 1, 10, "undefined rule valu"},
		{"root ::= \"a\"\nother ::= \"b\"", 2, 1, "rule other is never used"},
		{"root ::= \"a\"\nroot ::= \"b\"", 2, 1, "defined twice"},
		{`root ::= "a" | | "b"`, 1, 16, "expected an expression"},
		{`root ::= "a" |`, 1, 15, "expected an expression"},
		{`root ::=`, 1, 9, "expected an expression"},
		{`root ::= ()`, 1, 11, "expected an expression"},
		{`root ::= "abc`, 1, 10, "unterminated literal"},
		{"root ::= \"ab\ncd\"", 1, 10, "unterminated literal"},
		{`root ::= [abc`, 1, 10, "unterminated character class"},
		{`root ::= []`, 1, 10, "empty character class"},
		{`root ::= [^\x00-\U0010FFFF]`, 1, 10, "matches no character"},
		{`root ::= [z-a]`, 1, 12, "backwards"},
		{`root ::= "\q"`, 1, 11, `unknown escape \q`},
		{`root ::= "\x4"`, 1, 11, "2 hexadecimal digits"},
		{`root ::= "\uD800"`, 1, 11, "not a Unicode character"},
		{`root ::= "\U00110000"`, 1, 11, "not a Unicode character"},
		{`root ::= "a"**`, 1, 14, "repetition of a repetition"},
		{`root ::= *"a"`, 1, 10, "nothing to repeat"},
		{`root ::= "a"{3,2}`, 1, 13, "below the minimum"},
		{`root ::= "a"{,}`, 1, 13, "needs at least one count"},
		{`root ::= "a"{99999}`, 1, 14, "too large"},
		{`root ::= "a"{2`, 1, 15, "expected }"},
		{`root ::= ("a"`, 1, 14, "expected )"},
		{`root ::= "a" )`, 1, 14, "unexpected ')'"},
		{"root ::= \"a\" \xff", 1, 14, "not UTF-8"},
		{`root ::= "a" @`, 1, 14, "unexpected '@'"},
		{"root ::= \"x\"\n3abc ::= \"y\"", 2, 1, "unexpected '3'"},
		{"root ::= x\nx ::= x \"a\" | \"b\"", 2, 1, "left recursion (x -> x)"},
		{"root ::= a\na ::= b \"x\"\nb ::= \"c\"? a | \"d\"", 2, 1, "left recursion (a -> b -> a)"},
		{"root ::= a\na ::= \"x\" a", 2, 1, "can never finish"},
		{"root ::= a | \"z\"\na ::= \"x\" b\nb ::= \"y\" a", 2, 1, "can never finish"},
	} {
		_, err := Parse(tc.src)
		var se *SyntaxError
		require.True(t, errors.As(err, &se), "%q: %v", tc.src, err)
		assert.Equal(t, tc.line, se.Line, "%q: %v", tc.src, err)
		assert.Equal(t, tc.col, se.Column, "%q: %v", tc.src, err)
		assert.Contains(t, se.Msg, tc.msg, tc.src)
		assert.True(t, strings.HasPrefix(err.Error(), "grammar: line "), err.Error())
	}
}

func TestLeftRecursionThroughNullable(t *testing.T) {
	// b is nullable, so a is reached again before any byte is read.
	_, err := Parse("root ::= a\na ::= b a \"x\" | \"y\"\nb ::= \"z\"*")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "left recursion")
	// Right recursion is fine.
	_, err = Parse("root ::= a\na ::= \"x\" a | \"y\"")
	require.NoError(t, err)
}

func TestGrammarTooLarge(t *testing.T) {
	_, err := Parse(`root ::= ((([^a]{10000}){10000}){10000})`)
	var ge *Error
	require.ErrorAs(t, err, &ge)
	assert.Contains(t, err.Error(), "too large")
}
