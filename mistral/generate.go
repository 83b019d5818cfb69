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
	// context). Range: ≥ 0.
	MaxTokens int

	// Stop ends the generation before the first of these strings. A stop
	// string is never emitted, even when it spans several tokens; its tokens
	// stay in the session, as everything generated does.
	Stop []string

	// IgnoreEOS keeps generating past the end-of-sequence token (which is
	// then sampled like any other).
	IgnoreEOS bool

	// LogProbs makes each Token carry the log-probability of its token
	// under the model's distribution at that step, before any sampler
	// stage (bias, penalties, grammar, temperature, truncation): the log of
	// the softmax of the logits, as OpenAI's API reports it. false costs
	// nothing.
	LogProbs bool

	// TopLogProbs is how many of the most likely tokens each Token lists,
	// with their log-probabilities, when LogProbs is set: 0 to
	// MaxTopLogProbs (20).
	TopLogProbs int

	// NoDrafts turns drafting off: every token is then computed in a pass
	// of its own. By default, Generate, GenerateTokens and Chat guess the
	// next few tokens (what followed the last few tokens earlier in the
	// text, and what a Grammar allows no alternative to) and have the model
	// check the guesses in one pass with the token it just chose; each
	// token is still drawn by the sampler from the model's logits exactly
	// as without drafts, and a guess is kept only when the sampler draws it,
	// so the output is the same, token for token and for any seed. A right
	// guess saves a pass: JSON documents of a schema (keys, quotes, braces)
	// and answers that copy from their prompt come in fewer passes. Wrong
	// guesses cost a row of a pass; drafting backs off when they keep
	// failing, and a Session decoding alone drafts only as many as the
	// measured cost of a pass's rows on this machine pays for. Drafting is
	// off where it could change the output: when a token's rows are
	// computed by other kernels depending on the rows beside them (Q4_0,
	// Q5_0, Q8_0 and IQ4_NL weights not repacked, Q4_K weights repacked) and
	// SessionConfig.Deterministic is not set.
	//
	// NoDrafts also turns off partial logits: where greedy sampling through
	// a Grammar (no bias, no penalties, no log-probabilities, only Filter
	// stages) draws the next token and the grammar allows few tokens (an
	// enum, a number, a boolean, what follows a value), a Session computing
	// alone multiplies the output matrix for those tokens' rows only, with
	// the bits the whole product gives them, and the draw is the same
	// (F16, BF16 and F32 output matrices, on the CPU). Session.Logits and
	// Save compute the whole logits again when they are read.
	NoDrafts bool

	// Tools are the functions the model may call when it answers a Chat:
	// they are written into the prompt (in the v3 instruct format, before
	// the last user message), and when the model writes [TOOL_CALLS] what
	// follows is held to a grammar of the calls: a JSON array of calls, each
	// naming one of the tools, its arguments valid against that tool's
	// Parameters (a JSON Schema of package grammar's supported set; another
	// is a *tokenizer.ToolError naming the tool and the keyword), with a call
	// id. The calls come, parsed, on the last Token (Stop StopToolCalls);
	// the tokens that wrote them carry no Text. Tools need a vocabulary with
	// the v3 tool tokens (Mistral 7B v0.3): with another (v0.1, v0.2) they
	// are an error wrapping tokenizer.ErrUnsupported. Generate and
	// GenerateTokens take no tools.
	Tools []Tool

	// ToolChoice says whether the model may call tools (ToolAuto, the zero
	// value: it decides, with [TOOL_CALLS] as its first token), must
	// (ToolRequired, or ToolFunction with the tool's Name) or must not
	// (ToolNone: [TOOL_CALLS] is never drawn).
	ToolChoice ToolChoice

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
	StopToolCalls                   // the model called tools: Token.ToolCalls holds the calls
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
	case StopToolCalls:
		return "tool calls"
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
	// LogProb is the log-probability of ID (with GenerateConfig.LogProbs).
	LogProb float32
	// TopLogProbs are the most likely tokens at this step, most likely
	// first (GenerateConfig.TopLogProbs of them).
	TopLogProbs []TokenLogProb
	// ToolCalls are the calls the model wrote, on the last Token of a
	// generation that ended with StopToolCalls (see GenerateConfig.Tools).
	ToolCalls []ToolCall
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
		if err := cfg.Validate(); err != nil {
			yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
			return
		}
		if len(cfg.Tools) > 0 || cfg.ToolChoice.Mode != ToolAuto {
			yield(Token{}, fmt.Errorf("mistral: generate: tools are for Chat, which writes them into the prompt"))
			return
		}
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

// Validate returns a *ConfigError for the first field of c outside its
// range (MaxTokens, then SamplerConfig's fields), or nil. Generate,
// GenerateTokens and Chat call it before anything else; a caller may call
// it to refuse a configuration early.
func (c GenerateConfig) Validate() error {
	if c.MaxTokens < 0 {
		return &ConfigError{Field: "MaxTokens", Value: c.MaxTokens, Want: "a value ≥ 0 (0: no limit)"}
	}
	if c.TopLogProbs < 0 || c.TopLogProbs > MaxTopLogProbs {
		return &ConfigError{Field: "TopLogProbs", Value: c.TopLogProbs, Want: fmt.Sprintf("a value in [0, %d]", MaxTopLogProbs)}
	}
	if err := c.ToolChoice.Check(c.Tools); err != nil {
		return err
	}
	if c.Grammar != nil && len(c.Tools) > 0 && c.ToolChoice.Mode != ToolNone {
		return &ConfigError{Field: "Grammar", Value: "set", Want: "none with Tools, unless ToolChoice is ToolNone"}
	}
	return c.SamplerConfig.Validate()
}

// samplerFor configures the session's sampler for a generation and gives
// it the session's recent tokens for its penalties. Its random stream goes
// on from the session's last generation (or saved session) unless cfg.Seed
// starts another (see SamplerConfig.Seed).
func (s *Session) samplerFor(cfg SamplerConfig) (*Sampler, error) {
	sp := &s.sampler
	if err := sp.SetConfig(cfg); err != nil {
		return nil, err
	}
	sp.Reset()
	window := cfg.PenaltyWindow
	if window == 0 {
		window = DefaultPenaltyWindow
	}
	for _, t := range s.tokens[max(0, len(s.tokens)-window):] {
		sp.Accept(t)
	}
	return sp, nil
}
