package mistral

import (
	"bytes"
	"context"
	"errors"
	"iter"
	"math"
	"strings"
	"testing"

	"github.com/gomistral/gomistral/internal/testref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tokenIDs collects the ids a generation streams, failing on an error.
func tokenIDs(t testing.TB, seq iter.Seq2[Token, error]) []int32 {
	t.Helper()
	var out []int32
	for tok, err := range seq {
		require.NoError(t, err)
		out = append(out, tok.ID)
	}
	return out
}

// TestSeededSessionContinues generates 40 tokens with a seed in one call,
// then in two calls of 20 in every way a session can be continued (another
// GenerateTokens or Generate call, a Save and Restore into another session):
// the tokens are the same. Reset starts the stream afresh.
func TestSeededSessionContinues(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	ref := testref.LoadReference(t, tinyRef, m.Params().Vocab)
	prompt := ref.Sequences[0].IDs[:100] // 40 more tokens cross the window of 128
	cfg := GenerateConfig{SamplerConfig: SamplerConfig{Temperature: 0.9, TopP: 0.95, Seed: 7}, MaxTokens: 40}
	half := cfg
	half.MaxTokens = 20

	whole := tokenIDs(t, newSession(t, m).GenerateTokens(ctx, prompt, cfg))
	require.Len(t, whole, 40)
	// The draws matter: greedy decoding and another seed give other tokens.
	greedy := GenerateConfig{MaxTokens: 40}
	require.NotEqual(t, whole, tokenIDs(t, newSession(t, m).GenerateTokens(ctx, prompt, greedy)))
	other := cfg
	other.Seed = 8
	require.NotEqual(t, whole, tokenIDs(t, newSession(t, m).GenerateTokens(ctx, prompt, other)))

	t.Run("GenerateTokens", func(t *testing.T) {
		s := newSession(t, m)
		got := tokenIDs(t, s.GenerateTokens(ctx, prompt, half))
		got = append(got, tokenIDs(t, s.GenerateTokens(ctx, nil, half))...)
		assert.Equal(t, whole, got)
	})
	t.Run("Generate", func(t *testing.T) {
		s := newSession(t, m)
		got := tokenIDs(t, s.GenerateTokens(ctx, prompt, half))
		got = append(got, tokenIDs(t, s.Generate(ctx, "", half))...)
		assert.Equal(t, whole, got)
	})
	t.Run("stopped loop, then no seed", func(t *testing.T) {
		s := newSession(t, m)
		var got []int32
		for tok, err := range s.GenerateTokens(ctx, prompt, cfg) {
			require.NoError(t, err)
			if got = append(got, tok.ID); len(got) == 13 {
				break
			}
		}
		rest := cfg
		rest.Seed, rest.MaxTokens = 0, 27 // no seed: the stream goes on
		assert.Equal(t, whole, append(got, tokenIDs(t, s.GenerateTokens(ctx, nil, rest))...))
	})
	t.Run("Save and Restore", func(t *testing.T) {
		a := newSession(t, m)
		got := tokenIDs(t, a.GenerateTokens(ctx, prompt, half))
		var saved bytes.Buffer
		require.NoError(t, a.Save(&saved))
		b := newSession(t, m)
		require.NoError(t, b.Restore(&saved))
		assert.Equal(t, whole, append(got, tokenIDs(t, b.GenerateTokens(ctx, nil, half))...))
	})
	t.Run("Reset", func(t *testing.T) {
		s := newSession(t, m)
		tokenIDs(t, s.GenerateTokens(ctx, prompt, half))
		s.Reset()
		assert.Equal(t, whole, tokenIDs(t, s.GenerateTokens(ctx, prompt, cfg)), "as a new Session")
	})
}

// TestSeededChatContinues answers two turns of a conversation with a seed in
// one session, and again with the session saved and restored between the
// turns: the second answer is the same.
func TestSeededChatContinues(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	cfg := GenerateConfig{SamplerConfig: SamplerConfig{Temperature: 1, Seed: 11}, MaxTokens: 12, IgnoreEOS: true}
	first := []Message{{Role: RoleUser, Content: "Who was Prince Andrew?"}}
	answer := func(s *Session, msgs []Message) string {
		var text strings.Builder
		for tok, err := range s.Chat(ctx, msgs, cfg) {
			require.NoError(t, err)
			text.WriteString(tok.Text)
		}
		return text.String()
	}
	second := func(reply string) []Message {
		return append(first, Message{Role: RoleAssistant, Content: reply}, Message{Role: RoleUser, Content: "And Natasha?"})
	}

	a := newSession(t, m)
	reply := answer(a, first)
	want := answer(a, second(reply))

	b := newSession(t, m)
	require.Equal(t, reply, answer(b, first))
	var saved bytes.Buffer
	require.NoError(t, b.Save(&saved))
	c := newSession(t, m)
	require.NoError(t, c.Restore(bytes.NewReader(saved.Bytes())))
	assert.Equal(t, want, answer(c, second(reply)))

	// The same session with its stream started afresh at the second turn
	// answers otherwise: the equality above is the stream's doing.
	d := newSession(t, m)
	require.NoError(t, d.Restore(bytes.NewReader(saved.Bytes())))
	d.sampler = Sampler{}
	assert.NotEqual(t, want, answer(d, second(reply)))
}

// outOfRange are generation configurations with one field out of its range,
// and the field and value the error must name.
var outOfRange = []struct {
	cfg          GenerateConfig
	field, value string
}{
	{GenerateConfig{MaxTokens: -1}, "MaxTokens", "-1"},
	{GenerateConfig{SamplerConfig: SamplerConfig{Temperature: -0.7}}, "Temperature", "-0.7"},
	{GenerateConfig{SamplerConfig: SamplerConfig{Temperature: float32(math.NaN())}}, "Temperature", "NaN"},
	{GenerateConfig{SamplerConfig: SamplerConfig{Temperature: float32(math.Inf(1))}}, "Temperature", "+Inf"},
	{GenerateConfig{SamplerConfig: SamplerConfig{TopK: -40}}, "TopK", "-40"},
	{GenerateConfig{SamplerConfig: SamplerConfig{TopP: 1.1}}, "TopP", "1.1"},
	{GenerateConfig{SamplerConfig: SamplerConfig{TopP: -0.5}}, "TopP", "-0.5"},
	{GenerateConfig{SamplerConfig: SamplerConfig{MinP: 5}}, "MinP", "5"},
	{GenerateConfig{SamplerConfig: SamplerConfig{MinP: -0.05}}, "MinP", "-0.05"},
	{GenerateConfig{SamplerConfig: SamplerConfig{TypicalP: 2}}, "TypicalP", "2"},
	{GenerateConfig{SamplerConfig: SamplerConfig{TypicalP: float32(math.NaN())}}, "TypicalP", "NaN"},
	{GenerateConfig{SamplerConfig: SamplerConfig{RepeatPenalty: -1.1}}, "RepeatPenalty", "-1.1"},
	{GenerateConfig{SamplerConfig: SamplerConfig{FrequencyPenalty: float32(math.Inf(-1))}}, "FrequencyPenalty", "-Inf"},
	{GenerateConfig{SamplerConfig: SamplerConfig{PresencePenalty: float32(math.NaN())}}, "PresencePenalty", "NaN"},
	{GenerateConfig{SamplerConfig: SamplerConfig{PenaltyWindow: -64}}, "PenaltyWindow", "-64"},
	{GenerateConfig{SamplerConfig: SamplerConfig{LogitBias: map[int32]float32{-2: 1}}}, "LogitBias key", "-2"},
	{GenerateConfig{SamplerConfig: SamplerConfig{LogitBias: map[int32]float32{2: float32(math.NaN())}}}, "LogitBias[2]", "NaN"},
}

// TestOutOfRangeIsAnError gives every way of generating a configuration
// with a field out of its range: the first thing yielded is an error naming
// the field and the value, with each package prefix once, and nothing is
// computed.
func TestOutOfRangeIsAnError(t *testing.T) {
	m := loadTiny(t)
	ctx := context.Background()
	s := newSession(t, m)
	calls := map[string]func(GenerateConfig) iter.Seq2[Token, error]{
		"Generate":       func(c GenerateConfig) iter.Seq2[Token, error] { return s.Generate(ctx, "Natasha", c) },
		"GenerateTokens": func(c GenerateConfig) iter.Seq2[Token, error] { return s.GenerateTokens(ctx, []int32{1, 415}, c) },
		"Chat": func(c GenerateConfig) iter.Seq2[Token, error] {
			return s.Chat(ctx, []Message{{Role: RoleUser, Content: "Bonjour"}}, c)
		},
	}
	for name, call := range calls {
		for _, tt := range outOfRange {
			t.Run(name+"/"+tt.field+"="+tt.value, func(t *testing.T) {
				n := 0
				var err error
				for tok, e := range call(tt.cfg) {
					n++
					require.Error(t, e, "got a token %v", tok)
					err = e
				}
				require.Equal(t, 1, n, "one error, nothing else")
				var ce *ConfigError
				require.ErrorAs(t, err, &ce)
				assert.Equal(t, tt.field, strings.TrimPrefix(ce.Field, "a "))
				assert.Contains(t, err.Error(), tt.field+" is "+tt.value+", want ")
				assertPrefixesOnce(t, err)
				assert.Equal(t, 0, s.Position(), "nothing computed")
			})
		}
	}
	_, err := NewSampler(SamplerConfig{TopP: 3})
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "TopP", ce.Field)
	assertPrefixesOnce(t, err)
}

