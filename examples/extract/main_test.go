package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
)

const personSchema = `{
  "type": "object",
  "properties": {
    "name": {"type": "string", "maxLength": 40},
    "born": {"type": "integer", "minimum": 1700, "maximum": 1900},
    "titles": {"type": "array", "items": {"enum": ["prince", "count", "general"]}, "maxItems": 3},
    "married": {"type": "boolean"}
  },
  "required": ["name", "born", "married"],
  "additionalProperties": false
}`

const text = "Prince Andrew Bolkonski, born in 1778, married the little princess Lise. He served as an adjutant to General Kutuzov."

// inputs writes a schema and the text to files for the command.
func inputs(t *testing.T, schemaText string) (schema, input string) {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	schema = filepath.Join(dir, "schema.json")
	input = filepath.Join(dir, "text.txt")
	require.NoError(t, os.WriteFile(schema, []byte(schemaText), 0o644))
	require.NoError(t, os.WriteFile(input, []byte(text), 0o644))
	return schema, input
}

func TestExtractWritesAValidDocument(t *testing.T) {
	schema, input := inputs(t, personSchema)
	for _, args := range [][]string{
		{"-temp", "0"},
		{"-temp", "1.5", "-top-p", "0.95", "-seed", "3"},
		{"-temp", "0.8", "-seed", "11", "-n", "60"},
	} {
		var out, errOut bytes.Buffer
		all := append([]string{"-schema", schema, "-text", input, "-threads", "1"}, args...)
		require.NoError(t, run(context.Background(), all, &out, &errOut), "stderr: %s", errOut.String())
		doc := strings.TrimSpace(out.String())
		t.Logf("%v: %s", args, doc)
		assert.NoError(t, jsonschema.Validate([]byte(personSchema), []byte(doc)), "%v: %s", args, doc)
		assert.Equal(t, 1, strings.Count(out.String(), "\n"), "one document, one line, nothing else")
	}
}

func TestExtractRejectsBadSchemas(t *testing.T) {
	dir := t.TempDir()
	schema := filepath.Join(dir, "bad.json")
	input := filepath.Join(dir, "text.txt")
	require.NoError(t, os.WriteFile(input, []byte(text), 0o644))
	require.NoError(t, os.WriteFile(schema, []byte(`{"type":"array","items":{"type":"string"},"uniqueItems":true}`), 0o644))
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"-schema", schema, "-text", input}, &out, &errOut)
	assert.ErrorContains(t, err, "uniqueItems")
	assert.Empty(t, out.String())
}

// recordSchema combines what JSON Schema offers beyond plain types:
// allOf merged, a discriminated oneOf, if/then/else, prefixItems, unique
// items, decimal multiples, unevaluatedProperties.
const recordSchema = `{
  "allOf": [
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20}}, "required": ["name"]},
    {"properties": {"rank": {"oneOf": [
      {"type": "object", "properties": {"kind": {"const": "army"}, "grade": {"enum": ["general", "colonel"]}}, "required": ["kind", "grade"], "additionalProperties": false},
      {"type": "object", "properties": {"kind": {"const": "court"}, "title": {"enum": ["prince", "count"]}}, "required": ["kind", "title"], "additionalProperties": false}]}},
     "required": ["rank"]}
  ],
  "properties": {
    "born": {"type": "integer", "minimum": 1700, "maximum": 1900},
    "place": {"type": "array", "prefixItems": [{"type": "string", "maxLength": 12}, {"type": "number", "multipleOf": 0.01, "minimum": -90, "maximum": 90}], "items": false, "minItems": 2},
    "tags": {"type": "array", "items": {"enum": ["war", "peace", "family"]}, "uniqueItems": true}
  },
  "if": {"properties": {"born": {"maximum": 1780}}, "required": ["born"]},
  "then": {"required": ["tags"]},
  "unevaluatedProperties": false
}`

// TestExtractCombinedSchema runs a schema that combines keywords through
// the model, hot, and checks the documents with the independent validator.
func TestExtractCombinedSchema(t *testing.T) {
	schema, input := inputs(t, recordSchema)
	for _, seed := range []string{"1", "2"} {
		var out, errOut bytes.Buffer
		args := []string{"-schema", schema, "-text", input, "-threads", "1", "-temp", "1.5", "-seed", seed, "-n", "200"}
		require.NoError(t, run(context.Background(), args, &out, &errOut), "stderr: %s", errOut.String())
		doc := strings.TrimSpace(out.String())
		t.Logf("seed %s: %s", seed, doc)
		assert.NoError(t, jsonschema.Validate([]byte(recordSchema), []byte(doc)), "seed %s: %s", seed, doc)
	}
}
