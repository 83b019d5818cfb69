package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
)

// testSchemas are schemas exercised by random walks, each with what it
// shows.
var testSchemas = []struct {
	name, schema string
}{
	{"person", `{
		"type": "object",
		"properties": {
			"name": {"type": "string", "minLength": 1, "maxLength": 12},
			"age": {"type": "integer", "minimum": 0, "maximum": 150},
			"email": {"type": "string", "format": "email"},
			"tags": {"type": "array", "items": {"type": "string", "maxLength": 5}, "maxItems": 3},
			"active": {"type": "boolean"}
		},
		"required": ["name", "age"],
		"additionalProperties": false
	}`},
	{"all optional", `{"properties": {"a": {"type": "integer"}, "b": {"type": "null"}, "c": {"enum": ["x", 1, null, [1, 2], {"k": "v"}]}}}`},
	{"extra properties", `{"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string", "maxLength": 4}}, "additionalProperties": {"type": "number", "minimum": 0, "maximum": 9}}`},
	{"open object", `{"type": "object"}`},
	{"any", `{}`},
	{"types", `{"type": ["string", "null", "integer"], "maxLength": 3, "minimum": -5, "maximum": 5}`},
	{"numbers", `{"type": "array", "minItems": 2, "maxItems": 6, "items": {"anyOf": [
		{"type": "number", "minimum": -3, "exclusiveMaximum": 2},
		{"type": "integer", "exclusiveMinimum": 1000, "maximum": 123456},
		{"type": "number", "exclusiveMinimum": true, "minimum": 7},
		{"type": "number"}]}}`},
	{"formats", `{"type": "object", "properties": {
		"date": {"type": "string", "format": "date"},
		"time": {"type": "string", "format": "time"},
		"when": {"type": "string", "format": "date-time"},
		"id": {"type": "string", "format": "uuid"},
		"ip": {"type": "string", "format": "ipv4"}},
		"required": ["date", "time", "when", "id", "ip"]}`},
	{"patterns", `{"type": "array", "minItems": 1, "items": {"anyOf": [
		{"type": "string", "pattern": "^[A-Z]{2}-\\d{3,5}$"},
		{"type": "string", "pattern": "^[aA][bB]+[cC]$"},
		{"type": "string", "pattern": "x\"y"},
		{"type": "string", "pattern": "^[^a-z\\\\\"]*$"}]}}`},
	{"recursive", `{
		"$ref": "#/$defs/tree",
		"$defs": {"tree": {"type": "object", "properties": {
			"value": {"type": "integer"},
			"children": {"type": "array", "items": {"$ref": "#/$defs/tree"}, "maxItems": 2}},
			"required": ["value"]}}}`},
	{"definitions", `{"definitions": {"color": {"enum": ["red", "green"]}}, "type": "object",
		"properties": {"fg": {"$ref": "#/definitions/color"}, "bg": {"allOf": [{"$ref": "#/definitions/color"}]},
		"const": {"const": {"a": [true, "é\"\\"]}}}, "required": ["fg", "bg", "const"]}`},
	{"required elsewhere", `{"properties": {"a": {"type": "integer"}}, "required": ["b"]}`},
	{"escape names", `{"type": "object", "properties": {"a/b": {"type": "integer"}, "say \"hi\"": {"type": "boolean"}, "é": {"type": "null"}}, "required": ["say \"hi\""]}`},
	{"allOf merged", `{"allOf": [
		{"type": "object", "properties": {"a": {"type": "integer", "minimum": 0}}, "required": ["a"]},
		{"properties": {"a": {"maximum": 9}, "b": {"type": "string", "maxLength": 3}}, "required": ["b"]}],
		"unevaluatedProperties": false}`},
	{"discriminated oneOf", `{"oneOf": [
		{"type": "object", "properties": {"kind": {"const": "circle"}, "r": {"type": "number", "minimum": 0}}, "required": ["kind", "r"]},
		{"type": "object", "properties": {"kind": {"const": "square"}, "side": {"type": "integer"}}, "required": ["kind", "side"]}]}`},
	{"if then else", `{"type": "object", "properties": {"country": {"enum": ["US", "FR"]}, "code": {"type": "string"}},
		"required": ["country", "code"], "additionalProperties": false,
		"if": {"properties": {"country": {"const": "US"}}},
		"then": {"properties": {"code": {"pattern": "^[0-9]{5}$"}}},
		"else": {"properties": {"code": {"pattern": "^[0-9]{2} [0-9]{3}$"}}}}`},
	{"tuple", `{"type": "array", "prefixItems": [{"type": "string", "format": "uri"}, {"type": "integer"}],
		"items": {"type": "boolean"}, "contains": {"const": true}, "maxItems": 5}`},
	{"bounds and multiples", `{"type": "array", "items": {"anyOf": [
		{"type": "number", "minimum": -1.25, "exclusiveMaximum": 3.5},
		{"type": "integer", "multipleOf": 7, "minimum": -50, "maximum": 100},
		{"type": "number", "multipleOf": 0.01, "maximum": 10, "exclusiveMinimum": -0.5}]}}`},
	{"counted names", `{"type": "object", "propertyNames": {"maxLength": 3}, "minProperties": 1, "maxProperties": 3,
		"additionalProperties": {"type": "integer"}}`},
	{"dependencies", `{"type": "object", "properties": {"card": {"type": "string", "maxLength": 4}, "billing": {"type": "string", "maxLength": 4}},
		"dependentRequired": {"card": ["billing"]}, "dependentSchemas": {"billing": {"properties": {"zip": {"type": "integer"}}, "required": ["zip"]}}}`},
	{"not", `{"type": "object", "properties": {"status": {"type": "string", "maxLength": 8, "not": {"enum": ["deleted", "banned"]}},
		"n": {"not": {"type": ["string", "object", "array", "boolean"]}, "maximum": 5}}, "required": ["status", "n"]}`},
	{"unique", `{"type": "array", "items": {"enum": ["red", "green", "blue", 1, 1.0]}, "uniqueItems": true, "minItems": 1}`},
	{"more formats", `{"type": "array", "prefixItems": [{"format": "hostname"}, {"format": "ipv6"}, {"format": "duration"},
		{"format": "json-pointer"}, {"format": "relative-json-pointer"}, {"format": "uri-reference"}, {"format": "uri-template"},
		{"format": "regex"}, {"format": "idn-email"}], "items": false, "minItems": 9}`},
}

