package mistral

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/mistral/grammar"
)

// run is one generation's stream and the session after it.
type run struct {
	toks     []Token
	text     string
	position int
	tokens   []int32
	logits   []float32
	stats    DecodeStats
}

func generateRun(t testing.TB, m *Model, sc SessionConfig, prompt string, cfg GenerateConfig) run {
	t.Helper()
	s, err := m.NewSession(sc)
	require.NoError(t, err)
	defer s.Close()
	var r run
	for tok, err := range s.Generate(context.Background(), prompt, cfg) {
		require.NoError(t, err)
		r.toks = append(r.toks, tok)
		r.text += tok.Text
	}
	r.position, r.tokens = s.Position(), slices.Clone(s.tokens)
	r.logits = slices.Clone(s.Logits())
	r.stats = s.DecodeStats()
	return r
}

// sameRun requires two runs to be identical: the stream (ids, text, stop
// reasons, log-probabilities) and the session they leave.
func sameRun(t *testing.T, want, got run, what string) {
	t.Helper()
	require.Equal(t, len(want.toks), len(got.toks), "%s: tokens", what)
	for i := range want.toks {
		require.Equal(t, want.toks[i], got.toks[i], "%s: token %d", what, i)
	}
	assert.Equal(t, want.text, got.text, what)
	assert.Equal(t, want.position, got.position, what)
	assert.Equal(t, want.tokens, got.tokens, "%s: the session's tokens", what)
	assert.Equal(t, want.logits, got.logits, "%s: the session's last logits", what)
}

var draftCases = []struct {
	name   string
	prompt string
	cfg    GenerateConfig
}{
	{"greedy", "CHAPTER I", GenerateConfig{MaxTokens: 200}},
	{"greedy past the window", "It was", GenerateConfig{MaxTokens: 300, IgnoreEOS: true}},
	{"sampled", "Natasha", GenerateConfig{MaxTokens: 200, IgnoreEOS: true,
		SamplerConfig: SamplerConfig{Temperature: 0.7, TopP: 0.95, Seed: 5}}},
	{"sampled hot", "The French army", GenerateConfig{MaxTokens: 150, IgnoreEOS: true,
		SamplerConfig: SamplerConfig{Temperature: 1.3, Seed: 9, RepeatPenalty: 1.1}}},
	{"log-probabilities", "Pierre", GenerateConfig{MaxTokens: 120, LogProbs: true, TopLogProbs: 3}},
	{"stop string", "CHAPTER I", GenerateConfig{MaxTokens: 200, Stop: []string{"the prince"}}},
	{"budget", "Moscow", GenerateConfig{MaxTokens: 37}},
}

// TestDraftsDoNotChangeOutput: the same generations with drafts and
// without give the same stream and leave the same session, greedy and
// sampled, inside and past the window.
func TestDraftsDoNotChangeOutput(t *testing.T) {
	m := loadTiny(t)
	kept := 0
	for _, c := range draftCases {
		t.Run(c.name, func(t *testing.T) {
			plainCfg := c.cfg
			plainCfg.NoDrafts = true
			plain := generateRun(t, m, SessionConfig{}, c.prompt, plainCfg)
			drafted := generateRun(t, m, SessionConfig{}, c.prompt, c.cfg)
			sameRun(t, plain, drafted, c.name)
			assert.Equal(t, plain.stats.Passes, plain.stats.Tokens, "without drafts: a pass a token")
			assert.Equal(t, drafted.stats.Tokens, drafted.stats.Passes+drafted.stats.Kept)
			t.Logf("%d tokens in %d passes (%d of %d drafts kept)", drafted.stats.Tokens, drafted.stats.Passes,
				drafted.stats.Kept, drafted.stats.Drafted)
			kept += drafted.stats.Kept
		})
	}
	assert.Positive(t, kept, "some drafts were taken (the small model repeats itself)")
}

