package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// loadRef returns the reference of the shipped model, computed outside the
// project (testdata/tiny-mistral-v1/ref.json: its greedy continuations and
// argmax), and its tokenizer.
func loadRef(t *testing.T) (*testref.Reference, *tokenizer.Tokenizer) {
	dir := testref.Testdata("tiny-mistral-v1")
	tok, err := tokenizer.LoadSentencePiece(filepath.Join(dir, "tokenizer.model"))
	require.NoError(t, err)
	return testref.ReadReference(t, dir), tok
}

// continuation decodes ids as text following a prompt (leading space kept).
func continuation(t *testing.T, tok *tokenizer.Tokenizer, ids []int32) string {
	d := tok.NewDecoder(tokenizer.DecoderOptions{})
	var b strings.Builder
	for _, id := range ids {
		s, err := d.Add(id)
		require.NoError(t, err)
		b.WriteString(s)
	}
	b.WriteString(d.Flush())
	return b.String()
}

// generate runs the program and returns its output before the newline that
// ends it.
func generate(t *testing.T, args ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), append([]string{"-threads", "1"}, args...), &out, &errOut), "stderr: %s", errOut.String())
	text, ok := strings.CutSuffix(out.String(), "\n")
	require.True(t, ok, "the output %q does not end with a newline", out.String())
	return text
}

// TestGreedyEqualsReference: with -temp 0 the program prints exactly the
// reference's greedy continuation, up to the first step whose top-2 margin
// is under 0.03 (where float32 arithmetic may pick the other token), and
// nothing else on stdout.
func TestGreedyEqualsReference(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ref, tok := loadRef(t)
	for _, g := range ref.Greedy {
		n := len(g.GreedyIDs)
		for i, m := range g.Top2Margin {
			if m < 0.03 {
				n = i
				break
			}
		}
		if n == 0 {
			continue
		}
		got := generate(t, "-prompt", g.Prompt, "-n", strconv.Itoa(n), "-temp", "0")
		assert.Equal(t, continuation(t, tok, g.GreedyIDs[:n]), got, "prompt %q, %d tokens", g.Prompt, n)
	}
}

// TestGreedyPastTheWindow: prompts longer than the window (128), made of
// the reference sequences; the reference's argmax is the greedy next token.
func TestGreedyPastTheWindow(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ref, tok := loadRef(t)
	seq := ref.Sequences[0]
	for _, n := range []int{150, 260, 399} {
		prompt, err := tok.Decode(seq.IDs[1:n]) // without the BOS, which the program adds
		require.NoError(t, err)
		ids, err := tok.Encode(prompt, tokenizer.EncodeOptions{})
		require.NoError(t, err)
		require.Equal(t, seq.IDs[1:n], ids, "the prompt text encodes back to the reference ids")
		got := generate(t, "-prompt", prompt, "-n", "1", "-temp", "0")
		assert.Equal(t, continuation(t, tok, []int32{seq.Argmax[n-1]}), got, "after %d tokens", n)
	}
}