func TestSchemaRandomWalks(t *testing.T) {
	_, toks := mistralTokens(t)
	walks := walkCount(5)
	for i, tc := range testSchemas {
		t.Run(tc.name, func(t *testing.T) {
			g, err := JSONSchema([]byte(tc.schema), SchemaOptions{})
			require.NoError(t, err)
			schema, err := decodeJSON([]byte(tc.schema))
			require.NoError(t, err)
			ix := NewIndex(g, toks)
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			for range walks {
				text := randomWalk(t, ix.NewMatcher(), rng, walkOptions{free: 40, stop: 0.2, check: 2})
				var v any
				require.NoError(t, json.Unmarshal(text, &v), "%q", text)
				require.NoError(t, jsonschema.Validate([]byte(tc.schema), text), "%s", text)
				require.NoError(t, noListedDuplicates(schema, schema, text), "%s", text)
			}
		})
	}
}

// noListedDuplicates checks that no object of text repeats a name listed
// in the properties of its schema (other names may repeat: JSON allows it).
func noListedDuplicates(root, schema any, text []byte) error {
	d := json.NewDecoder(bytes.NewReader(text))
	var check func() error
	check = func() error {
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for d.More() {
				k, _ := d.Token()
				if seen[k.(string)] && listedAnywhere(root, k.(string)) {
					return fmt.Errorf("property %q twice", k)
				}
				seen[k.(string)] = true
				if err := check(); err != nil {
					return err
				}
			}
			_, err = d.Token()
		case json.Delim('['):
			for d.More() {
				if err := check(); err != nil {
					return err
				}
			}
			_, err = d.Token()
		}
		return err
	}
	return check()
}

