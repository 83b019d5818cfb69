package grammar_test

import (
	"errors"
	"fmt"

	"github.com/gomistral/gomistral/mistral/grammar"
)

// words is a tiny vocabulary for the examples: a real one comes from
// grammar.FromTokenizer.
type words []string

func (w words) Len() int              { return len(w) }
func (w words) Bytes(id int32) []byte { return []byte(w[id]) }

func allowed(m *grammar.Matcher, v words) []string {
	mask := grammar.NewMask(v.Len())
	m.Allowed(mask)
	var out []string
	for id := range int32(v.Len()) {
		if mask.Has(id) {
			out = append(out, v[id])
		}
	}
	return out
}

func ExampleParse() {
	g, err := grammar.Parse(`
# A yes/no answer, then a reason.
root   ::= answer ", because " reason "."
answer ::= "yes" | "no"
reason ::= [a-z ]+
`)
	if err != nil {
		fmt.Println(err)
		return
	}
	v := words{"</s>", "y", "yes", "no", "n", ",", ", because", " because ", "it", " is", ".", "!"}
	m := grammar.NewMatcher(g, v)
	fmt.Println(allowed(m, v))
	for _, w := range []string{"yes", ", because", " ", "it", " is", "."} {
		if err := m.AcceptBytes([]byte(w)); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Println(m.Complete(), m.Done())
	// Output:
	// [y yes no n]
	// true true
}

func ExampleParse_error() {
	_, err := grammar.Parse(`
root ::= item ("," item)*
item ::= [a-z]+ | numbr
`)
	fmt.Println(err)
	var se *grammar.SyntaxError
	fmt.Println(errors.As(err, &se), se.Line, se.Column)
	// Output:
	// grammar: line 3, column 19: undefined rule numbr
	// true 3 19
}

func ExampleJSON() {
	v := words{"", " {", "{", `"`, `"a`, `":`, " 1", "}", "},"} // token 0 is EOS
	m := grammar.NewMatcher(grammar.JSON(grammar.JSONOptions{ObjectOnly: true}), v)
	fmt.Printf("at first: %q\n", allowed(m, v))
	for _, w := range []string{" {", `"a`, `":`, " 1", "}"} {
		if err := m.AcceptBytes([]byte(w)); err != nil {
			fmt.Println(err)
		}
		fmt.Printf("after %-5q %q complete=%t done=%t\n", w, allowed(m, v), m.Complete(), m.Done())
	}
	// Output:
	// at first: [" {" "{"]
	// after " {"  ["\"" "\"a" "\":" "}"] complete=false done=false
	// after "\"a" [" {" "{" "\"" "\":" " 1" "}" "},"] complete=false done=false
	// after "\":" [" {" "{" "\"" "\"a" "\":" " 1"] complete=false done=false
	// after " 1"  ["}"] complete=false done=false
	// after "}"   [] complete=true done=true
}

func ExampleJSONSchema() {
	g, err := grammar.JSONSchema([]byte(`{
		"type": "object",
		"properties": {
			"answer": {"enum": ["yes", "no"]},
			"confidence": {"type": "integer", "minimum": 0, "maximum": 100}
		},
		"required": ["answer"],
		"additionalProperties": false
	}`), grammar.SchemaOptions{Compact: true})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Print(g)

	_, err = grammar.JSONSchema([]byte(`{"type": "array", "uniqueItems": true}`), grammar.SchemaOptions{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, grammar.ErrUnsupported))
	// Output:
	// root ::= [\t\n\r ]{0,20} doc
	// doc  ::= "{\"answer\":" ("\"yes\"" | "\"no\"") (",\"confidence\":" ([0-9] | [1-9] [0-9] | "100"))? "}"
	// grammar: schema /: uniqueItems: true is supported for items of at most 64 values (enum, const, boolean, null)
	// true
}

// A sampler stage and a generation loop, as the package documentation
// describes them, over a vocabulary where token 0 is EOS.
func ExampleMatcher() {
	v := words{"", "[", "1", "2", ",", "]", " "}
	const eos = 0 // EOS: no bytes
	ix := grammar.NewIndex(grammar.JSON(grammar.JSONOptions{}), grammar.NewTokens(v))
	m := ix.NewMatcher()
	mask := grammar.NewMask(v.Len())
	model := []int32{1, 2, 6, 3, 4, 3, 5, 6} // what the model would pick first
	var text []byte
	for _, id := range model {
		m.Allowed(mask) // the sampler stage
		if m.Complete() {
			mask.Set(eos)
		}
		if !mask.Has(id) {
			fmt.Printf("%q is masked\n", v[id])
			continue
		}
		if id == eos {
			break
		}
		if err := m.Accept(id); err != nil {
			fmt.Println(err)
			return
		}
		text = append(text, v[id]...)
		if m.Done() {
			break
		}
	}
	fmt.Printf("%s\n", text)
	// Output:
	// "2" is masked
	// [1 ,2]
}
