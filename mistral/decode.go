package mistral

import (
	"context"
	"fmt"

	"github.com/gomistral/gomistral/mistral/grammar"
	"github.com/gomistral/gomistral/mistral/tokenizer"
)

// generation is one run of the decoding loop: the sampler and what turns
// its tokens into the stream (grammar, log-probabilities, decoder, stop
// strings, budget), and the drafts.
//
// Each step draws a token from the logits the session holds, then feeds it
// with drafts of the tokens that may follow (see draft.go), asking for the
// logits after each. The drafts are then checked in order: the sampler
// draws the next token from the logits after the previous one, exactly as
// it would have after computing that token alone (a token's logits do not
// depend on the tokens computed with it: see kernelFacts); a draft is kept
// when it is the token drawn, and the first one that is not ends the check,
// the token drawn instead being the next step's. The tokens, the sampler's
// draws and its random stream are those of decoding one token a pass; the
// positions of the drafts not kept are forgotten (the cache has a block
// more than the window for them).
//
// For a draft that is one proposed token, this is the speculative-sampling
// rule: the draft is kept with the probability the sampler gives it, and
// otherwise the token comes from the sampler's distribution without it.
type generation struct {
	s   *Session
	cfg GenerateConfig

	sampler *Sampler
	gs      *grammarStage // the grammar in force: GenerateConfig.Grammar, or the calls'; nil without
	tools   *toolGen      // nil without tools
	lp      *logProbs     // nil without log-probabilities
	dec     *tokenizer.Decoder
	stops   stopMatcher
	eos     int32
	n       int // tokens streamed

	drafting bool // drafts may be fed (see GenerateConfig.NoDrafts)
	forced   bool // the current drafts are what the grammar forces
	dr       drafter
	shadow   int32            // lookup's first guess, not fed: checked against the next draw (-1: none)
	draft    []int32          // the current drafts
	pass     []int32          // the token and its drafts, fed in one pass
	rows     []float32        // [vocab, len(pass)]: the logits after each
	after    *grammar.Matcher // the grammar after the drafts it forces

	mask grammar.Mask // the tokens the grammar allows after a pass (see onlyTokens)
	only []int32      // those whose logits the pass computes
}

// DecodeStats counts what a Session's generations computed: the passes
// that fed generated tokens, the drafts fed with them and the drafts kept.
// Tokens generated per pass is (Passes + Kept) / Passes.
type DecodeStats struct {
	Tokens  int // tokens generated and kept
	Passes  int // passes that fed generated tokens
	Drafted int // draft tokens fed
	Kept    int // draft tokens the sampler drew
	Partial int // passes that computed the logits of the tokens the grammar allowed only
}

// toolGen is the state of a generation with tools.
type toolGen struct {
	id      int32            // [TOOL_CALLS]
	choice  ToolChoice       //
	grammar *grammar.Grammar // of the calls (nil with ToolNone)
	active  bool             // [TOOL_CALLS] was drawn: the calls are being written
	text    []byte           // the calls so far
}

// gate is the generation's first sampler stage: it keeps [TOOL_CALLS] out,
// or makes it the only candidate, as the tool choice says, then applies the
// grammar in force.
type gate struct{ g *generation }

func (st gate) Apply(c *Candidates) {
	g := st.g
	if t := g.tools; t != nil && !t.active {
		switch {
		case t.choice.Mode == ToolNone || g.n > 0: // calls come first, or not at all
			c.DeleteFunc(func(id int32, _ float32) bool { return id == t.id })
		case t.choice.Mode != ToolAuto:
			c.DeleteFunc(func(id int32, _ float32) bool { return id != t.id })
			return
		}
	}
	if g.gs != nil {
		g.gs.Apply(c)
	}
}

// Keeps reports whether Apply keeps id among the candidates it is given
// (see sample.Filter): gate only removes tokens, for their ids.
func (st gate) Keeps(id int32) bool {
	g := st.g
	if t := g.tools; t != nil && !t.active {
		switch {
		case t.choice.Mode == ToolNone || g.n > 0:
			if id == t.id {
				return false
			}
		case t.choice.Mode != ToolAuto:
			return id == t.id
		}
	}
	return g.gs == nil || g.gs.Keeps(id)
}