// listedAnywhere reports whether name is a key of some "properties" in
// the schema document.
func listedAnywhere(v any, name string) bool {
	switch v := v.(type) {
	case *jsonObject:
		if p, ok := v.vals["properties"].(*jsonObject); ok {
			if _, ok := p.vals[name]; ok {
				return true
			}
		}
		for _, k := range v.keys {
			if listedAnywhere(v.vals[k], name) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if listedAnywhere(e, name) {
				return true
			}
		}
	}
	return false
}

func TestSchemaErrors(t *testing.T) {
	for _, tc := range []struct {
		schema, pointer, keyword string
		unsupported              bool
	}{
		{`{"type": "integer", "multipleOf": 1000}`, "", "multipleOf", true},
		{`{"properties": {"a": {"type": "object", "patternProperties": {"(?=x)": {}}}}}`, "/properties/a", "patternProperties", true},
		{`{"properties": {"a/b": {"$dynamicRef": "#x"}}}`, "/properties/a~1b", "$dynamicRef", true},
		{`{"type": "object", "minProperties": 3}`, "", "minProperties", false},
		{`{"type": "array", "uniqueItems": true}`, "", "uniqueItems", true},
		{`{"type": "array", "items": [{}, {}]}`, "", "items", true},
		{`{"type": "array", "items": {"foo": {}}}`, "/items", "foo", true},
		{`{"not": {"type": "string", "pattern": "a"}, "type": "string"}`, "/not", "pattern", true},
		{`{"type": "string", "format": "hostname-ish"}`, "", "format", true},
		{`{"type": "string", "pattern": "\\bword"}`, "", "pattern", true},
		{`{"type": "string", "pattern": "a^b"}`, "", "pattern", true},
		{`{"type": "string", "pattern": "(?=a)"}`, "", "pattern", true},
		{`{"type": "string", "pattern": "(?i)a"}`, "", "pattern", true},
		{`{"type": "string", "pattern": "a", "maxLength": 3}`, "", "pattern", true},
		{`{"type": "integer", "maximum": 1e300}`, "", "maximum", true},
		{`{"type": "number", "minimum": 1e-40}`, "", "minimum", true},
		{`{"allOf": [{"pattern": "a"}, {"pattern": "b"}]}`, "/allOf/1", "pattern", true},
		{`{"oneOf": [{"type": "string", "pattern": "a"}, {"type": "string", "pattern": "b"}]}`, "/oneOf/1", "pattern", true},
		{`{"$ref": "other.json#/a"}`, "", "$ref", true},
		{`{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}`, "/$defs/a", "$ref", true},
		{`{"$ref": "#/$defs/missing"}`, "", "$ref", false},
		{`{"type": "string", "minimum": 1}`, "", "minimum", false},
		{`{"type": "strin"}`, "", "type", false},
		{`{"type": "string", "minLength": 5, "maxLength": 2}`, "", "maxLength", false},
		{`{"type": "string", "maxLength": -1}`, "", "maxLength", false},
		{`{"type": "integer", "minimum": 5, "maximum": 4}`, "", "maximum", false},
		{`{"enum": []}`, "", "enum", false},
		{`{"type": "string", "enum": [1, 2]}`, "", "enum", false},
		{`{"type": "object", "properties": {"a": false}, "required": ["a"]}`, "", "required", false},
		{`{"allOf": [{"type": "string"}, {"type": "integer"}]}`, "/allOf/1", "type", false},
		{`{"oneOf": [true, true]}`, "/oneOf/1", "not", false},
		{`{"anyOf": [false, false]}`, "/anyOf/0", "", false},
		{`{"properties": {"a": 3}}`, "/properties/a", "", false},
		{`{"type": "object", "required": ["a"], "properties": {}, "additionalProperties": false}`, "", "required", false},
		{`[`, "", "", false},
		{`{"a": 1, "a": 2}`, "", "", false},
	} {
		_, err := JSONSchema([]byte(tc.schema), SchemaOptions{})
		var se *SchemaError
		require.ErrorAs(t, err, &se, tc.schema)
		assert.Equal(t, tc.pointer, se.Pointer, "%s: %v", tc.schema, err)
		assert.Equal(t, tc.keyword, se.Keyword, "%s: %v", tc.schema, err)
		assert.Equal(t, tc.unsupported, errors.Is(err, ErrUnsupported), "%s: %v", tc.schema, err)
	}
}

