package tokenizer

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestText: a token's own text, by the kind of its piece.
func TestText(t *testing.T) {
	tok := v1(t)
	hello, ok := tok.Lookup("▁the")
	require.True(t, ok)
	assert.Equal(t, " the", tok.Text(hello), "▁ is a space")
	newline, ok := tok.Lookup("<0x0A>")
	require.True(t, ok)
	assert.Equal(t, "\n", tok.Text(newline), "a byte token's byte")
	assert.Equal(t, "\xe2", tok.Text(tok.byteIDs[0xe2]), "a byte of a UTF-8 sequence, alone")
	assert.Equal(t, "</s>", tok.Text(tok.EOS()), "a control token's name")
}
