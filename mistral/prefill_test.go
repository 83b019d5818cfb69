package mistral

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
)

// TestPrefillReusesPrefix: starting on a prompt that shares a prefix with
// the session's tokens computes only what differs, and gives the logits a
// fresh session gives; past the window, where the rolling cache no longer
// holds what the new suffix needs, it recomputes everything, and is still
// right.
func TestPrefillReusesPrefix(t *testing.T) {
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	a, b := ref.Sequences[0].IDs, ref.Sequences[1].IDs
	ctx := context.Background()
	fresh := func(ids []int32) []float32 {
		s := newSession(t, m)
		require.NoError(t, s.Prefill(ctx, ids))
		return append([]float32(nil), s.Logits()...)
	}
	splice := func(n int, rest []int32) []int32 { return append(append([]int32(nil), a[:n]...), rest...) }

	// Within the first window: 100 tokens, then the same 60 and 30 others.
	s := newSession(t, m)
	require.NoError(t, s.Prefill(ctx, a[:100]))
	before := s.computed
	p := splice(60, b[200:230])
	require.NoError(t, s.Prefill(ctx, p))
	assert.Equal(t, 30, s.computed-before, "only the 30 new tokens are computed")
	assert.Equal(t, fresh(p), s.Logits())
	assert.Equal(t, len(p), s.Position())

	// A prompt that extends the session's tokens: only the extension.
	before = s.computed
	q := append(append([]int32(nil), p...), b[300:310]...)
	require.NoError(t, s.Prefill(ctx, q))
	assert.Equal(t, 10, s.computed-before)
	assert.Equal(t, fresh(q), s.Logits())

	// The same prompt again: the last token is recomputed, for its logits.
	before = s.computed
	require.NoError(t, s.Prefill(ctx, q))
	assert.Equal(t, 1, s.computed-before)
	assert.Equal(t, fresh(q), s.Logits())

	// Past the window (128), with 192 slots (the window and a block of
	// 64): 300 tokens, then the first 230 and others. The slots of
	// positions 230..299 held 38..107, which the new suffix needs (the token
	// at 230 sees 103..229): everything is recomputed.
	s = newSession(t, m)
	require.NoError(t, s.Prefill(ctx, a[:300]))
	before = s.computed
	r := splice(230, b[10:20])
	require.NoError(t, s.Prefill(ctx, r))
	assert.Equal(t, len(r), s.computed-before, "the cache cannot be rewound past the window by more than a block")
	assert.Equal(t, fresh(r), s.Logits())

	// Rewinding by less than the extra block keeps the prefix: 300 tokens,
	// then the first 250 and others (slots of 250..299 held 58..107, which
	// the token at 250 no longer sees).
	s = newSession(t, m)
	require.NoError(t, s.Prefill(ctx, a[:300]))
	before = s.computed
	r = splice(250, b[10:20])
	require.NoError(t, s.Prefill(ctx, r))
	assert.Equal(t, 10, s.computed-before, "a block's rewind past the window keeps the prefix")
	assert.Equal(t, fresh(r), s.Logits())

	// Past the window, dropping one token only is still possible.
	before = s.computed
	r2 := append(append([]int32(nil), r[:len(r)-1]...), b[50])
	require.NoError(t, s.Prefill(ctx, r2))
	assert.Equal(t, 1, s.computed-before)
	assert.Equal(t, fresh(r2), s.Logits())
}
