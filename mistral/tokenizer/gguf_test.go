package tokenizer

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"

	"github.com/gomistral/gomistral/ggml/gguf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openGGUF returns the tokenizer of a GGUF file's metadata.
func openGGUF(t *testing.T, path string) *Tokenizer {
	t.Helper()
	m, err := gguf.Open(path)
	require.NoError(t, err)
	defer m.Close()
	tok, err := FromGGUF(m.File)
	require.NoError(t, err)
	return tok
}

// sameVocabulary checks that two tokenizers have the same pieces, scores,
// types and special ids. llama.cpp's converter writes SentencePiece's
// user-defined pieces as normal ones; with userDefinedAsNormal, that is the
// only difference of types allowed.
func sameVocabulary(t *testing.T, want, got *Tokenizer, userDefinedAsNormal bool) {
	t.Helper()
	require.Equal(t, want.Len(), got.Len())
	assert.Equal(t, want.pieces, got.pieces)
	assert.Equal(t, want.scores, got.scores)
	wantTypes := want.types
	if userDefinedAsNormal {
		wantTypes = slices.Clone(wantTypes)
		for i, typ := range wantTypes {
			if typ == UserDefined {
				wantTypes[i] = Normal
			}
		}
	}
	assert.Equal(t, wantTypes, got.types)
	assert.Equal(t, []int32{want.BOS(), want.EOS(), want.Unknown()}, []int32{got.BOS(), got.EOS(), got.Unknown()})
	assert.Equal(t, want.norm, got.norm)
	assert.Equal(t, want.byteFallback, got.byteFallback)
}

func TestVectorsGGUFv1(t *testing.T) {
	tok := openGGUF(t, testref.TinyModel())
	sameVocabulary(t, v1(t), tok, false)
	assert.True(t, tok.AddBOS())
	assert.False(t, tok.AddEOS())
	checkCases(t, tok, vectors(t).V1.Cases)

	want, text := warAndPeace(t)
	got, err := tok.Encode(text, EncodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, want, got)
}

// TestVectorsGGUFv3 reads the v3 GGUFs made by llama.cpp, which live outside
// the repository.
func TestVectorsGGUFv3(t *testing.T) {
	dir := filepath.Join(sharedTestdata, "tiny-mistral-v3")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("extended test: %s not found (the shared reference data is outside the repository)", dir)
	}
	for _, q := range []string{"Q4_0", "Q8_0", "Q4_K_M", "Q6_K"} {
		t.Run(q, func(t *testing.T) {
			tok := openGGUF(t, filepath.Join(dir, "tiny-mistral-v3-"+q+".gguf"))
			sameVocabulary(t, v3(t), tok, true)
			checkCases(t, tok, vectors(t).V3.Cases)
		})
	}
}
