package grammar

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/jsonschema"
	"github.com/gomistral/gomistral/internal/testref"
)

func suiteGroups(t testing.TB) []jsonschema.SuiteGroup {
	groups, err := jsonschema.ReadSuite(testref.Testdata("json-schema-test-suite", "draft2020-12"))
	require.NoError(t, err, "the JSON Schema Test Suite in testdata/")
	return groups
}

// Sampling of the suite test: walks per schema, at these temperatures.
var (
	suiteTemperatures = []float64{0.5, 1, 2}
	suiteSeeds        = 2
)

// TestJSONSchemaSuite gives every schema of the JSON Schema Test Suite
// (draft 2020-12) to JSONSchema. A schema is either refused with a
// *SchemaError, or every document sampled from its grammar (seeded walks
// at several temperatures) is valid according to the independent
// validator internal/jsonschema, and no instance the suite labels invalid
// is a whole sentence of the grammar.
func TestJSONSchemaSuite(t *testing.T) {
	groups := suiteGroups(t)
	toks := byteTokens()
	accepted, outputs, valid := 0, 0, 0
	for gi, g := range groups {
		name := g.File + ": " + g.Description
		gr, err := JSONSchema(g.Schema, SchemaOptions{})
		if err != nil {
			var se *SchemaError
			if assert.ErrorAs(t, err, &se, name) && errors.Is(err, ErrUnsupported) {
				assert.NotEmpty(t, se.Keyword, "%s: an unsupported schema names its keyword: %v", name, err)
			}
			continue
		}
		accepted++
		validator, err := jsonschema.Compile(g.Schema)
		require.NoError(t, err, name)
		ix := NewIndex(gr, toks)
		for si := range suiteSeeds {
			for ti, temp := range suiteTemperatures {
				rng := rand.New(rand.NewPCG(uint64(gi), uint64(si*len(suiteTemperatures)+ti)))
				doc := sampleDocument(t, ix.NewMatcher(), rng, temp)
				outputs++
				if err := validator.Validate(doc); assert.NoError(t, err, "%s: %s", name, doc) {
					valid++
				}
			}
		}
		m := ix.NewMatcher()
		for _, tc := range g.Tests {
			if tc.Valid {
				continue
			}
			var compact bytes.Buffer
			require.NoError(t, json.Compact(&compact, tc.Data))
			for _, text := range [][]byte{tc.Data, compact.Bytes()} {
				assert.False(t, accepts(m, string(text)), "%s: %s: the grammar accepts %s, labelled invalid", name, tc.Description, text)
			}
		}
	}
	t.Logf("%d of %d groups accepted; %d of %d sampled documents valid", accepted, len(groups), valid, outputs)
	assert.GreaterOrEqual(t, accepted, 230, "groups accepted")
}

// sampleDocument generates a document of m's grammar, byte by byte: each
// allowed byte weighted by exp(score/temp), its score drawn once per walk,
// so that low temperatures repeat the same choices and high ones spread;
// after 120 bytes, the shortest completion.
func sampleDocument(t testing.TB, m *Matcher, rng *rand.Rand, temp float64) []byte {
	t.Helper()
	var score [256]float64
	for i := range score {
		score[i] = rng.NormFloat64()
	}
	mask := NewMask(256)
	var out []byte
	for len(out) < 120 {
		if m.Done() || m.Complete() && rng.Float64() < 0.2 {
			return out
		}
		m.Allowed(mask)
		total := 0.0
		var weights [256]float64
		for b := range 256 {
			if mask.Has(int32(b)) {
				weights[b] = math.Exp(score[b] / temp)
				total += weights[b]
			}
		}
		require.Positive(t, total, "no byte allowed after %q", out)
		x := rng.Float64() * total
		b := 0
		for ; b < 255; b++ {
			if x -= weights[b]; x < 0 && weights[b] > 0 {
				break
			}
		}
		for weights[b] == 0 { // rounding at the end
			b--
		}
		require.NoError(t, m.AcceptBytes([]byte{byte(b)}), "after %q", out)
		out = append(out, byte(b))
	}
	rest := m.Completion()
	require.NotNil(t, rest, "no completion after %q", out)
	if len(rest) > 0 {
		require.NoError(t, m.AcceptBytes(rest))
	}
	require.True(t, m.Complete())
	return append(out, rest...)
}
