package mistral

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

const storyPrompt = "It was in July, 1805, and"

// generateAll runs a generation and returns its tokens and text.
func generateAll(t testing.TB, s *Session, ctx context.Context, prompt string, cfg GenerateConfig) ([]Token, string, error) {
	t.Helper()
	var toks []Token
	var text strings.Builder
	for tok, err := range s.Generate(ctx, prompt, cfg) {
		if err != nil {
			return toks, text.String(), err
		}
		toks = append(toks, tok)
		text.WriteString(tok.Text)
	}
	return toks, text.String(), nil
}

func newSession(t testing.TB, m *Model) *Session {
	t.Helper()
	s, err := m.NewSession(SessionConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

func ids(toks []Token) []int32 {
	out := make([]int32, len(toks))
	for i, t := range toks {
		out[i] = t.ID
	}
	return out
}

func TestGenerateStreamsDecodedText(t *testing.T) {
	m := loadTiny(t)
	s := newSession(t, m)
	toks, text, err := generateAll(t, s, context.Background(), storyPrompt, GenerateConfig{MaxTokens: 30})
	require.NoError(t, err)
	require.Len(t, toks, 30)
	assert.Equal(t, StopMaxTokens, toks[29].Stop)
	want, err := m.Tokenizer().Decode(ids(toks))
	require.NoError(t, err)
	// Decode drops the leading space of a text; a continuation keeps it.
	assert.Equal(t, strings.TrimPrefix(text, " "), want)
	assert.Equal(t, 1+len(mustEncode(t, m, storyPrompt))+30, s.Position())
}

func mustEncode(t testing.TB, m *Model, s string) []int32 {
	ids, err := m.Tokenizer().Encode(s, tokenizer.EncodeOptions{})
	require.NoError(t, err)
	return ids
}

// TestStopStrings cuts the greedy continuation at stop strings that span
// two and three tokens, and one that never appears.
func TestStopStrings(t *testing.T) {
	m := loadTiny(t)
	full, fullText, err := generateAll(t, newSession(t, m), context.Background(), storyPrompt, GenerateConfig{MaxTokens: 40})
	require.NoError(t, err)
	// Find token boundaries in the text.
	var bounds []int
	n := 0
	for _, tok := range full {
		n += len(tok.Text)
		bounds = append(bounds, n)
	}
	pick := func(tokens int) (string, int) {
		// A stop string starting one byte before a boundary and covering the
		// next tokens-1 tokens entirely.
		for i := 3; i+tokens-1 < len(full); i++ {
			start := bounds[i] - 1
			end := bounds[i+tokens-2] + 1
			if tokens == 2 {
				end = bounds[i] + 1
			}
			if end <= len(fullText) && end-start >= tokens && !strings.Contains(fullText[:start], fullText[start:end]) {
				return fullText[start:end], start
			}
		}
		t.Fatal("no stop string found")
		return "", 0
	}
	for _, spans := range []int{2, 3} {
		stop, at := pick(spans)
		toks, text, err := generateAll(t, newSession(t, m), context.Background(), storyPrompt,
			GenerateConfig{MaxTokens: 40, Stop: []string{stop}})
		require.NoError(t, err)
		assert.Equal(t, fullText[:at], text, "stop %q spanning %d tokens", stop, spans)
		assert.NotContains(t, text, stop)
		assert.Equal(t, StopString, toks[len(toks)-1].Stop)
	}
	_, text, err := generateAll(t, newSession(t, m), context.Background(), storyPrompt,
		GenerateConfig{MaxTokens: 40, Stop: []string{"never in this text \x00"}})
	require.NoError(t, err)
	assert.Equal(t, fullText, text)
}

// TestCancellation cancels before the first token and mid-stream; the
// session then continues exactly as an uninterrupted one.
func TestCancellation(t *testing.T) {
	m := loadTiny(t)
	cfg := GenerateConfig{MaxTokens: 24}
	whole, _, err := generateAll(t, newSession(t, m), context.Background(), storyPrompt, cfg)
	require.NoError(t, err)

	// Cancelled before anything: nothing is computed.
	s := newSession(t, m)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	toks, _, err := generateAll(t, s, ctx, storyPrompt, cfg)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Empty(t, toks)
	assert.Equal(t, 0, s.Position())

	// Cancelled mid-stream, after the 10th token.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	var got []int32
	for tok, err := range s.Generate(ctx, storyPrompt, cfg) {
		if err != nil {
			assert.ErrorIs(t, err, context.Canceled)
			break
		}
		got = append(got, tok.ID)
		if len(got) == 10 {
			cancel()
		}
	}
	require.Len(t, got, 10)
	// Continue: the next tokens are the uninterrupted run's.
	rest, _, err := generateAll(t, s, context.Background(), "", GenerateConfig{MaxTokens: 14})
	require.NoError(t, err)
	assert.Equal(t, ids(whole), append(got, ids(rest)...))

	// Stopping the loop early (break) leaves the session ready too.
	s2 := newSession(t, m)
	got = got[:0]
	for tok, err := range s2.Generate(context.Background(), storyPrompt, cfg) {
		require.NoError(t, err)
		got = append(got, tok.ID)
		if len(got) == 5 {
			break
		}
	}
	rest, _, err = generateAll(t, s2, context.Background(), "", GenerateConfig{MaxTokens: 19})
	require.NoError(t, err)
	assert.Equal(t, ids(whole), append(got, ids(rest)...))
}

// TestSaveRestore saves a session past the window, restores it into a new
// session and checks the continuation; damaged files are refused.
func TestSaveRestore(t *testing.T) {
	m := loadTiny(t)
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	prompt := ref.Sequences[0].IDs[:300] // past the window of 128
	cfg := GenerateConfig{SamplerConfig: SamplerConfig{Temperature: 0.8, TopP: 0.95, Seed: 7}, MaxTokens: 40}

	var whole []int32
	s := newSession(t, m)
	for tok, err := range s.GenerateTokens(context.Background(), prompt, cfg) {
		require.NoError(t, err)
		whole = append(whole, tok.ID)
	}

	// Interrupted after 15 tokens, saved, restored elsewhere, continued
	// without a seed: the random stream continues where it was.
	a := newSession(t, m)
	var got []int32
	for tok, err := range a.GenerateTokens(context.Background(), prompt, cfg) {
		require.NoError(t, err)
		got = append(got, tok.ID)
		if len(got) == 15 {
			break
		}
	}
	var saved bytes.Buffer
	require.NoError(t, a.Save(&saved))
	b := newSession(t, m)
	require.NoError(t, b.Restore(bytes.NewReader(saved.Bytes())))
	assert.Equal(t, a.Position(), b.Position())
	rest := cfg
	rest.Seed = 0
	rest.MaxTokens = 25
	for tok, err := range b.GenerateTokens(context.Background(), nil, rest) {
		require.NoError(t, err)
		got = append(got, tok.ID)
	}
	assert.Equal(t, whole, got)

	// Damage: truncation anywhere, and single bit flips.
	data := saved.Bytes()
	for _, n := range []int{0, 10, 30, 100, len(data) / 2, len(data) - 1} {
		err := newSession(t, m).Restore(bytes.NewReader(data[:n]))
		assert.ErrorIs(t, err, ErrBadSession, "truncated to %d", n)
	}
	for _, at := range []int{0, 20, 60, len(data) / 3, len(data) - 2} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x10
		c := newSession(t, m)
		err := c.Restore(bytes.NewReader(bad))
		assert.ErrorIs(t, err, ErrBadSession, "bit flipped at %d", at)
		assert.Equal(t, 0, c.Position(), "a failed restore leaves the session empty")
	}
	// Another model (a different window means a different configuration).
	other, err := Load(context.Background(), tinyModel, Config{SlidingWindow: 64, Threads: 1})
	require.NoError(t, err)
	defer other.Close()
	err = newSession(t, other).Restore(bytes.NewReader(data))
	assert.ErrorIs(t, err, ErrBadSession)
}

// TestConcurrentSessions runs eight sessions on one model at once; each
// must produce what it produces alone. Run with -race.
func TestConcurrentSessions(t *testing.T) {
	m := loadTiny(t)
	prompts := []string{"CHAPTER I", "Natasha", "The French army", "Pierre said", "\"Well, Prince,", "Moscow", "The count", "Rostov"}
	alone := make([][]int32, len(prompts))
	for i, p := range prompts {
		toks, _, err := generateAll(t, newSession(t, m), context.Background(), p, GenerateConfig{MaxTokens: 20, SamplerConfig: SamplerConfig{Temperature: 0.7, Seed: uint64(i + 1)}})
		require.NoError(t, err)
		alone[i] = ids(toks)
	}
	together := make([][]int32, len(prompts))
	errs := make([]error, len(prompts))
	var wg sync.WaitGroup
	for i, p := range prompts {
		s := newSession(t, m)
		wg.Go(func() {
			var got []int32
			for tok, err := range s.Generate(context.Background(), p, GenerateConfig{MaxTokens: 20, SamplerConfig: SamplerConfig{Temperature: 0.7, Seed: uint64(i + 1)}}) {
				if err != nil {
					errs[i] = err
					return
				}
				got = append(got, tok.ID)
			}
			together[i] = got
		})
	}
	wg.Wait()
	for i := range prompts {
		require.NoError(t, errs[i])
		assert.Equal(t, alone[i], together[i], "session %d", i)
	}
}

func TestSessionMisuseIsLoud(t *testing.T) {
	m := loadTiny(t)
	s := newSession(t, m)
	err := s.Feed(context.Background(), []int32{1, 99999})
	assert.ErrorContains(t, err, "outside the vocabulary")
	assert.Equal(t, 0, s.Position(), "a bad token feeds nothing")
	var toks []Token
	for tok, err := range s.Generate(context.Background(), "bad \xff utf-8", GenerateConfig{}) {
		if err != nil {
			assert.ErrorContains(t, err, "UTF-8")
			break
		}
		toks = append(toks, tok)
	}
	assert.Empty(t, toks)
	require.NoError(t, s.Close())
	err = s.Feed(context.Background(), []int32{1})
	assert.True(t, errors.Is(err, ErrClosed))
}
