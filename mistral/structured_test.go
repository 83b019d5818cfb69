package mistral

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
	"github.com/gomistral/gomistral/mistral/grammar"
)

var testSchemas = []string{
	`{"type":"object","properties":{"name":{"type":"string","maxLength":24},"age":{"type":"integer","minimum":0,"maximum":130},
	  "city":{"type":"string","maxLength":20}},"required":["name","age"],"additionalProperties":false}`,
	`{"type":"object","properties":{"sentiment":{"enum":["positive","negative","neutral"]},"confidence":{"type":"number","minimum":0,"maximum":1}},
	  "required":["sentiment","confidence"]}`,
	`{"type":"object","properties":{"characters":{"type":"array","items":{"type":"object","properties":{"name":{"type":"string","maxLength":16},
	  "married":{"type":"boolean"}},"required":["name","married"]},"minItems":1,"maxItems":3},"year":{"type":"integer","minimum":1800,"maximum":1815}},
	  "required":["characters","year"]}`,
	`{"$defs":{"node":{"type":"object","properties":{"label":{"type":"string","maxLength":8},"children":{"type":"array","items":{"$ref":"#/$defs/node"},"maxItems":2}},
	  "required":["label"]}},"$ref":"#/$defs/node"}`,
}

// generateConstrained runs one constrained generation and returns its text
// and why it stopped.
func generateConstrained(t *testing.T, s *Session, prompt string, g *grammar.Grammar, temp float32, seed uint64) (string, StopReason) {
	t.Helper()
	var text strings.Builder
	stop := NotStopped
	cfg := GenerateConfig{SamplerConfig: SamplerConfig{Temperature: temp, Seed: seed, TopP: 0.95}, MaxTokens: 200, Grammar: g}
	for tok, err := range s.Generate(context.Background(), prompt, cfg) {
		require.NoError(t, err)
		text.WriteString(tok.Text)
		stop = tok.Stop
	}
	return text.String(), stop
}

// TestJSONModeAlwaysParses: whatever the seed and temperature (up to 1.5),
// the output of JSON mode parses with encoding/json. The small model, taught
// only a novel, does not write JSON by itself: the grammar does all the work.
func TestJSONModeAlwaysParses(t *testing.T) {
	t.Parallel() // long; uses no test hook
	for _, m := range smallModels(t) {
		jsonModeAlwaysParses(t, m)
	}
}

// smallModels are the shipped tiny model and, in the extended run, the
// tiny v3 model (another vocabulary, with [INST] control tokens).
func smallModels(t *testing.T) []*Model {
	models := []*Model{loadTiny(t)}
	if _, err := os.Stat(sharedV3); err == nil {
		m, err := Load(context.Background(), filepath.Join(sharedV3, "tiny-mistral-v3-Q8_0.gguf"), Config{Threads: 1})
		require.NoError(t, err)
		t.Cleanup(func() { m.Close() })
		models = append(models, m)
	} else {
		t.Log("extended: without ../shared/testdata, only the shipped model")
	}
	return models
}

func jsonModeAlwaysParses(t *testing.T, m *Model) {
	for _, objectOnly := range []bool{false, true} {
		g := grammar.JSON(grammar.JSONOptions{ObjectOnly: objectOnly})
		for _, temp := range []float32{0, 0.7, 1.0, 1.5} {
			for seed := uint64(1); seed <= seeds(4); seed++ {
				s := newSession(t, m)
				text, stop := generateConstrained(t, s, "Natasha said:", g, temp, seed)
				require.Contains(t, []StopReason{StopGrammar, StopEOS}, stop, "temperature %v seed %d: %q", temp, seed, text)
				var v any
				require.NoError(t, json.Unmarshal([]byte(text), &v), "temperature %v seed %d: %q", temp, seed, text)
				if objectOnly {
					_, isObject := v.(map[string]any)
					assert.True(t, isObject, "%q", text)
				}
				s.Close()
			}
		}
	}
}

// TestSchemaOutputValidates: every output constrained by a schema
// validates against it (checked by an independent validator).
func TestSchemaOutputValidates(t *testing.T) {
	t.Parallel() // long; uses no test hook
	for _, m := range smallModels(t) {
		schemaOutputValidates(t, m)
	}
}

func schemaOutputValidates(t *testing.T, m *Model) {
	for i, schema := range testSchemas {
		g, err := grammar.JSONSchema([]byte(schema), grammar.SchemaOptions{})
		require.NoError(t, err, "schema %d", i)
		for _, temp := range []float32{0, 0.8, 1.5} {
			for seed := uint64(1); seed <= seeds(3); seed++ {
				s := newSession(t, m)
				text, stop := generateConstrained(t, s, fmt.Sprintf("Record %d:", i), g, temp, seed)
				require.Contains(t, []StopReason{StopGrammar, StopEOS}, stop, "schema %d temperature %v seed %d: %q", i, temp, seed, text)
				assert.NoError(t, jsonschema.Validate([]byte(schema), []byte(text)), "schema %d temperature %v seed %d: %q", i, temp, seed, text)
				s.Close()
			}
		}
	}
}

// seeds returns how many seeds to try: fewer under the race detector, which
// makes the pure-Go grammar and sampler several times slower.
func seeds(n uint64) uint64 {
	if raceEnabled {
		return 2
	}
	return n
}
