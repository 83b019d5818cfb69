package grammar

import (
	"fmt"
	"sync"
)

// DefaultMaxSpace is the most white space characters JSON and JSONSchema
// allow between two tokens of JSON when the options leave it at zero.
const DefaultMaxSpace = 20

// Limits of JSON numbers, so that every number the grammars allow is a
// finite float64: digits before the decimal point, digits of the exponent.
const (
	maxIntDigits = 20
	maxExpDigits = 2
)

// JSONOptions shape the grammar of JSON. The zero value allows any JSON
// value, with up to DefaultMaxSpace white space characters before it and
// between its tokens.
type JSONOptions struct {
	// ObjectOnly restricts the document to a JSON object.
	ObjectOnly bool
	// MaxSpace is the most white space characters (space, tab, line feed,
	// carriage return) allowed before the document and between two of its
	// tokens, so that a model cannot pad without end. Zero means
	// DefaultMaxSpace.
	MaxSpace int
	// Compact allows no white space at all, except before the document;
	// MaxSpace then only bounds that.
	Compact bool
}

func (o JSONOptions) space() (before, between int) {
	n := o.MaxSpace
	if n <= 0 {
		n = DefaultMaxSpace
	}
	if o.Compact {
		return n, 0
	}
	return n, n
}

// JSON returns the grammar of a JSON document (RFC 8259): any value, or
// an object only, with white space before it (the first token of an
// answer often starts with a space) and between its tokens, bounded by
// opt. Nothing may follow the document: once an object or array is
// closed, the Matcher is Done. Strings may hold any escape, \uXXXX
// included, and must be valid UTF-8. Numbers have the full syntax (sign,
// fraction, exponent) with at most 20 digits before the point and 2 in
// the exponent, so that every number fits a float64.
func JSON(opt JSONOptions) *Grammar {
	before, between := opt.space()
	key := fmt.Sprintf("%t/%d/%d", opt.ObjectOnly, before, between)
	jsonCache.Lock()
	defer jsonCache.Unlock()
	if g, ok := jsonCache.m[key]; ok {
		return g
	}
	top := "value"
	if opt.ObjectOnly {
		top = "object"
	}
	src := fmt.Sprintf(jsonGrammar, top, before, between, maxIntDigits-1, maxExpDigits)
	g := MustParse(src)
	if jsonCache.m == nil {
		jsonCache.m = map[string]*Grammar{}
	}
	jsonCache.m[key] = g
	return g
}

// jsonCache keeps the grammars of JSON made so far, by options.
var jsonCache struct {
	sync.Mutex
	m map[string]*Grammar
}

// jsonGrammar is the grammar of JSON: the start value, the white space
// before it, and between tokens.
const jsonGrammar = `
root    ::= [ \t\n\r]{0,%[2]d} %[1]s
value   ::= object | array | string | number | "true" | "false" | "null"
object  ::= "{" ws ( string ws ":" ws value ws ( "," ws string ws ":" ws value ws )* )? "}"
array   ::= "[" ws ( value ws ( "," ws value ws )* )? "]"
string  ::= "\"" char* "\""
char    ::= [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" hex hex hex hex )
hex     ::= [0-9a-fA-F]
number  ::= "-"? ( "0" | [1-9] [0-9]{0,%[4]d} ) ( "." [0-9]+ )? ( [eE] [-+]? [0-9]{1,%[5]d} )?
ws      ::= [ \t\n\r]{0,%[3]d}
`