func TestSchemaErrorMessage(t *testing.T) {
	_, err := JSONSchema([]byte(`{"properties": {"x": {"type": "integer", "contentFoo": 3}}}`), SchemaOptions{})
	assert.EqualError(t, err, "grammar: schema /properties/x: contentFoo: keyword not supported")
}

func TestSchemaDescriptiveKeywords(t *testing.T) {
	_, err := JSONSchema([]byte(`{"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "x", "title": "t",
		"description": "d", "$comment": "c", "examples": [1], "default": 1, "deprecated": false,
		"type": "integer", "readOnly": true, "writeOnly": false}`), SchemaOptions{})
	require.NoError(t, err)
}

func TestSchemaRecursionErrors(t *testing.T) {
	// A tree whose children are required never ends.
	_, err := JSONSchema([]byte(`{"$ref": "#/$defs/t", "$defs": {"t": {"type": "object",
		"properties": {"child": {"$ref": "#/$defs/t"}}, "required": ["child"]}}}`), SchemaOptions{})
	assert.ErrorContains(t, err, "can never finish")
	_, err = JSONSchema([]byte(`{"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/a"}}}`), SchemaOptions{})
	assert.ErrorContains(t, err, "left recursion")
}

// TestIntegerRanges checks the grammar of bounded integers against
// arithmetic, for every integer near the bounds.
func TestIntegerRanges(t *testing.T) {
	bounds := []*int64{nil}
	for _, b := range []int64{-1001, -100, -10, -9, -1, 0, 1, 9, 10, 99, 100, 123, 1000} {
		bounds = append(bounds, &b)
	}
	for _, lo := range bounds {
		for _, hi := range bounds {
			if lo != nil && hi != nil && *lo > *hi {
				continue
			}
			g, err := newGrammar([]*rule{{name: "root", body: intExpr(lo, hi)}}, "root")
			require.NoError(t, err)
			m := NewMatcher(g, byteVocab())
			for x := int64(-1100); x <= 1100; x++ {
				if -990 < x && x < -130 || 130 < x && x < 990 {
					continue // far from every bound
				}
				want := (lo == nil || x >= *lo) && (hi == nil || x <= *hi)
				assert.Equal(t, want, accepts(m, strconv.FormatInt(x, 10)), "%d in [%v, %v]", x, show(lo), show(hi))
			}
			for _, bad := range []string{"-0", "00", "01", "-01", "+1", ""} {
				assert.False(t, accepts(m, bad), bad)
			}
		}
	}
}

func show(p *int64) string {
	if p == nil {
		return "∞"
	}
	return strconv.FormatInt(*p, 10)
}

// accepts reports whether m, reset, accepts text as a whole sentence.
func accepts(m *Matcher, text string) bool {
	m.Reset()
	return text != "" && m.AcceptBytes([]byte(text)) == nil && m.Complete()
}