// TestGenerateConfigValidate checks that GenerateConfig.Validate covers
// its own field and those of the SamplerConfig it embeds.
func TestGenerateConfigValidate(t *testing.T) {
	for _, tt := range outOfRange {
		var ce *ConfigError
		require.True(t, errors.As(tt.cfg.Validate(), &ce), tt.field)
		assert.Equal(t, tt.field, strings.TrimPrefix(ce.Field, "a "))
	}
	assert.NoError(t, GenerateConfig{MaxTokens: 0, SamplerConfig: SamplerConfig{TopP: 1, MinP: 1, TypicalP: 1}}.Validate())
}

// assertPrefixesOnce checks that no package prefix appears twice in err's
// message.
func assertPrefixesOnce(t *testing.T, err error) {
	t.Helper()
	for _, pkg := range []string{"mistral", "sample", "tokenizer", "grammar", "ggml", "gguf"} {
		assert.LessOrEqual(t, strings.Count(err.Error(), pkg+": "), 1, "%q repeats %q", err, pkg+": ")
	}
}

// TestRestartSampling: after RestartSampling, a seeded generation draws
// what a new Session draws with that seed, tokens kept.
func TestRestartSampling(t *testing.T) {
	m := loadTiny(t)
	cfg := GenerateConfig{MaxTokens: 12, IgnoreEOS: true, SamplerConfig: SamplerConfig{Temperature: 1, Seed: 21}}
	draw := func(s *Session) []int32 {
		var ids []int32
		for tok, err := range s.GenerateTokens(context.Background(), nil, cfg) {
			require.NoError(t, err)
			ids = append(ids, tok.ID)
		}
		return ids
	}
	fresh := newSession(t, m)
	require.NoError(t, fresh.Feed(context.Background(), []int32{1, 415}))
	want := draw(fresh)
	s := newSession(t, m)
	require.NoError(t, s.Feed(context.Background(), []int32{1, 415}))
	assert.Equal(t, want, draw(s))
	require.NoError(t, s.Prefill(context.Background(), []int32{1, 415}))
	assert.NotEqual(t, want, draw(s), "the same seed goes on with its stream")
	require.NoError(t, s.Prefill(context.Background(), []int32{1, 415}))
	s.RestartSampling()
	assert.Equal(t, want, draw(s), "restarted: the seed's stream from its start")
	pos := s.Position()
	s.RestartSampling()
	assert.Equal(t, pos, s.Position(), "the tokens stay")
}
