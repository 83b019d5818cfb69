package jsonschema

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
