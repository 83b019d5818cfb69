package mistral

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral/grammar"
)

// onlyCases are greedy schema-constrained generations on the small model:
// every test schema, compact and not.
func onlyCases(t *testing.T) []GenerateConfig {
	var cfgs []GenerateConfig
	for _, compact := range []bool{false, true} {
		for _, schema := range testSchemas {
			g, err := grammar.JSONSchema([]byte(schema), grammar.SchemaOptions{Compact: compact})
			require.NoError(t, err)
			cfgs = append(cfgs, GenerateConfig{MaxTokens: 120, Grammar: g})
		}
	}
	return cfgs
}

// TestPartialLogits: greedy generations through a grammar compute, where
// the grammar allows few tokens, the logits of those only, and give the
// tokens, text and session of the same generations without drafts (whole
// logits at every pass), alone and four at once. Its control asks for half
// of the allowed tokens only: the output must change.
func TestPartialLogits(t *testing.T) {
	m := loadTiny(t)
	require.True(t, m.kernels.outputRows, "the small model's F16 output matrix on the CPU")
	cfgs := onlyCases(t)
	plain := make([]run, len(cfgs))
	for i, cfg := range cfgs {
		cfg.NoDrafts = true
		plain[i] = generateRun(t, m, SessionConfig{}, fmt.Sprintf("Record %d:", i), cfg)
		assert.Zero(t, plain[i].stats.Partial, "without drafts, whole logits")
	}
	partial := 0
	for i, cfg := range cfgs {
		r := generateRun(t, m, SessionConfig{}, fmt.Sprintf("Record %d:", i), cfg)
		sameRun(t, plain[i], r, fmt.Sprint("schema ", i))
		partial += r.stats.Partial
	}
	assert.Greater(t, partial, len(cfgs), "passes that computed some logits only")
	t.Logf("%d passes with some logits only in %d generations", partial, len(cfgs))

	// Four at once: passes shared by several Sessions compute whole logits.
	got := make([]run, len(cfgs))
	var wg sync.WaitGroup
	for i, cfg := range cfgs {
		wg.Go(func() { got[i] = generateRun(t, m, SessionConfig{}, fmt.Sprintf("Record %d:", i), cfg) })
		if i%4 == 3 {
			wg.Wait()
		}
	}
	wg.Wait()
	for i := range cfgs {
		sameRun(t, plain[i], got[i], fmt.Sprint("at once, schema ", i))
	}

	testHookOnlyHalf = true
	defer func() { testHookOnlyHalf = false }()
	changed := 0
	for i, cfg := range cfgs {
		r := generateRun(t, m, SessionConfig{}, fmt.Sprintf("Record %d:", i), cfg)
		if !slices.Equal(ids(r.toks), ids(plain[i].toks)) {
			changed++
		}
	}
	assert.Positive(t, changed, "the control (half the allowed tokens' logits) changed no output: the comparison could not tell")
}

// TestPartialLogitsAfter: a generation that ends on a pass of partial
// logits leaves a session whose logits, read, saved or generated from, are
// whole: those of the same tokens fed to a new session.
func TestPartialLogitsAfter(t *testing.T) {
	m := loadTiny(t)
	cfg := onlyCases(t)[0]
	s := newSession(t, m)
	for _, err := range s.Generate(context.Background(), "Record:", cfg) {
		require.NoError(t, err)
	}
	require.True(t, s.stale, "the grammar's end allows end-of-sequence only: the last pass computed its logit alone")
	want := allLogits(t, m, s.tokens, 0)
	last := want[len(want)-1]

	// A generation started with a cancelled context loses nothing.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pos, toks := s.Position(), slices.Clone(s.tokens)
	errs := 0
	for _, err := range s.Generate(ctx, "", GenerateConfig{MaxTokens: 4}) {
		require.ErrorIs(t, err, context.Canceled)
		errs++
	}
	require.Equal(t, 1, errs, "the cancelled generation reports it")
	assert.Equal(t, pos, s.Position())
	assert.Equal(t, toks, s.tokens)
	assert.True(t, s.stale)

	// Saved: the logits are made whole first.
	var saved bytes.Buffer
	require.NoError(t, s.Save(&saved))
	assert.False(t, s.stale)
	assert.Equal(t, pos, s.Position())
	assert.Equal(t, bitsOf(last), bitsOf(s.logits))
	r := newSession(t, m)
	require.NoError(t, r.Restore(&saved))
	assert.Equal(t, bitsOf(last), bitsOf(r.Logits()))

	// Read, and generated from: as from whole logits.
	s2 := newSession(t, m)
	for _, err := range s2.Generate(context.Background(), "Record:", cfg) {
		require.NoError(t, err)
	}
	require.True(t, s2.stale)
	assert.Equal(t, bitsOf(last), bitsOf(s2.Logits()))
	s3 := newSession(t, m)
	for _, err := range s3.Generate(context.Background(), "Record:", cfg) {
		require.NoError(t, err)
	}
	require.True(t, s3.stale)
	more := func(s *Session) []int32 {
		var out []int32
		for tok, err := range s.GenerateTokens(context.Background(), nil, GenerateConfig{MaxTokens: 20, IgnoreEOS: true, NoDrafts: true}) {
			require.NoError(t, err)
			out = append(out, tok.ID)
		}
		return out
	}
	fresh := newSession(t, m)
	require.NoError(t, fresh.Feed(context.Background(), s3.tokens))
	assert.Equal(t, more(fresh), more(s3))
}

func bitsOf(v []float32) []uint32 {
	b := make([]uint32, len(v))
	for i, f := range v {
		b[i] = math.Float32bits(f)
	}
	return b
}
