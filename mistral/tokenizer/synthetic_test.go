package tokenizer

import (
	"encoding/json"
	"flag"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The synthetic models are mistral-v1.model with other normaliser flags,
// piece types and pieces, to check the parts of SentencePiece that Mistral's
// own models do not use against SentencePiece itself. Their encodings are in
// testdata/synthetic.json, made by SentencePiece's Python module (0.1.97,
// Debian python3-sentencepiece) with
//
//	PYTHON=/usr/bin/python3 go test -run TestSynthetic -update-synthetic
var updateSynthetic = flag.Bool("update-synthetic", false, "regenerate testdata/synthetic.json with $PYTHON's sentencepiece module")

const syntheticGolden = "testdata/synthetic.json"

// syntheticVariants returns the synthetic models by name.
func syntheticVariants(t testing.TB) map[string]*testModel {
	return syntheticVariantsOf(v1Model(t))
}

// syntheticVariantsOf returns the synthetic models made from base.
func syntheticVariantsOf(base *testModel) map[string]*testModel {
	variant := func(f func(m *testModel)) *testModel {
		m := base.clone()
		f(m)
		return m
	}
	retype := func(m *testModel, typ TokenType, pieces ...string) {
		for i, p := range m.pieces {
			for _, want := range pieces {
				if p.piece == want {
					m.pieces[i].typ = typ
				}
			}
		}
	}
	userDefined := []string{"ing", "▁the", "▁▁", ",", "er", "▁▁▁▁"}
	return map[string]*testModel{
		"remove_extra_whitespaces": variant(func(m *testModel) { m.normalizer[normalizerRemoveExtraWhitespaces] = true }),
		"no_dummy_prefix":          variant(func(m *testModel) { m.normalizer[normalizerAddDummyPrefix] = false }),
		"no_escape_whitespaces":    variant(func(m *testModel) { m.normalizer[normalizerEscapeWhitespaces] = false }),
		"no_byte_fallback": variant(func(m *testModel) {
			m.trainer[trainerByteFallback] = false
			m.trainer[trainerUnkSurface] = "<?>"
			for i := range m.pieces {
				if m.pieces[i].typ == Byte {
					m.pieces[i].typ = Normal
				}
			}
		}),
		"unused": variant(func(m *testModel) {
			for i, p := range m.pieces {
				if p.typ == Normal && utf8.RuneCountInString(p.piece) >= 2 && i%3 == 0 {
					m.pieces[i].typ = Unused
				}
			}
		}),
		"user_defined": variant(func(m *testModel) { retype(m, UserDefined, userDefined...) }),
		"user_defined_remove_extra_whitespaces": variant(func(m *testModel) {
			retype(m, UserDefined, userDefined...)
			m.normalizer[normalizerRemoveExtraWhitespaces] = true
		}),
		"space_inside_pieces": variant(func(m *testModel) {
			m.pieces = append(m.pieces,
				testPiece{"o▁w", -10, Normal}, testPiece{"s▁the", -20, Normal},
				testPiece{"▁▁a▁", -5, Normal}, testPiece{"d▁", -3, Normal})
		}),
	}
}

// syntheticTexts returns the texts to encode: those of vectors.json and
// random ones.
func syntheticTexts(t testing.TB) []string {
	var texts []string
	for _, c := range vectors(t).V1.Cases {
		texts = append(texts, c.Text)
	}
	texts = append(texts, "  two  spaces  ", " ", "   ", "a", " a ", "▁ ▁", "日本語 日本語", "\x01\x02\x03 x",
		"the other thing is there", "singing, bringing, hello  world")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "e", "t", "h", "o", "w", "d", "s", "i", "n", "g", "r", " ", " ", " ", ",", ".", "\n", "▁",
		"é", "日", "🦙", "\x01", "the", "ing", "er", "  ", "    "}
	for range 150 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	return texts
}

// syntheticIDs returns id sequences to decode.
func syntheticIDs() [][]int32 {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []int32{0, 1, 2, 3, 4, 13, 28705, 259, 243, 162, 169, 156, 22557, 1526}
	var seqs [][]int32
	for range 60 {
		var ids []int32
		for range rng.IntN(10) {
			if rng.IntN(2) == 0 {
				ids = append(ids, special[rng.IntN(len(special))])
			} else {
				ids = append(ids, rng.Int32N(32000))
			}
		}
		seqs = append(seqs, ids)
	}
	return seqs
}

type syntheticFile struct {
	Texts     []string                  `json:"texts"`
	DecodeIDs [][]int32                 `json:"decode_ids"`
	Variants  map[string]syntheticCases `json:"variants"`
}

type syntheticCases struct {
	IDs        [][]int32 `json:"ids"`         // Encode of each text
	Decoded    []string  `json:"decoded"`     // Decode of those ids
	DecodeText []string  `json:"decode_text"` // Decode of each of DecodeIDs
}

const syntheticScript = `
import json, sys, sentencepiece as spm
d = sys.argv[1]
spec = json.load(open(d + "/in.json"))
out = {"texts": spec["texts"], "decode_ids": spec["decode_ids"], "variants": {}}
for name in spec["names"]:
    sp = spm.SentencePieceProcessor(model_file=d + "/" + name + ".model")
    ids = [sp.encode(t) for t in spec["texts"]]
    out["variants"][name] = {"ids": ids, "decoded": [sp.decode(x) for x in ids],
                             "decode_text": [sp.decode(x) for x in spec["decode_ids"]]}
json.dump(out, sys.stdout, ensure_ascii=False, separators=(",", ":"))
`

func TestSynthetic(t *testing.T) {
	variants := syntheticVariants(t)
	if *updateSynthetic {
		dir := t.TempDir()
		var names []string
		for name, m := range variants {
			m.write(t, dir, name)
			names = append(names, name)
		}
		in, err := json.Marshal(map[string]any{"names": names, "texts": syntheticTexts(t), "decode_ids": syntheticIDs()})
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, "in.json"), in, 0o644))
		python := os.Getenv("PYTHON")
		if python == "" {
			python = "python3"
		}
		out, err := exec.Command(python, "-c", syntheticScript, dir).Output()
		require.NoError(t, err, "running SentencePiece in %s", python)
		require.NoError(t, os.WriteFile(syntheticGolden, out, 0o644))
	}
	data, err := os.ReadFile(syntheticGolden)
	require.NoError(t, err)
	var golden syntheticFile
	require.NoError(t, json.Unmarshal(data, &golden))
	require.Len(t, golden.Variants, len(variants))
	for name, m := range variants {
		t.Run(name, func(t *testing.T) {
			tok, err := FromSentencePiece(m.bytes())
			require.NoError(t, err)
			want := golden.Variants[name]
			require.Len(t, want.IDs, len(golden.Texts))
			for i, text := range golden.Texts {
				ids, err := tok.Encode(text, EncodeOptions{})
				require.NoError(t, err)
				if !assert.Equal(t, nonNil(want.IDs[i]), nonNil(ids), "encode %q", text) {
					continue
				}
				s, err := tok.Decode(ids)
				require.NoError(t, err)
				assert.Equal(t, want.Decoded[i], s, "decode of %q", text)
			}
			for i, ids := range golden.DecodeIDs {
				s, err := tok.Decode(ids)
				require.NoError(t, err)
				assert.Equal(t, want.DecodeText[i], s, "decode %v", ids)
			}
		})
	}
}
