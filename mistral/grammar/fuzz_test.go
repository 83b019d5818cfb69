package grammar

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/gomistral/gomistral/internal/jsonschema"
)

// FuzzParse reads arbitrary grammars: no panic, no hang, and what parses
// prints to text that parses to the same.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`root ::= "a"`, jsonGrammar, `root ::= [^"\\]* | x{2,5}` + "\nx ::= ( \"b\" | [c-e] )+ # c",
		"root ::= a\na ::= \"x\" a | \"\"", `root ::= "\u00e9\x41" [\]\-] .?`, "root ::= a\na ::= a \"x\"",
		`root ::= "a"{3,2}`, `root ::= [`, "root ::= (((", `root ::= "\U0010FFFF"`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		g, err := Parse(src)
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error of type %T: %v", err, err)
				}
			}
			return
		}
		again, err := Parse(g.String())
		if err != nil {
			t.Fatalf("%q prints as %q, which does not parse: %v", src, g.String(), err)
		}
		if again.String() != g.String() {
			t.Fatalf("%q prints as %q, then as %q", src, g.String(), again.String())
		}
	})
}

// FuzzJSON compares the grammar of JSON with encoding/json: a text the
// grammar accepts whole is valid JSON; valid JSON within the grammar's
// limits (UTF-8, white space, number sizes, nothing after the value) is
// accepted.
func FuzzJSON(f *testing.F) {
	for _, s := range jsonCorpus {
		f.Add(s)
	}
	g := JSON(JSONOptions{})
	m := NewMatcher(g, byteVocab())
	f.Fuzz(func(t *testing.T, text string) {
		m.Reset()
		accepted := text != "" && m.AcceptBytes([]byte(text)) == nil && m.Complete()
		valid := json.Valid([]byte(text)) && utf8.ValidString(text)
		if accepted && !valid {
			t.Fatalf("the grammar accepts invalid JSON %q", text)
		}
		if valid && !accepted && withinLimits(text) {
			t.Fatalf("the grammar refuses valid JSON %q", text)
		}
	})
}

// withinLimits reports whether valid JSON text keeps to the limits of the
// JSON grammar: white space runs, number sizes, nothing after the value.
func withinLimits(text string) bool {
	if strings.TrimRight(text, " \t\r\n") != text {
		return false
	}
	d := json.NewDecoder(strings.NewReader(text))
	d.UseNumber()
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		if n, ok := tok.(json.Number); ok {
			mant, exp, _ := strings.Cut(strings.ToLower(string(n)), "e")
			intPart, _, _ := strings.Cut(strings.TrimPrefix(mant, "-"), ".")
			if len(intPart) > maxIntDigits || len(strings.TrimLeft(exp, "+-")) > maxExpDigits {
				return false
			}
		}
	}
	run := 0
	inString, escaped := false, false
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
			run = 0
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			run++
			if run > DefaultMaxSpace {
				return false
			}
		default:
			run = 0
		}
	}
	return true
}

// FuzzJSONSchema compiles arbitrary schemas: no panic, no hang; an error,
// or a grammar whose documents are valid (one sampled, checked by
// internal/jsonschema).
func FuzzJSONSchema(f *testing.F) {
	for _, s := range testSchemas {
		f.Add(s.schema)
	}
	f.Add(`{"type": "integer", "minimum": -99999, "maximum": 99999}`)
	f.Add(`{"type": "string", "pattern": "^(a|b)*c{2,3}$"}`)
	f.Add(`{"oneOf": [{"type": "number", "multipleOf": 0.5}, {"not": {"minimum": 3}}], "maximum": 10.25}`)
	f.Add(`{"properties": {"a": {"const": 1}}, "patternProperties": {"^b": {"type": "string"}}, "minProperties": 2}`)
	f.Fuzz(func(t *testing.T, schema string) {
		g, err := JSONSchema([]byte(schema), SchemaOptions{})
		if err != nil {
			switch err.(type) {
			case *SchemaError, *Error:
			default:
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		v, err := jsonschema.Compile([]byte(schema))
		if err != nil {
			return // the validator cannot read it
		}
		rng := rand.New(rand.NewPCG(uint64(len(schema)), 1))
		doc := sampleDocument(t, NewMatcher(g, byteVocab()), rng, 1)
		if err := v.Validate(doc); err != nil {
			t.Fatalf("schema %s: document %s: %v", schema, doc, err)
		}
	})
}