// TestNumberRanges checks the grammar of bounded numbers against exact
// arithmetic, for decimals near the bounds.
func TestNumberRanges(t *testing.T) {
	var numbers []string
	for i := -12; i <= 12; i++ {
		for _, f := range []string{"", ".0", ".00", ".5", ".01", ".999", ".000001"} {
			numbers = append(numbers, fmt.Sprintf("%d%s", i, f))
		}
		numbers = append(numbers, fmt.Sprintf("-0.%d", i*i+1))
	}
	numbers = append(numbers, "1e2", "-0", "-0.0", "00.5", "1.", ".5")
	for _, b := range []string{
		`"minimum": 0`, `"minimum": -3`, `"exclusiveMinimum": -3`, `"maximum": 5`, `"exclusiveMaximum": 5`,
		`"minimum": -2, "maximum": 3`, `"exclusiveMinimum": -2, "exclusiveMaximum": 3`, `"minimum": 2, "maximum": 2`,
		`"minimum": -7, "exclusiveMaximum": -4`, `"exclusiveMinimum": 0, "maximum": 0.0`, `"minimum": 4, "exclusiveMinimum": true`,
		`"exclusiveMinimum": 3, "exclusiveMaximum": 4`, `"maximum": -1, "exclusiveMaximum": -1`,
	} {
		src := `{"type": "number", ` + b + `}`
		g, err := JSONSchema([]byte(src), SchemaOptions{})
		if err != nil {
			assert.ErrorContains(t, err, "no number lies between", src)
			continue
		}
		m := NewMatcher(g, byteVocab())
		for _, n := range numbers {
			valid := json.Valid([]byte(n)) && jsonschema.Validate([]byte(src), []byte(n)) == nil
			negZero := n[0] == '-' && isZero(n)
			canonical := json.Valid([]byte(n)) && !negZero && n != "1e2"
			got := accepts(m, n)
			if got {
				assert.True(t, valid, "%s accepts %s", src, n)
			} else if canonical {
				assert.False(t, valid, "%s refuses %s", src, n)
			}
		}
	}
}

func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format, value string
		ok            bool
	}{
		{"date", "2023-12-31", true},
		{"date", "2023-04-31", false},
		{"date", "2023-02-28", true},
		{"date", "2024-02-29", true},
		{"date", "2023-02-29", false},
		{"date", "2000-02-29", true},
		{"date", "1900-02-29", false},
		{"date", "2023-13-01", false},
		{"time", "23:59:59Z", true},
		{"time", "08:30:00.123+02:00", true},
		{"time", "24:00:00Z", false},
		{"time", "12:00:00", false}, // an offset is required
		{"date-time", "2023-06-01T12:34:56-05:30", true},
		{"uuid", "123e4567-e89b-12d3-A456-426614174000", true},
		{"uuid", "123e4567e89b12d3a456426614174000", false},
		{"email", "jo.smith+tag@example.co.uk", true},
		{"email", "a@b", false},
		{"email", "a@-b.com", false},
		{"ipv4", "192.168.0.255", true},
		{"ipv4", "256.1.1.1", false},
		{"ipv4", "01.1.1.1", false},
	} {
		g, err := JSONSchema([]byte(`{"type": "string", "format": "`+tc.format+`"}`), SchemaOptions{})
		require.NoError(t, err)
		got := accepts(NewMatcher(g, byteVocab()), `"`+tc.value+`"`)
		assert.Equal(t, tc.ok, got, "%s %q", tc.format, tc.value)
		if got {
			assert.NoError(t, jsonschema.Validate([]byte(`{"format": "`+tc.format+`"}`), []byte(`"`+tc.value+`"`)),
				"%s %q", tc.format, tc.value)
		}
	}
}

// isZero reports whether the JSON number n is zero.
func isZero(n string) bool {
	r, ok := new(big.Rat).SetString(n)
	return ok && r.Sign() == 0
}

func TestAdditionalPropertyNames(t *testing.T) {
	g, err := JSONSchema([]byte(`{"properties": {"ab": {"type": "integer"}, "a": {"type": "integer"}}, "additionalProperties": true}`), SchemaOptions{})
	require.NoError(t, err)
	m := NewMatcher(g, byteVocab())
	for text, ok := range map[string]bool{
		`{"ab": 1, "a": 2}`:         true,
		`{"a": 2, "x": 1}`:          true,
		`{"abc": [], "b": {}}`:      true,
		`{"": 1}`:                   true,
		`{"a": 2, "ab": 1}`:         false, // schema order
		`{"ab": 1, "ab": 1}`:        false, // a listed name again
		`{"ab": 1, "a": 2, "a": 3}`: false,
		`{"\u0061": 1}`:             false, // no escapes in other names
	} {
		assert.Equal(t, ok, accepts(m, text), text)
	}
}