// Only reports the token the grammar forces, if it does (see
// sample.Filter): whenever Apply keeps it, it keeps nothing else.
func (st gate) Only() (int32, bool) {
	if gs := st.g.gs; gs != nil && gs.forced >= 0 {
		return gs.forced, true
	}
	return 0, false
}

// drawn is a token the sampler drew, with what the stream reports of it.
type drawn struct {
	id      int32
	logProb float32
	top     []TokenLogProb
}

func (s *Session) newGeneration(cfg GenerateConfig) (*generation, error) {
	tok := s.m.tok
	g := &generation{s: s, cfg: cfg, eos: tok.EOS(), dr: newDrafter(), shadow: -1}
	if cfg.Grammar != nil {
		g.gs = s.m.newGrammarStage(cfg.Grammar)
	}
	if len(cfg.Tools) > 0 || cfg.ToolChoice.Mode != ToolAuto {
		id, ok := s.m.toolCalls()
		if !ok && (len(cfg.Tools) > 0 || cfg.ToolChoice.Mode != ToolNone) {
			return nil, fmt.Errorf("tools need the v3 tool tokens (Mistral 7B v0.3), which this vocabulary lacks: %w",
				tokenizer.ErrUnsupported)
		}
		if ok {
			g.tools = &toolGen{id: id, choice: cfg.ToolChoice}
		}
		if g.tools != nil && cfg.ToolChoice.Mode != ToolNone && len(cfg.Tools) > 0 {
			cg, err := s.m.callsGrammar(cfg.Tools, cfg.ToolChoice)
			if err != nil {
				return nil, err
			}
			g.tools.grammar = cg
		}
	}
	g.cfg.Stages = append([]Stage{gate{g}}, cfg.Stages...)
	if cfg.LogProbs {
		g.lp = &logProbs{top: cfg.TopLogProbs, texts: s.m.tokenTexts()}
	}
	sampler, err := s.samplerFor(g.cfg.SamplerConfig)
	if err != nil {
		return nil, err
	}
	g.sampler = sampler
	g.dec = tok.NewDecoder(tokenizer.DecoderOptions{})
	g.stops = stopMatcher{stops: cfg.Stop}
	g.drafting = !cfg.NoDrafts && (!s.m.kernels.loneRowDiffers || s.padLone)
	return g, nil
}

// generate runs the decoding loop from the session's current logits.
func (s *Session) generate(ctx context.Context, cfg GenerateConfig, yield func(Token, error) bool) {
	s.generateWith(ctx, cfg, yield)
}

// generateWith is generate, returning the generation for tests.
func (s *Session) generateWith(ctx context.Context, cfg GenerateConfig, yield func(Token, error) bool) *generation {
	if s.Position() == 0 {
		yield(Token{}, fmt.Errorf("mistral: generate: empty session and empty prompt"))
		return nil
	}
	g, err := s.newGeneration(cfg)
	if err == nil {
		err = s.wholeLogits(ctx) // the last generation's may be partial
	}
	if err != nil {
		yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
		return nil
	}
	s.m.sched.begin(s)
	defer s.m.sched.end(s)
	g.run(ctx, yield)
	return g
}

func (g *generation) fail(err error, yield func(Token, error) bool) {
	yield(Token{}, fmt.Errorf("mistral: generate: %w", err))
}

