package grammar

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// maskPoints are places in a JSON document where a mask is computed.
var maskPoints = []struct{ name, prefix string }{
	{"start", ""},
	{"in-key", `{"na`},
	{"after-key", `{"name"`},
	{"value", `{"name": `},
	{"in-string", `{"name": "Par`},
	{"in-number", `{"n": 12`},
	{"in-array", `{"a": [1, "x", `},
	{"deep-string", `[[{"a": [{"b": "x`},
}

// BenchmarkMask is the cost of one mask over Mistral's 32,000 tokens in
// JSON mode, once the Index has seen the position (every later token).
func BenchmarkMask(b *testing.B) {
	_, toks := mistralTokens(b)
	ix := NewIndex(JSON(JSONOptions{}), toks)
	for _, p := range maskPoints {
		b.Run(p.name, func(b *testing.B) {
			m := ix.NewMatcher()
			if p.prefix != "" {
				require.NoError(b, m.AcceptBytes([]byte(p.prefix)))
			}
			mask := NewMask(toks.Len())
			m.Allowed(mask)
			b.ReportAllocs()
			for b.Loop() {
				m.Allowed(mask)
			}
		})
	}
}

// BenchmarkMaskCold is the cost of the first mask at a position, with a
// new Index: the walk of the token trie, once per position and Index.
func BenchmarkMaskCold(b *testing.B) {
	_, toks := mistralTokens(b)
	g := JSON(JSONOptions{})
	for _, p := range maskPoints {
		b.Run(p.name, func(b *testing.B) {
			mask := NewMask(toks.Len())
			b.ReportAllocs()
			for b.Loop() {
				m := NewIndex(g, toks).NewMatcher()
				if p.prefix != "" {
					require.NoError(b, m.AcceptBytes([]byte(p.prefix)))
				}
				m.Allowed(mask)
			}
		})
	}
}

// benchDocument is a document as Mistral's tokenizer cuts it.
const benchDocument = `{"name": "Zoé Durand", "age": 42, "email": "zoe@example.fr", "tags": ["a", "bc"], "bio": "Née à Lyon, elle écrit des romans 📚 et des essais sur la mer.", "scores": [1.5, -2, 3e2]}`

// BenchmarkAccept is the cost of Accept per token, over a document.
func BenchmarkAccept(b *testing.B) {
	tok, toks := mistralTokens(b)
	ids, err := tok.Encode(benchDocument, tokEncodeOptions)
	require.NoError(b, err)
	m := NewIndex(JSON(JSONOptions{}), toks).NewMatcher()
	b.ReportAllocs()
	for b.Loop() {
		m.Reset()
		for _, id := range ids {
			if err := m.Accept(id); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/token")
}

// BenchmarkStep is the cost of a generation step (Allowed, then Accept)
// per token, over a document, in JSON mode and under a schema, with an
// Index that has seen the document (warm) and with a new one (cold).
func BenchmarkStep(b *testing.B) {
	tok, toks := mistralTokens(b)
	ids, err := tok.Encode(benchDocument, tokEncodeOptions)
	require.NoError(b, err)
	schema, err := JSONSchema([]byte(`{"type": "object", "properties": {
		"name": {"type": "string", "maxLength": 40}, "age": {"type": "integer", "minimum": 0, "maximum": 150},
		"email": {"type": "string", "format": "email"}, "tags": {"type": "array", "items": {"type": "string"}},
		"bio": {"type": "string"}, "scores": {"type": "array", "items": {"type": "number"}}},
		"required": ["name", "age", "email", "tags", "bio", "scores"], "additionalProperties": false}`), SchemaOptions{})
	require.NoError(b, err)
	for _, g := range []struct {
		name string
		g    *Grammar
	}{{"json", JSON(JSONOptions{})}, {"schema", schema}} {
		// warm: the Index has seen the document before.
		b.Run(g.name+"/warm", func(b *testing.B) {
			m := NewIndex(g.g, toks).NewMatcher()
			mask := NewMask(toks.Len())
			step := func() {
				m.Reset()
				for _, id := range ids {
					m.Allowed(mask)
					if !mask.Has(id) {
						b.Fatalf("%q refused", toks.Bytes(id))
					}
					if err := m.Accept(id); err != nil {
						b.Fatal(err)
					}
				}
			}
			step()
			b.ReportAllocs()
			for b.Loop() {
				step()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/token")
		})
		// cold: a new Index for each document, as for a schema given once.
		b.Run(g.name+"/cold", func(b *testing.B) {
			mask := NewMask(toks.Len())
			b.ReportAllocs()
			for b.Loop() {
				m := NewIndex(g.g, toks).NewMatcher()
				for _, id := range ids {
					m.Allowed(mask)
					if err := m.Accept(id); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ids)), "ns/token")
		})
	}
}

// BenchmarkPrepare is the one-off cost of preparing Mistral's vocabulary
// and of compiling a schema.
func BenchmarkPrepare(b *testing.B) {
	tok, _ := mistralTokens(b)
	b.Run("FromTokenizer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			FromTokenizer(tok)
		}
	})
	b.Run("JSONSchema", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := JSONSchema([]byte(testSchemas[0].schema), SchemaOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
