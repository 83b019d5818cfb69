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
