package mistral

import (
	"context"
	"fmt"
	"iter"

	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// GenerateConfig configures a generation. The zero value generates greedily
// until the end-of-sequence token.
type GenerateConfig struct {
	// SamplerConfig chooses each token; its zero value is greedy.
	SamplerConfig

	// MaxTokens is the most tokens to generate. Zero means no limit but the
	// end-of-sequence token (and, for a model without a sliding window, its
	// context).
	MaxTokens int

	// Stop ends the generation before the first of these strings. A stop
	// string is never emitted, even when it spans several tokens; its tokens
	// stay in the session, as everything generated does.
	Stop []string

	// IgnoreEOS keeps generating past the end-of-sequence token (which is
	// then sampled like any other).
	IgnoreEOS bool

	// Grammar, if not nil, constrains the output: at every step only the
	// tokens that can continue a text of the grammar are candidates (before
	// any other sampler stage but bias and penalties), the end-of-sequence
	// token only once the text is complete, and generation stops when the
	// grammar allows nothing more (StopGrammar). With MaxTokens, the last
	// tokens of the budget spell the grammar's shortest completion, so the
	// output is always a whole sentence of the grammar (a JSON document
	// that parses) when the budget allows one. See package grammar for
	// JSON, JSON Schema and grammars of your own.
	Grammar *grammar.Grammar
}

// StopReason says why a generation ended.
type StopReason int

const (
	NotStopped    StopReason = iota // the generation goes on
	StopEOS                         // the model produced its end-of-sequence token
	StopMaxTokens                   // GenerateConfig.MaxTokens tokens were generated
	StopString                      // one of GenerateConfig.Stop appeared
	StopGrammar                     // the text is complete and GenerateConfig.Grammar allows nothing more
)

func (r StopReason) String() string {
	switch r {
	case StopEOS:
		return "eos"
	case StopMaxTokens:
		return "max tokens"
	case StopString:
		return "stop string"
	case StopGrammar:
		return "grammar complete"
	}
	return "not stopped"
}

// Token is one step of a generation.
type Token struct {
	// ID is the token generated.
	ID int32
	// Text is the text that became final with this token: whole UTF-8
	// characters (a character spelt by several byte tokens comes with the
	// last of them), and nothing of a stop string. Text held back while it
	// might begin a stop string comes with a later token. Concatenating the
	// Text of every Token gives the generated text.
	Text string
	// Stop is set on the last Token of a generation that ended normally.
	// When it is StopEOS, ID is the end-of-sequence token.
	Stop StopReason
}

// Generate encodes prompt, appends it to the session (with the BOS token
// first when the session is empty and the vocabulary asks for one) and
// generates a continuation, streaming one Token at a time. The caller may
// stop at any token; everything streamed so far stays in the session, which
// is ready for more. ctx is checked before every token: on cancellation the
// iteration yields the error (wrapping ctx.Err()) and ends.
func (s *Session) Generate(ctx context.Context, prompt string, cfg GenerateConfig) iter.Seq2[Token, error] {
	tok := s.m.tok
	ids, err := tok.Encode(prompt, tokenizer.EncodeOptions{BOS: s.Position() == 0 && tok.AddBOS()})
	if err != nil {
		return errorSeq(fmt.Errorf("mistral: generate: %w", err))
	}
	return s.GenerateTokens(ctx, ids, cfg)
}

// GenerateTokens is Generate with the prompt given as token ids (none to
// continue from where the session is).
func (s *Session) GenerateTokens(ctx context.Context, prompt []int32, cfg GenerateConfig) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) {
		s.enter()
		defer s.leave()
		if err := s.feed(ctx, prompt, nil); err != nil {
			yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
			return
		}
		s.generate(ctx, cfg, yield)
	}
}

func errorSeq(err error) iter.Seq2[Token, error] {
	return func(yield func(Token, error) bool) { yield(Token{}, err) }
}

