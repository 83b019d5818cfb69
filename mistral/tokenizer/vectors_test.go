package tokenizer

import (
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// checkCases compares tok with SentencePiece's encodings.
func checkCases(t *testing.T, tok *Tokenizer, cases []vectorCase) {
	t.Helper()
	require.NotEmpty(t, cases)
	for _, c := range cases {
		ids, err := tok.Encode(c.Text, EncodeOptions{})
		require.NoError(t, err, "%q", c.Text)
		if !assert.Equal(t, c.IDs, nonNil(ids), "ids of %q", c.Text) {
			continue
		}
		pieces := make([]string, len(ids))
		for i, id := range ids {
			pieces[i] = tok.Piece(id)
		}
		assert.Equal(t, c.Pieces, nonNilStrings(pieces), "pieces of %q", c.Text)
		text, err := tok.Decode(ids)
		require.NoError(t, err)
		assert.Equal(t, c.Decoded, text, "decoded %q", c.Text)
	}
}

func nonNil(ids []int32) []int32 {
	if ids == nil {
		return []int32{}
	}
	return ids
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func TestVectorsSentencePiece(t *testing.T) {
	v := vectors(t)
	t.Run("v1", func(t *testing.T) { checkCases(t, v1(t), v.V1.Cases) })
	t.Run("v3", func(t *testing.T) { checkCases(t, v3(t), v.V3.Cases) })
}

func TestWarAndPeace(t *testing.T) {
	want, text := warAndPeace(t)
	require.Equal(t, 200000, utf8.RuneCountInString(text))
	require.Len(t, want, vectors(t).WarAndPeace.NTokens)
	got, err := v1(t).Encode(text, EncodeOptions{})
	require.NoError(t, err)
	require.Equal(t, len(want), len(got))
	for i := range want {
		if want[i] != got[i] {
			t.Fatalf("first difference at token %d: got %d (%q), want %d (%q)", i, got[i], v1(t).Piece(got[i]), want[i], v1(t).Piece(want[i]))
		}
	}
}