// TestDraftsWithGrammar: a schema-constrained generation is the same with
// drafts and without.
func TestDraftsWithGrammar(t *testing.T) {
	m := loadTiny(t)
	g, err := grammar.JSONSchema([]byte(`{"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
		"kind": {"enum": ["prince", "princess", "count", "countess"]}, "age": {"type": "integer"}},
		"required": ["name", "kind", "age"], "additionalProperties": false}`), grammar.SchemaOptions{})
	require.NoError(t, err)
	for _, temp := range []float32{0, 1} {
		cfg := GenerateConfig{MaxTokens: 80, Grammar: g, SamplerConfig: SamplerConfig{Temperature: temp, Seed: 3}}
		plainCfg := cfg
		plainCfg.NoDrafts = true
		plain := generateRun(t, m, SessionConfig{}, "Natasha", plainCfg)
		drafted := generateRun(t, m, SessionConfig{}, "Natasha", cfg)
		sameRun(t, plain, drafted, fmt.Sprint("temperature ", temp))
		t.Logf("temperature %v: %q: %d tokens in %d passes", temp, drafted.text, drafted.stats.Tokens, drafted.stats.Passes)
	}
}

// TestDraftsUnderBatching: Sessions drafting at the same time, batched
// together by the scheduler, each give what they give alone without drafts.
func TestDraftsUnderBatching(t *testing.T) {
	m := loadTiny(t)
	want := make([]run, len(draftCases))
	for i, c := range draftCases {
		cfg := c.cfg
		cfg.NoDrafts = true
		want[i] = generateRun(t, m, SessionConfig{}, c.prompt, cfg)
	}
	got := make([]run, len(draftCases))
	var wg sync.WaitGroup
	for i, c := range draftCases {
		wg.Go(func() { got[i] = generateRun(t, m, SessionConfig{}, c.prompt, c.cfg) })
	}
	wg.Wait()
	for i, c := range draftCases {
		sameRun(t, want[i], got[i], c.name)
	}
}

// TestDraftsContinue: a session that generated with drafts goes on exactly
// as one that did not.
func TestDraftsContinue(t *testing.T) {
	m := loadTiny(t)
	next := func(noDrafts bool) []int32 {
		s := newSession(t, m)
		for _, err := range s.Generate(context.Background(), "CHAPTER I", GenerateConfig{MaxTokens: 90, NoDrafts: noDrafts}) {
			require.NoError(t, err)
		}
		var ids []int32
		for tok, err := range s.GenerateTokens(context.Background(), nil, GenerateConfig{MaxTokens: 60, NoDrafts: true, IgnoreEOS: true}) {
			require.NoError(t, err)
			ids = append(ids, tok.ID)
		}
		return ids
	}
	assert.Equal(t, next(true), next(false))
}

// TestDraftsV3 (extended): on the llama.cpp-made v3 files, free text past
// the window (96), JSON and a schema give the same with drafts and
// without. Q8_0 computes a lone token with other kernels than a batch:
// drafting is off there unless the Session is Deterministic.
func TestDraftsV3(t *testing.T) {
	t.Parallel() // long; uses no test hook
	v3Files(t)
	schema, err := grammar.JSONSchema([]byte(`{"type": "object", "properties": {"who": {"type": "string", "maxLength": 24},
		"rank": {"enum": ["general", "colonel", "captain"]}, "army": {"enum": ["Russian", "French", "Austrian"]}},
		"required": ["who", "rank", "army"], "additionalProperties": false}`), grammar.SchemaOptions{Compact: true})
	require.NoError(t, err)
	for _, c := range v3Exact {
		t.Run(c.file, func(t *testing.T) {
			m := loadV3(t, c.file)
			sc := SessionConfig{Deterministic: c.deterministic}
			for _, g := range []struct {
				name   string
				prompt string
				cfg    GenerateConfig
			}{
				{"text past the window", "It was", GenerateConfig{MaxTokens: 250, IgnoreEOS: true}},
				{"sampled", "Natasha", GenerateConfig{MaxTokens: 150, IgnoreEOS: true, SamplerConfig: SamplerConfig{Temperature: 0.8, Seed: 2}}},
				{"json", "The general", GenerateConfig{MaxTokens: 120, Grammar: grammar.JSON(grammar.JSONOptions{})}},
				{"schema", "Kutuzov", GenerateConfig{MaxTokens: 80, Grammar: schema}},
			} {
				plainCfg := g.cfg
				plainCfg.NoDrafts = true
				plain := generateRun(t, m, sc, g.prompt, plainCfg)
				drafted := generateRun(t, m, sc, g.prompt, g.cfg)
				sameRun(t, plain, drafted, g.name)
				t.Logf("%s: %d tokens in %d passes (%d of %d drafts kept)", g.name, drafted.stats.Tokens,
					drafted.stats.Passes, drafted.stats.Kept, drafted.stats.Drafted)
			}
		})
	}
	// Without Deterministic, Q8_0 does not draft.
	m := loadV3(t, "tiny-mistral-v3-Q8_0.gguf")
	r := generateRun(t, m, SessionConfig{}, "It was", GenerateConfig{MaxTokens: 100, IgnoreEOS: true})
	assert.Zero(t, r.stats.Drafted)
}

