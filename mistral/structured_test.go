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

// keepAll is a user Filter that keeps everything and counts its runs.
type keepAll struct{ applied *int }

func (k keepAll) Apply(*Candidates)   { *k.applied++ }
func (k keepAll) Keeps(id int32) bool { return true }
func (k keepAll) Only() (int32, bool) { return 0, false }

// TestGreedyFilterShortcut: greedy generation whose stages are all Filters
// (the gate of tools and grammar, and a user Filter that keeps all) takes a
// token the gate keeps without building the candidates; the tokens are
// those of the same generation with a user stage that is not a Filter
// (every step through the whole chain): free text, JSON, every test schema,
// a budget tight enough for the grammar to finish early and, in the
// extended run, tool calls on the v3 model with each tool choice.
func TestGreedyFilterShortcut(t *testing.T) {
	t.Parallel() // uses no test hook
	type run struct {
		m      *Model
		prompt string
		cfg    GenerateConfig
		chat   bool
	}
	tiny := loadTiny(t)
	runs := []run{{m: tiny, prompt: "It was a fine morning", cfg: GenerateConfig{MaxTokens: 48}}}
	json := grammar.JSON(grammar.JSONOptions{})
	runs = append(runs, run{m: tiny, prompt: "Natasha said:", cfg: GenerateConfig{MaxTokens: 120, Grammar: json}},
		run{m: tiny, prompt: "Natasha said:", cfg: GenerateConfig{MaxTokens: 24, Grammar: json}})
	for i, schema := range testSchemas {
		g, err := grammar.JSONSchema([]byte(schema), grammar.SchemaOptions{})
		require.NoError(t, err)
		runs = append(runs, run{m: tiny, prompt: fmt.Sprintf("Record %d:", i), cfg: GenerateConfig{MaxTokens: 160, Grammar: g}})
	}
	if _, err := os.Stat(sharedV3); err == nil {
		v3 := loadV3(t, "tiny-mistral-v3-Q8_0.gguf")
		tools := sampleTools(t)
		for _, choice := range []ToolChoice{{Mode: ToolAuto}, {Mode: ToolNone}, {Mode: ToolRequired}, {Mode: ToolFunction, Name: "book_table"}} {
			runs = append(runs, run{m: v3, chat: true, prompt: "What's the weather like in Paris?",
				cfg: GenerateConfig{MaxTokens: 80, Tools: tools, ToolChoice: choice}})
		}
	} else {
		t.Log("extended: without ../shared/testdata, no tool calls")
	}
	generate := func(r run, stage Stage) ([]int32, error) {
		s, err := r.m.NewSession(SessionConfig{})
		require.NoError(t, err)
		defer s.Close()
		cfg := r.cfg
		cfg.Stages = []Stage{stage}
		seq := s.Generate(context.Background(), r.prompt, cfg)
		if r.chat {
			seq = s.Chat(context.Background(), []Message{{Role: RoleUser, Content: r.prompt}}, cfg)
		}
		var ids []int32
		for tok, err := range seq {
			if err != nil {
				return ids, err
			}
			ids = append(ids, tok.ID)
		}
		return ids, nil
	}
	skipped := 0
	for i, r := range runs {
		var applied, ran int
		want, wantErr := generate(r, StageFunc(func(*Candidates) { ran++ }))
		got, err := generate(r, keepAll{&applied})
		assert.Equal(t, wantErr, err, "run %d", i)
		assert.Equal(t, want, got, "run %d: %+v", i, r.cfg)
		assert.Greater(t, ran, 0, "run %d: %v %v", i, want, wantErr)
		skipped += ran - applied
	}
	assert.Greater(t, skipped, 100, "steps that skipped the chain")
}