// generate runs the sampling loop from the session's current logits.
func (s *Session) generate(ctx context.Context, cfg GenerateConfig, yield func(Token, error) bool) {
	if s.Position() == 0 {
		yield(Token{}, fmt.Errorf("mistral: generate: empty session and empty prompt"))
		return
	}
	tok := s.m.tok
	var gs *grammarStage
	if cfg.Grammar != nil {
		ix := s.m.grammarIndex(cfg.Grammar)
		gs = &grammarStage{m: ix.NewMatcher(), mask: grammar.NewMask(tok.Len()), eos: tok.EOS()}
		stages := append([]Stage{gs}, cfg.Stages...)
		cfg.Stages = stages
	}
	sampler := s.samplerFor(cfg.SamplerConfig)
	defer s.saveRNG()
	dec := tok.NewDecoder(tokenizer.DecoderOptions{})
	stops := stopMatcher{stops: cfg.Stop}
	eos := tok.EOS()
	for n := 0; cfg.MaxTokens <= 0 || n < cfg.MaxTokens; n++ {
		if err := ctx.Err(); err != nil {
			s.yieldRest(dec, &stops, yield)
			yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
			return
		}
		if gs != nil && cfg.MaxTokens > 0 {
			gs.plan(cfg.MaxTokens - n)
		}
		id := sampler.Sample(s.logits)
		if gs != nil && gs.err != nil {
			yield(Token{}, fmt.Errorf("mistral: generate: %w", gs.err))
			return
		}
		if gs != nil && id != eos {
			if err := gs.m.Accept(id); err != nil {
				yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
				return
			}
		}
		sampler.Accept(id)
		if err := s.feed(ctx, []int32{id}, nil); err != nil {
			yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
			return
		}
		if id == eos && (!cfg.IgnoreEOS || gs != nil) {
			yield(Token{ID: id, Text: s.flushText(dec, &stops), Stop: StopEOS}, nil)
			return
		}
		piece, err := dec.Add(id)
		if err != nil {
			yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
			return
		}
		text, stopped := stops.add(piece)
		t := Token{ID: id, Text: text}
		switch {
		case stopped:
			t.Stop = StopString
		case gs != nil && gs.m.Done():
			t.Text += s.flushText(dec, &stops)
			t.Stop = StopGrammar
		case cfg.MaxTokens > 0 && n+1 == cfg.MaxTokens:
			t.Text += s.flushText(dec, &stops)
			t.Stop = StopMaxTokens
		}
		if !yield(t, nil) || t.Stop != NotStopped {
			return
		}
	}
}

// flushText returns the text the decoder and the stop matcher still hold.
func (s *Session) flushText(dec *tokenizer.Decoder, stops *stopMatcher) string {
	text, stopped := stops.add(dec.Flush())
	if stopped {
		return text
	}
	return text + stops.flush()
}

// yieldRest hands over text still held back before an error ends the
// stream, as a Token repeating the last token's id.
func (s *Session) yieldRest(dec *tokenizer.Decoder, stops *stopMatcher, yield func(Token, error) bool) {
	if rest := s.flushText(dec, stops); rest != "" && len(s.tokens) > 0 {
		yield(Token{ID: s.tokens[len(s.tokens)-1], Text: rest}, nil)
	}
}

// samplerFor returns the sampler for a generation: a new one from cfg, fed
// the session's recent tokens for its penalties. Without a seed, it
// continues the random stream of the session's previous generation (which a
// saved session keeps), so a restored session draws what the original would.
func (s *Session) samplerFor(cfg SamplerConfig) *Sampler {
	sp := NewSampler(cfg)
	if cfg.Seed == 0 && s.rngState != nil {
		if err := sp.UnmarshalBinary(s.rngState); err == nil {
			sp.Reset()
		}
	}
	s.sampler = sp
	window := cfg.PenaltyWindow
	if window <= 0 {
		window = DefaultPenaltyWindow
	}
	for _, t := range s.tokens[max(0, len(s.tokens)-window):] {
		sp.Accept(t)
	}
	return sp
}

// saveRNG keeps the state of the generation's sampler, so that the next
// generation without a seed (and a saved session) continues its stream.
func (s *Session) saveRNG() {
	if s.sampler == nil {
		return
	}
	if b, err := s.sampler.MarshalBinary(); err == nil {
		s.rngState = b
	}
}