func (g *generation) run(ctx context.Context, yield func(Token, error) bool) {
	s := g.s
	vocab := len(s.logits)
	next := drawn{id: -1}
	for g.cfg.MaxTokens == 0 || g.n < g.cfg.MaxTokens {
		if err := ctx.Err(); err != nil {
			g.yieldRest(yield)
			g.fail(err, yield)
			return
		}
		t := next
		if t.id < 0 {
			var err error
			if t, err = g.draw(s.logits); err != nil {
				g.fail(err, yield)
				return
			}
		}
		if g.shadow >= 0 {
			g.dr.observe(t.id == g.shadow)
			g.shadow = -1
		}
		next = drawn{id: -1}
		start := s.Position() // of t
		drafts := g.propose(t.id)
		if testHookDraftLog != nil {
			testHookDraftLog(t.id, drafts, g.forced)
		}
		g.pass = append(append(g.pass[:0], t.id), drafts...)
		s.stats.Passes++
		// Drafts the grammar forces are drawn as the only candidate, which
		// the logits do not change: only the last token's are needed
		// (unless log-probabilities are).
		rows := len(drafts) > 0 && (!g.forced || g.lp != nil)
		var err error
		if !rows {
			if g.gs != nil {
				m := g.gs.m
				if len(drafts) > 0 {
					m = g.after // the drafts are what the grammar forces
				}
				s.only = g.onlyTokens(m)
			}
			err = s.feed(ctx, g.pass, nil)
			s.only = nil
		} else {
			g.rows = grow(g.rows, vocab*len(g.pass))
			err = s.feed(ctx, g.pass, func(i int, logits []float32) error {
				copy(g.rows[i*vocab:], logits)
				return nil
			})
		}
		if err != nil {
			if s.Position() > start {
				s.truncate(start) // a pass that did not end: forget all of it
			}
			g.fail(err, yield)
			return
		}
		s.stats.Drafted += len(drafts)
		if g.emit(t, yield) {
			g.cut(start, 1, rows)
			return
		}
		taken := 0
		for j, d := range drafts {
			if err := ctx.Err(); err != nil {
				g.cut(start, 1+j, rows)
				g.yieldRest(yield)
				g.fail(err, yield)
				return
			}
			row := s.logits // a stand-in where the row was not computed (see lone)
			if rows {
				row = g.rows[j*vocab : (j+1)*vocab]
			} else if !g.lone() {
				// The grammar does not force this step after all: compute
				// the logits it needs and draw it as the next step.
				if err := g.refeed(ctx, start+j); err != nil {
					g.fail(err, yield)
					return
				}
				break
			}
			x, err := g.draw(row)
			if err != nil {
				g.cut(start, 1+j, rows)
				g.fail(err, yield)
				return
			}
			if x.id != d && testHookKeepDrafts {
				x = drawn{id: d} // a wrong rule, for a test's control
			}
			if x.id != d {
				// Not the draft: x is the next step's token, drawn from
				// the logits after the last token kept.
				if rows {
					g.cut(start, 1+j, rows)
				} else if err := g.refeed(ctx, start+j); err != nil {
					g.fail(err, yield)
					return
				}
				next = x
				break
			}
			taken++
			s.stats.Kept++
			if g.emit(x, yield) {
				g.cut(start, 2+j, rows)
				return
			}
		}
		if len(drafts) > 0 && !g.forced {
			g.dr.taken(len(drafts), taken)
		}
	}
}

// cut makes the session hold the first n tokens of the pass that began at
// position start, where the generation stops or goes on inside it. The
// logits after them are the pass's row n-1 where it kept its rows, else
// stale (computed again when read).
func (g *generation) cut(start, n int, rows bool) {
	s := g.s
	if start+n >= s.Position() {
		return // the whole pass: the logits are its last row's
	}
	s.truncate(start + n)
	if rows {
		vocab := len(s.logits)
		copy(s.logits, g.rows[(n-1)*vocab:n*vocab])
		s.stale = false
	}
}

// lone reports whether the next draw has one candidate only, which it
// draws whatever the logits: the grammar forces it.
func (g *generation) lone() bool {
	if g.gs == nil {
		return false
	}
	left := 0
	if g.cfg.MaxTokens > 0 {
		left = g.cfg.MaxTokens - g.n
	}
	g.gs.plan(left)
	return g.gs.forced >= 0
}

// refeed makes the session hold the tokens up to position last, with the
// logits after it: the last token is computed again (its pass asked for no
// logits of it).
func (g *generation) refeed(ctx context.Context, last int) error {
	s := g.s
	tok := s.tokens[last]
	s.truncate(last)
	return s.feed(ctx, []int32{tok}, nil)
}

