package jsonschema

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

func TestValidate(t *testing.T) {
	schema := []byte(`{"type":"object","properties":{"name":{"type":"string","maxLength":5},"age":{"type":"integer","minimum":0},
		"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":2}},"required":["name"],"additionalProperties":false}`)
	assert.NoError(t, Validate(schema, []byte(`{"name":"ann","age":3,"tags":["a"]}`)))
	for _, bad := range []string{
		`{"age":3}`, `{"name":"toolong"}`, `{"name":"x","age":-1}`, `{"name":"x","age":1.5}`,
		`{"name":"x","tags":["c"]}`, `{"name":"x","tags":["a","b","a"]}`, `{"name":"x","extra":1}`, `[1]`, `{"name":"x"} {}`,
	} {
		assert.Error(t, Validate(schema, []byte(bad)), bad)
	}
}

// TestRepeatedNames: every member of an object is validated, a repeated
// name included, and an object with a repeated name equals no const.
func TestRepeatedNames(t *testing.T) {
	props := []byte(`{"type":"object","properties":{"name":{"type":"string"}},"additionalProperties":{"type":"integer"}}`)
	assert.NoError(t, Validate(props, []byte(`{"name":"x","a":1,"a":2}`)))
	assert.Error(t, Validate(props, []byte(`{"name":"x","name":5}`)), "the first name is valid, the second is not")
	assert.Error(t, Validate(props, []byte(`{"a":"x","a":1}`)), "the first a is invalid")
	c := []byte(`{"const":{"a":1}}`)
	assert.NoError(t, Validate(c, []byte(`{"a":1.0}`)))
	assert.Error(t, Validate(c, []byte(`{"a":1,"a":1}`)))
	assert.Error(t, Validate(c, []byte(`{"a":1} x`)))
}

// Files of the suite whose labels assume what this package deliberately
// does differently (see the package documentation).
var suiteSkips = map[string]string{
	"format.json":     "format is an annotation by default; this package asserts it",
	"vocabulary.json": "a custom metaschema turns vocabularies off; this package ignores $schema",
}

// TestSuite holds the validator to the labels of the JSON Schema Test
// Suite (draft 2020-12): every group it can read is decided as the suite
// says, and the groups it cannot read use what it documents as
// unsupported ($dynamicRef, other documents).
func TestSuite(t *testing.T) {
	all, err := ReadSuite(testref.Testdata("json-schema-test-suite", "draft2020-12"))
	require.NoError(t, err)
	groups, unsupported := 0, 0
	skipped := map[string]bool{}
	for _, g := range all {
		if reason, ok := suiteSkips[g.File]; ok {
			if !skipped[g.File] {
				t.Logf("%s skipped: %s", g.File, reason)
				skipped[g.File] = true
			}
			continue
		}
		groups++
		name := g.File + ": " + g.Description
		s, err := Compile(g.Schema)
		if errors.Is(err, ErrUnsupported) {
			assertUnsupported(t, name, err)
			unsupported++
			continue
		}
		require.NoError(t, err, name)
		for _, tc := range g.Tests {
			err := s.Validate(tc.Data)
			if errors.Is(err, ErrUnsupported) {
				assertUnsupported(t, name, err)
				unsupported++
				break
			}
			assert.Equal(t, tc.Valid, err == nil, "%s: %s: %v", name, tc.Description, err)
		}
	}
	t.Logf("%d groups, %d use what is not supported", groups, unsupported)
}

// assertUnsupported checks that err is one of the documented limits.
func assertUnsupported(t *testing.T, name string, err error) {
	t.Helper()
	msg := err.Error()
	assert.True(t, strings.Contains(msg, "$dynamicRef") || strings.Contains(msg, "another document"), "%s: %v", name, err)
}