// TestPatternsAsECMA: patterns are read as ECMA 262 reads them, where Go's
// regexp differs: ., \s and \S (Unicode white space), \uXXXX, \p{Letter}.
func TestPatternsAsECMA(t *testing.T) {
	for _, tc := range []struct {
		pattern, text string
		ok            bool
	}{
		{"^a.c$", "abc", true},
		{"^a.c$", "a\rc", false}, // . stops at every line terminator
		{"^a.c$", "a\u2028c", false},
		{"^a.c$", "a\u00e9c", true},
		{`^\S+$`, "ab", true},
		{`^\S+$`, "a\u00a0b", false}, // no-break space is white space in ECMA 262
		{`^\S+$`, "a\u3000", false},
		{`^\s$`, "\u00a0", true},
		{`^\s$`, "\v", true},
		{`^\u00e9+$`, "éé", true},
		{`^\p{Letter}+$`, "aé", true},
		{`^\p{Letter}+$`, "a1", false},
		{`^[\s\d]+$`, "1 2", true},
		{`^\d{2}\/x$`, "12/x", true},
	} {
		schema := fmt.Sprintf(`{"type": "string", "pattern": %s}`, encodeJSON(tc.pattern))
		g, err := JSONSchema([]byte(schema), SchemaOptions{})
		require.NoError(t, err, tc.pattern)
		doc := encodeJSON(tc.text)
		assert.Equal(t, tc.ok, accepts(NewMatcher(g, byteVocab()), doc), "%s %q", tc.pattern, tc.text)
		assert.Equal(t, tc.ok, jsonschema.Validate([]byte(schema), []byte(doc)) == nil, "validator: %s %q", tc.pattern, tc.text)
	}
}

// TestDecimalBoundsAndMultiples checks the grammar of numbers with decimal
// bounds and multipleOf against exact arithmetic: every number it accepts
// is valid, and it accepts every valid number of the form it writes
// (decimals without exponent; integers for integer multiples; at most two
// decimals for multipleOf 0.01).
func TestDecimalBoundsAndMultiples(t *testing.T) {
	var numbers []string
	for i := -1250; i <= 1250; i += 5 {
		r := big.NewRat(int64(i), 100)
		numbers = append(numbers, r.FloatString(2), r.FloatString(3), strings.TrimSuffix(strings.TrimRight(r.FloatString(2), "0"), "."))
	}
	numbers = append(numbers, "1.1", "1.10", "1.100001", "1.0999", "-0.001", "3.14159", "7", "-7", "70", "105", "1e1", "-0")
	for _, tc := range []struct {
		keywords string
		complete func(n string) bool // the numbers the grammar must accept when valid
	}{
		{`"minimum": 1.1`, decimal},
		{`"exclusiveMinimum": 1.1`, decimal},
		{`"minimum": -2.5, "maximum": 3.75`, decimal},
		{`"exclusiveMinimum": -2.5, "exclusiveMaximum": 3.75`, decimal},
		{`"minimum": 1.1, "maximum": 1.1`, decimal},
		{`"exclusiveMinimum": 1.05, "maximum": 1.1`, decimal},
		{`"minimum": -0.05, "exclusiveMaximum": 0`, decimal},
		{`"multipleOf": 7, "minimum": -50, "maximum": 100`, integer},
		{`"multipleOf": 1.5, "maximum": 12`, func(string) bool { return false }},
		{`"multipleOf": 0.01, "exclusiveMinimum": -0.5, "maximum": 10`, func(n string) bool { return decimal(n) && fractionDigits(n) <= 2 }},
		{`"multipleOf": 0.25, "minimum": 0.3`, func(string) bool { return false }},
		{`"type": "integer", "multipleOf": 3, "exclusiveMinimum": 2.5, "exclusiveMaximum": 9`, integer},
		{`"not": {"type": "integer"}, "minimum": -2, "maximum": 2`, func(string) bool { return false }},
	} {
		src := `{"type": "number", ` + tc.keywords + `}`
		if strings.Contains(tc.keywords, `"type"`) {
			src = `{` + tc.keywords + `}`
		}
		g, err := JSONSchema([]byte(src), SchemaOptions{})
		require.NoError(t, err, src)
		m := NewMatcher(g, byteVocab())
		for _, n := range numbers {
			valid := jsonschema.Validate([]byte(src), []byte(n)) == nil
			got := accepts(m, n)
			if got {
				assert.True(t, valid, "%s accepts %s", src, n)
			} else if valid && n != "-0" && tc.complete(n) {
				assert.Fail(t, "a valid number refused", "%s refuses %s", src, n)
			}
		}
	}
}

