package tokenizer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stream decodes ids one by one and returns what each Add and the final
// Flush returned.
func stream(t testing.TB, tok *Tokenizer, ids []int32, opt DecoderOptions) []string {
	t.Helper()
	d := tok.NewDecoder(opt)
	var parts []string
	for _, id := range ids {
		s, err := d.Add(id)
		require.NoError(t, err)
		parts = append(parts, s)
	}
	return append(parts, d.Flush())
}

func TestDecoderMatchesDecode(t *testing.T) {
	for _, tt := range []struct {
		name  string
		tok   *Tokenizer
		cases []vectorCase
	}{{"v1", v1(t), vectors(t).V1.Cases}, {"v3", v3(t), vectors(t).V3.Cases}} {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range tt.cases {
				for _, ids := range [][]int32{c.IDs, append([]int32{tt.tok.BOS()}, c.IDs...)} {
					parts := stream(t, tt.tok, ids, DecoderOptions{StartOfText: true})
					for _, p := range parts {
						assert.True(t, utf8.ValidString(p), "%q in %q", p, c.Text)
					}
					assert.Equal(t, c.Decoded, strings.Join(parts, ""))
				}
			}
		})
	}
}

func TestDecoder(t *testing.T) {
	tok := v1(t)
	// 🦙 is four byte pieces: nothing shows until the fourth.
	assert.Equal(t, []string{"", "", "", "", "🦙", " Hello", ""},
		stream(t, tok, []int32{28705, 243, 162, 169, 156, 22557}, DecoderOptions{StartOfText: true}))
	// A generation continuing a prompt keeps the space of its first piece.
	assert.Equal(t, []string{" Paris", ""}, stream(t, tok, []int32{5465}, DecoderOptions{}))
	assert.Equal(t, []string{"Paris", ""}, stream(t, tok, []int32{5465}, DecoderOptions{StartOfText: true}))
	// An incomplete character is flushed as U+FFFD per byte, as Decode does.
	assert.Equal(t, []string{"", "", "\uFFFD\uFFFD"}, stream(t, tok, []int32{243, 162}, DecoderOptions{}))
	// A byte that cannot start a character shows at once.
	assert.Equal(t, []string{"\uFFFD", ""}, stream(t, tok, []int32{162}, DecoderOptions{}))

	d := tok.NewDecoder(DecoderOptions{})
	s, err := d.Add(243)
	require.NoError(t, err)
	assert.Empty(t, s)
	_, err = d.Add(-3)
	var ie *IDError
	require.ErrorAs(t, err, &ie)
	for _, id := range []int32{162, 169, 156} {
		s, err = d.Add(id)
		require.NoError(t, err)
	}
	assert.Equal(t, "🦙", s, "a bad id leaves the decoder as it was")
	assert.Empty(t, d.Flush())
}