// draw has the sampler choose a token from logits, as one step of plain
// decoding does: the grammar's budget plan, the sampler's stages and draw,
// the grammar and the penalties told of the token, its log-probabilities.
func (g *generation) draw(logits []float32) (drawn, error) {
	if g.gs != nil {
		left := 0 // no budget
		if g.cfg.MaxTokens > 0 {
			left = g.cfg.MaxTokens - g.n
		}
		g.gs.plan(left)
	}
	id := g.sampler.Sample(logits)
	// With a budget, a token after which the text could not end in time
	// is refused and another drawn.
	for g.gs != nil && g.cfg.MaxTokens > 0 && g.gs.err == nil && !g.gs.fits(id, g.cfg.MaxTokens-g.n-1) {
		g.gs.refuse(id)
		id = g.sampler.Sample(logits)
	}
	if g.gs != nil && g.gs.err != nil {
		return drawn{}, g.gs.err
	}
	if t := g.tools; t != nil && !t.active && id == t.id {
		// The calls begin: their grammar is in force from here.
		t.active = true
		g.gs = g.s.m.newGrammarStage(t.grammar)
	} else if g.gs != nil && id != g.eos {
		if err := g.gs.m.Accept(id); err != nil {
			return drawn{}, err
		}
	}
	t := drawn{id: id}
	if g.lp != nil {
		t.logProb, t.top = g.lp.of(logits, id)
	}
	g.sampler.Accept(id)
	return t, nil
}

// emit streams a token the session now holds and reports whether the
// generation is over (it stopped, or the caller stopped reading).
func (g *generation) emit(t drawn, yield func(Token, error) bool) bool {
	g.n++
	g.s.stats.Tokens++
	if g.tools != nil && g.tools.active {
		return g.emitCall(t, yield)
	}
	if t.id == g.eos && (!g.cfg.IgnoreEOS || g.gs != nil) {
		yield(Token{ID: t.id, Text: g.flushText(), Stop: StopEOS, LogProb: t.logProb, TopLogProbs: t.top}, nil)
		return true
	}
	piece, err := g.dec.Add(t.id)
	if err != nil {
		g.fail(err, yield)
		return true
	}
	text, stopped := g.stops.add(piece)
	tok := Token{ID: t.id, Text: text, LogProb: t.logProb, TopLogProbs: t.top}
	switch {
	case stopped:
		tok.Stop = StopString
	case g.gs != nil && g.gs.m.Done():
		tok.Text += g.flushText()
		tok.Stop = StopGrammar
	case g.cfg.MaxTokens > 0 && g.n == g.cfg.MaxTokens:
		tok.Text += g.flushText()
		tok.Stop = StopMaxTokens
	}
	return !yield(tok, nil) || tok.Stop != NotStopped
}

// emitCall streams a token of the calls (no text of the answer): the last
// one, at EOS, when the grammar of the calls is done or at the budget's
// end, carries the parsed calls.
func (g *generation) emitCall(t drawn, yield func(Token, error) bool) bool {
	tg := g.tools
	tok := Token{ID: t.id, LogProb: t.logProb, TopLogProbs: t.top}
	if t.id != tg.id && t.id != g.eos {
		tg.text = append(tg.text, g.s.m.tokenTexts()[t.id]...)
	}
	budget := g.cfg.MaxTokens > 0 && g.n == g.cfg.MaxTokens
	if t.id == g.eos || g.gs.m.Done() || budget {
		tok.Stop = StopToolCalls
		calls, err := parseCalls(tg.text)
		switch {
		case err == nil:
			tok.ToolCalls = calls
		case budget:
			tok.Stop = StopMaxTokens // calls cut short by the budget
		default:
			g.fail(err, yield)
			return true
		}
	}
	return !yield(tok, nil) || tok.Stop != NotStopped
}

// flushText returns the text the decoder and the stop matcher still hold.
func (g *generation) flushText() string {
	text, stopped := g.stops.add(g.dec.Flush())
	if stopped {
		return text
	}
	return text + g.stops.flush()
}