// TestStopInsideDrafts: a generation that stops inside a pass of drafts
// (the caller breaks, or cancels its context) leaves the session holding
// the tokens streamed, with the logits after the last of them, as a new
// session fed those tokens has them, and continues as that session does.
// The drafts are the plain generation's next tokens, the third of each
// pass wrong, so that passes hold several tokens and both rules run: kept
// drafts and a refused one. With a grammar the drafts are those it forces
// and the last pass may compute the allowed tokens' logits only.
func TestStopInsideDrafts(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	more := func(s *Session) []int32 {
		var out []int32
		for tok, err := range s.GenerateTokens(ctx, nil, GenerateConfig{MaxTokens: 8, IgnoreEOS: true, NoDrafts: true}) {
			require.NoError(t, err)
			out = append(out, tok.ID)
		}
		return out
	}
	check := func(s *Session, what string, cont bool) {
		t.Helper()
		fresh := newSession(t, m)
		require.NoError(t, fresh.Feed(ctx, s.tokens))
		require.Equal(t, bitsOf(fresh.Logits()), bitsOf(s.Logits()), "%s: the logits after the last token", what)
		if cont {
			require.Equal(t, more(fresh), more(s), "%s: going on", what)
		}
	}

	free := GenerateConfig{MaxTokens: 40, IgnoreEOS: true}
	plainCfg := free
	plainCfg.NoDrafts = true
	plain := ids(generateRun(t, m, SessionConfig{}, "It was", plainCfg).toks)
	var n int // tokens the loop below has received
	testHookDrafts = func(int32) []int32 {
		d := slices.Clone(plain[min(n+1, len(plain)):min(n+4, len(plain))])
		if len(d) == 3 {
			d[2] = (d[2] + 1) % int32(m.Params().Vocab)
		}
		return d
	}
	defer func() { testHookDrafts = nil }()
	for k := 1; k <= 30; k++ {
		for _, cancelled := range []bool{false, true} {
			s := newSession(t, m)
			c, cancel := context.WithCancel(ctx)
			n = 0
			for _, err := range s.Generate(c, "It was", free) {
				if cancelled && n == k {
					require.ErrorIs(t, err, context.Canceled)
					break
				}
				require.NoError(t, err)
				if n++; n == k {
					if !cancelled {
						break
					}
					cancel() // the next token's turn sees it
				}
			}
			cancel()
			require.Equal(t, plain[:k], s.tokens[len(s.tokens)-k:], "k %d", k)
			if k >= 3 {
				require.Positive(t, s.DecodeStats().Kept, "k %d: drafts kept", k)
			}
			check(s, fmt.Sprintf("free text, stopped at %d (cancelled %v)", k, cancelled), k%5 == 0)
		}
	}
	testHookDrafts = nil

	for i, cfg := range onlyCases(t) {
		for k := 1; k <= 40; k++ {
			s := newSession(t, m)
			got := 0
			for _, err := range s.Generate(ctx, fmt.Sprintf("Record %d:", i), cfg) {
				require.NoError(t, err)
				if got++; got == k {
					break
				}
			}
			check(s, fmt.Sprintf("schema %d, stopped at %d", i, k), k%5 == 0)
		}
	}
}

// TestStaleLogitsEmptied: a session whose last generation left partial
// logits and that then forgets every token (a prefill with nothing in
// common, cancelled) holds the logits of an empty session, zeros, and
// saves and restores them so.
func TestStaleLogitsEmptied(t *testing.T) {
	m := loadTiny(t)
	s := newSession(t, m)
	for _, err := range s.Generate(context.Background(), "Record:", onlyCases(t)[0]) {
		require.NoError(t, err)
	}
	require.True(t, s.stale)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, s.Prefill(ctx, []int32{5, 6, 7}), context.Canceled)
	require.Zero(t, s.Position())
	zeros := make([]float32, m.Params().Vocab)
	assert.Equal(t, zeros, s.Logits())
	var saved bytes.Buffer
	require.NoError(t, s.Save(&saved))
	r := newSession(t, m)
	require.NoError(t, r.Restore(&saved))
	assert.Equal(t, zeros, r.Logits())
}