// decimal reports whether n is a number without exponent.
func decimal(n string) bool { return !strings.ContainsAny(n, "eE") }

// integer reports whether n is an integer numeral.
func integer(n string) bool { return decimal(n) && !strings.Contains(n, ".") }

func fractionDigits(n string) int {
	_, f, _ := strings.Cut(n, ".")
	return len(f)
}

// TestOneOfDisjoint: oneOf branches that no value can satisfy together are
// written as they are, on the types where that holds; other branches are
// written with the negation of the others.
func TestOneOfDisjoint(t *testing.T) {
	for _, tc := range []struct {
		schema string
		good   []string
		bad    []string
	}{
		// Untyped branches with a discriminator: disjoint for objects only
		// (any other value is valid against both, so against no oneOf).
		{`{"oneOf": [{"properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}, "required": ["kind"]},
			{"properties": {"kind": {"const": "b"}}, "required": ["kind"]}]}`,
			[]string{`{"kind":"a","x":1}`, `{"kind":"b"}`}, []string{`1`, `"a"`, `null`}},
		{`{"oneOf": [{"type": "integer"}, {"type": "string"}, {"enum": [1.5, null]}]}`,
			[]string{`3`, `"x"`, `1.5`, `null`}, []string{`true`}},
		// Branches written with negations (an under-approximation) still
		// overlap: the proof of disjointness looks at all they allow.
		{`{"oneOf": [{"oneOf": [{"additionalProperties": false, "exclusiveMinimum": 100}, {"maximum": -3}]},
			{"propertyNames": {"pattern": "^[a-c]+$"}}]}`,
			nil, []string{`{"a":true}`, `{"b":[]}`}},
		// Overlapping: integers below 2, non-integers from 2.
		{`{"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 2}]}`,
			[]string{`1`, `-5`, `2.5`}, []string{`2`, `7`}},
	} {
		g, err := JSONSchema([]byte(tc.schema), SchemaOptions{Compact: true})
		require.NoError(t, err, tc.schema)
		m := NewMatcher(g, byteVocab())
		for _, s := range tc.good {
			assert.True(t, accepts(m, s), "%s: %s", tc.schema, s)
			assert.NoError(t, jsonschema.Validate([]byte(tc.schema), []byte(s)), "%s: %s", tc.schema, s)
		}
		for _, s := range tc.bad {
			assert.False(t, accepts(m, s), "%s: %s", tc.schema, s)
		}
	}
}

// TestMultiplesStayExact: multiples n·r are written with n below 2^53, so
// that validators dividing in floating point (ajv) see n as an integer.
func TestMultiplesStayExact(t *testing.T) {
	for _, tc := range []struct {
		schema   string
		ok, over []string
	}{
		{`{"type": "integer", "multipleOf": 1e-8}`, []string{"90071992", "-90071992", "0"}, []string{"90071993", "120990512015200"}},
		{`{"type": "number", "multipleOf": 0.5}`, []string{"999999999999999", "-3"}, []string{"4503599627370496"}},
		{`{"type": "integer", "multipleOf": 3}`, []string{"999999999999999"}, []string{"1000000000000002"}},
	} {
		g, err := JSONSchema([]byte(tc.schema), SchemaOptions{})
		require.NoError(t, err, tc.schema)
		m := NewMatcher(g, byteVocab())
		for _, n := range tc.ok {
			assert.True(t, accepts(m, n), "%s: %s", tc.schema, n)
		}
		for _, n := range tc.over {
			assert.False(t, accepts(m, n), "%s: %s", tc.schema, n)
		}
	}
}