// yieldRest hands over text still held back before an error ends the
// stream, as a Token repeating the last token's id.
func (g *generation) yieldRest(yield func(Token, error) bool) {
	s := g.s
	if rest := g.flushText(); rest != "" && len(s.tokens) > 0 {
		yield(Token{ID: s.tokens[len(s.tokens)-1], Text: rest}, nil)
	}
}

// propose returns the drafts to feed after token id: what the grammar
// forces, else what prompt lookup finds (cut where the grammar would not
// allow it), within the block, the budget and the context.
func (g *generation) propose(id int32) []int32 {
	g.forced = false
	if !g.drafting {
		return nil
	}
	s := g.s
	limit := s.slots.room() - 1 // the block's room after id
	if g.cfg.MaxTokens > 0 {
		limit = min(limit, g.cfg.MaxTokens-g.n-1)
	}
	if s.m.params.WindowSource == WindowNone {
		limit = min(limit, s.slots.n-s.slots.next-1)
	}
	limit = min(limit, maxDraftTokens)
	want := g.dr.want()
	if limit <= 0 || id == g.eos {
		return nil
	}
	if g.gs != nil {
		if d := g.forcedDrafts(limit); len(d) > 0 {
			g.forced = true
			return d
		}
	}
	others, group := s.m.sched.generating(), s.m.kernels.rowGroup
	switch {
	case want == 0:
	case others > 1 && group > 1:
		// Sessions decoding together share a pass: guesses may only take
		// the rows that would pad it to a whole group (two Sessions, one
		// guess each).
		want = group/others - 1
	case others > 1:
		want = 0 // guesses would add rows to a pass the others share
	case group > 1:
		// Rows come in groups: as many guesses as fill the token's group
		// cost what one does.
		want = max(group, (want+1)/group*group) - 1
	}
	if testHookDrafts != nil {
		g.draft = append(g.draft[:0], testHookDrafts(id)...)
		g.draft = g.draft[:min(len(g.draft), limit)]
		return g.draft
	}
	if want <= 0 {
		return nil
	}
	s.tokens = append(s.tokens, id) // the history with id, for a moment
	g.draft = lookup(g.draft, s.tokens, min(want, limit))
	s.tokens = s.tokens[:len(s.tokens)-1]
	if others <= 1 && len(g.draft) > 0 {
		// Alone, the guesses add rows to the pass: only as many as pay
		// for them at this machine's cost of a row.
		n := worth(len(g.draft), g.dr.accept, s.m.sched.rowTime)
		if n == 0 {
			g.shadow = g.draft[0]
		}
		g.draft = g.draft[:n]
	}
	if g.gs != nil && len(g.draft) > 0 {
		m := g.gs.m.Clone()
		for i, d := range g.draft {
			if d == g.eos || !m.Allows(d) {
				g.draft = g.draft[:i]
				break
			}
			if err := m.Accept(d); err != nil {
				g.draft = g.draft[:i]
				break
			}
		}
	}
	return g.draft
}

// forcedDrafts returns up to limit tokens that spell the bytes the grammar
// allows no alternative to from here, each the allowed token that spells
// the longest prefix of what is left (the model may well choose another
// spelling: the draws decide, as for any draft).
func (g *generation) forcedDrafts(limit int) []int32 {
	b := g.gs.m.Forced()
	if len(b) == 0 {
		return nil
	}
	m := g.gs.m.Clone()
	g.draft = g.draft[:0]
	for len(b) > 0 && len(g.draft) < limit {
		id, n := m.Spell(b)
		if n == 0 || m.Accept(id) != nil {
			break
		}
		g.draft = append(g.draft, id)
		b = b[n:]
	}
	g.after = m
	return g.draft
}

// Test hooks: testHookDrafts, when set, proposes the drafts after a token
// instead of prompt lookup; testHookKeepDrafts keeps every draft whatever
// the sampler draws (a wrong rule, the control of the distribution test).
var (
	testHookDraftLog   func(id int32, drafts []int32, forced bool)
	testHookDrafts     func(id int32) []int32
	testHookKeepDrafts bool
	testHookOnlyHalf   bool // onlyTokens asks for the first half of the allowed tokens only (a control)
)