// TestFormats checks the formats against examples of their RFCs, since the
// suite (draft 2020-12, without its optional tests) only annotates them.
func TestFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		good   []string
		bad    []string
	}{
		{"date", []string{"1985-04-12", "2024-02-29"}, []string{"2023-02-29", "1985-4-12", "1985-04-31", "85-04-12"}},
		{"time", []string{"23:20:50.52Z", "16:39:57-08:00", "00:00:00+00:00"}, []string{"23:20:50", "24:00:00Z", "12:60:00Z", "23:59:60Z"}},
		{"date-time", []string{"1985-04-12T23:20:50.52Z", "1996-12-19T16:39:57-08:00"}, []string{"1985-04-12 23:20:50Z", "1985-04-12T23:20:50"}},
		{"duration", []string{"P3Y6M4DT12H30M5S", "P4W", "PT36H", "P1D"}, []string{"P", "PT", "P1DT", "3Y", "P1S"}},
		{"email", []string{"joe.bloggs@example.com", "a+b@mail.example.org"}, []string{"joe..bloggs@example.com", ".joe@example.com", "joe@example", "@example.com", "joe@-example.com"}},
		{"hostname", []string{"www.example.com", "a-b.c1"}, []string{"-a.com", "a-.com", "a..com", "xn--X.com", "ab--c.com"}},
		{"ipv4", []string{"192.168.0.1", "0.0.0.0"}, []string{"256.0.0.1", "01.2.3.4", "1.2.3", "1.2.3.4.5"}},
		{"ipv6", []string{"::1", "2001:db8::ff00:42:8329", "::ffff:192.0.2.1"}, []string{"12345::", "fe80::1%eth0", "1.2.3.4", ":::"}},
		{"uri", []string{"http://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:John.Doe@example.com"}, []string{"//example.com", "/a/b", "http://exa mple.com", "1http://x", "http://[::1/"}},
		{"uri-reference", []string{"/a/b?c", "../x", "#frag", "http://example.com"}, []string{"\\\\host", "a b", "#a#b"}},
		{"iri", []string{"http://ƒøø.ßår/?∂éœ=πîx#πîüx"}, []string{"/relative", "http://a b"}},
		{"uri-template", []string{"http://example.com/{id}", "/search{?q,lang}", "{+path:6}/x"}, []string{"http://example.com/{id", "{a b}", "/x}"}},
		{"json-pointer", []string{"", "/foo/0", "/a~1b", "/m~0n"}, []string{"foo", "/a~2", "/a~"}},
		{"relative-json-pointer", []string{"0", "1/foo", "2#"}, []string{"-1", "01", "/foo", "1#/x"}},
		{"uuid", []string{"123e4567-e89b-12d3-a456-426614174000"}, []string{"123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g"}},
		{"regex", []string{"^[a-z]+$", "a|b", `\d{3}`}, []string{"(", "[a-", "a{2,1}"}},
	} {
		schema := []byte(`{"format": "` + tc.format + `"}`)
		for _, s := range tc.good {
			doc, _ := json.Marshal(s)
			assert.NoError(t, Validate(schema, doc), "%s %q", tc.format, s)
		}
		for _, s := range tc.bad {
			doc, _ := json.Marshal(s)
			assert.Error(t, Validate(schema, doc), "%s %q", tc.format, s)
		}
	}
}

// TestPatterns: patterns are read as ECMA 262 reads them.
func TestPatterns(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		ok         bool
	}{
		{"^a.c$", "abc", true},
		{"^a.c$", "a\rc", false}, // . stops at every line terminator
		{"^a.c$", "a\u2028c", false},
		{`^\s$`, "\u00a0", true}, // ECMA's white space is Unicode's
		{`^\S$`, "\u00a0", false},
		{`^\S$`, "x", true},
		{`^\p{Letter}+$`, "éa", true},
		{`^\u0041$`, "A", true},
		{`^[\s\d]+$`, "1\u3000", true},
		{"ab", "xaby", true}, // not anchored
	} {
		doc, _ := json.Marshal(tc.s)
		schema, _ := json.Marshal(map[string]string{"pattern": tc.pattern})
		assert.Equal(t, tc.ok, Validate(schema, doc) == nil, "%s %q", tc.pattern, tc.s)
	}
	for _, p := range []string{"(?=a)", `(a)\1`, "(?i)a", `\Aa`} {
		schema, _ := json.Marshal(map[string]string{"pattern": p})
		assert.Error(t, Validate(schema, []byte(`"a"`)), p)
	}
}
