package grammar

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
)

// schemaGen makes random schemas from the keywords JSONSchema supports,
// nested and combined, with random values: the cases no one thinks of.
type schemaGen struct {
	rng  *rand.Rand
	defs map[string]any
}

func (g *schemaGen) value(depth int) any {
	switch g.rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return g.rng.IntN(2) == 0
	case 2:
		return json.Number(fmt.Sprint(g.rng.IntN(21) - 10))
	case 3:
		return json.Number([]string{"1.5", "-0.25", "2.0", "0.1", "1e1"}[g.rng.IntN(5)])
	case 4, 5:
		return []string{"a", "b", "x", "", "ab", "é"}[g.rng.IntN(6)]
	case 6:
		if depth > 1 {
			return "z"
		}
		return []any{g.value(depth + 1), g.value(depth + 1)}[:g.rng.IntN(3)]
	}
	if depth > 1 {
		return nil
	}
	return map[string]any{"a": g.value(depth + 1)}
}

func (g *schemaGen) num() json.Number {
	return json.Number([]string{"0", "1", "-3", "10", "2.5", "-1.5", "100", "0.1"}[g.rng.IntN(8)])
}

func (g *schemaGen) count() int { return g.rng.IntN(4) }

func (g *schemaGen) names() []any {
	all := []any{"a", "b", "c"}
	g.rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	return all[:g.rng.IntN(3)]
}

func (g *schemaGen) schema(depth int) any {
	if g.rng.IntN(12) == 0 {
		return g.rng.IntN(4) != 0
	}
	s := map[string]any{}
	types := []string{"null", "boolean", "object", "array", "string", "number", "integer"}
	keywords := g.rng.IntN(3) + 1
	for range keywords {
		sub := func() any {
			if depth > 2 {
				return map[string]any{"type": types[g.rng.IntN(len(types))]}
			}
			return g.schema(depth + 1)
		}
		switch g.rng.IntN(28) {
		case 0, 1:
			s["type"] = types[g.rng.IntN(len(types))]
		case 2:
			s["type"] = []any{types[g.rng.IntN(7)], types[g.rng.IntN(7)]}
			if s["type"].([]any)[0] == s["type"].([]any)[1] {
				s["type"] = s["type"].([]any)[:1]
			}
		case 3:
			s["enum"] = []any{g.value(0), g.value(0), g.value(0)}
		case 4:
			s["const"] = g.value(0)
		case 5:
			s[[]string{"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}[g.rng.IntN(4)]] = g.num()
		case 6:
			s["multipleOf"] = json.Number([]string{"2", "3", "0.5", "0.01", "1"}[g.rng.IntN(5)])
		case 7:
			s[[]string{"minLength", "maxLength"}[g.rng.IntN(2)]] = g.count()
		case 8:
			s["pattern"] = []string{"^a+$", "b", "^[0-9]{2}$", "^.x", `^\S*$`}[g.rng.IntN(5)]
		case 9:
			s["format"] = []string{"date", "email", "uri", "ipv6", "duration", "hostname"}[g.rng.IntN(6)]
		case 10:
			s["items"] = sub()
		case 11:
			s["prefixItems"] = []any{sub(), sub()}[:g.rng.IntN(2)+1]
		case 12:
			s["contains"] = sub()
			if g.rng.IntN(2) == 0 {
				s[[]string{"minContains", "maxContains"}[g.rng.IntN(2)]] = g.count()
			}
		case 13:
			s[[]string{"minItems", "maxItems"}[g.rng.IntN(2)]] = g.count()
		case 14:
			s["uniqueItems"] = true
			s["items"] = map[string]any{"enum": []any{g.value(1), g.value(1), g.value(1)}}
		case 15, 16:
			props := map[string]any{}
			for _, k := range g.names() {
				props[k.(string)] = sub()
			}
			s["properties"] = props
			s["required"] = g.names()
		case 17:
			if g.rng.IntN(2) == 0 {
				s["additionalProperties"] = g.rng.IntN(2) == 0
			} else {
				s["additionalProperties"] = sub()
			}
		case 18:
			s["patternProperties"] = map[string]any{[]string{"^x", "a", "^b$"}[g.rng.IntN(3)]: sub()}
		case 19:
			s["propertyNames"] = []any{map[string]any{"maxLength": 1}, map[string]any{"pattern": "^[a-c]+$"},
				map[string]any{"enum": []any{"a", "b", "q"}}}[g.rng.IntN(3)]
		case 20:
			s[[]string{"minProperties", "maxProperties"}[g.rng.IntN(2)]] = g.rng.IntN(3)
		case 21:
			s["dependentRequired"] = map[string]any{"a": g.names()}
		case 22:
			s["dependentSchemas"] = map[string]any{"b": sub()}
		case 23:
			s[[]string{"allOf", "anyOf", "oneOf"}[g.rng.IntN(3)]] = []any{sub(), sub()}
		case 24:
			s["not"] = sub()
		case 25:
			s["if"] = sub()
			s["then"] = sub()
			if g.rng.IntN(2) == 0 {
				s["else"] = sub()
			}
		case 26:
			name := fmt.Sprintf("d%d", len(g.defs))
			if depth < 2 {
				g.defs[name] = sub()
				s["$ref"] = "#/$defs/" + name
			}
		case 27:
			s[[]string{"unevaluatedProperties", "unevaluatedItems"}[g.rng.IntN(2)]] = sub()
		}
	}
	return s
}

// TestRandomSchemas compiles random schemas; for those accepted, documents
// sampled from the grammar, and random values the grammar accepts, must
// be valid according to internal/jsonschema.
func TestRandomSchemas(t *testing.T) {
	n := walkCount(600)
	rng := rand.New(rand.NewPCG(11, 12))
	accepted := 0
	for i := range n {
		g := &schemaGen{rng: rng, defs: map[string]any{}}
		root := g.schema(0)
		if m, ok := root.(map[string]any); ok && len(g.defs) > 0 {
			m["$defs"] = g.defs
		}
		schema, err := json.Marshal(root)
		require.NoError(t, err)
		gr, err := JSONSchema(schema, SchemaOptions{Compact: i%2 == 0})
		if err != nil {
			var se *SchemaError
			require.ErrorAs(t, err, &se, "%s", schema)
			continue
		}
		accepted++
		v, err := jsonschema.Compile(schema)
		require.NoError(t, err, "%s", schema)
		ix := NewIndex(gr, byteTokens())
		for _, temp := range []float64{0.5, 2} {
			doc := sampleDocument(t, ix.NewMatcher(), rng, temp)
			assert.NoError(t, v.Validate(doc), "schema %s\ndocument %s", schema, doc)
		}
		m := ix.NewMatcher()
		for range 20 {
			text, err := json.Marshal(g.value(0))
			require.NoError(t, err)
			if accepts(m, string(text)) {
				assert.NoError(t, v.Validate(text), "schema %s\naccepted %s", schema, text)
			}
		}
	}
	t.Logf("%d of %d random schemas accepted", accepted, n)
}
