package mistral

import (
	"errors"
	"slices"
	"sync"

	"github.com/gomistral/gomistral/mistral/grammar"
)

// ErrGrammarStuck: the grammar allows no token at all and the text is not
// complete (a grammar so ambiguous it exceeds grammar.MaxStates, or a
// vocabulary that cannot spell what it requires).
var ErrGrammarStuck = errors.New("grammar allows no continuation")

// grammars caches, per model, the grammar package's view of the vocabulary
// and the Index of the grammars used recently, which the Matchers of many
// generations share (the first use of a grammar position costs a walk of
// the vocabulary; later ones are cheap).
type grammars struct {
	once    sync.Once
	tokens  *grammar.Tokens
	mu      sync.Mutex
	indexes map[*grammar.Grammar]*grammar.Index
	order   []*grammar.Grammar
}

const maxCachedIndexes = 16

func (m *model) grammarIndex(g *grammar.Grammar) *grammar.Index {
	c := &m.grammars
	c.once.Do(func() {
		c.tokens = grammar.FromTokenizer(m.tok)
	})
	c.mu.Lock()
	defer c.mu.Unlock()
	if ix, ok := c.indexes[g]; ok {
		return ix
	}
	ix := grammar.NewIndex(g, c.tokens)
	if c.indexes == nil {
		c.indexes = map[*grammar.Grammar]*grammar.Index{}
	}
	if len(c.order) == maxCachedIndexes {
		delete(c.indexes, c.order[0])
		c.order = c.order[1:]
	}
	c.indexes[g] = ix
	c.order = append(c.order, g)
	return ix
}

// grammarStage is the sampler stage that keeps only the tokens the grammar
// allows next, and the end-of-sequence token only when the text is
// complete.
type grammarStage struct {
	m       *grammar.Matcher
	mask    grammar.Mask
	eos     int32
	forced  int32   // when >= 0, the only candidate (finishing within the budget)
	banned  []int32 // tokens drawn at this step after which the text could not end in the budget
	masked  bool    // mask holds the tokens allowed at this step
	allowed []int32 // what Apply keeps, in increasing order
	err     error
}

// finishMargin is how many tokens before the end of the budget a
// constrained generation starts spelling the shortest completion: enough
// for the structure a few more free tokens could open.
const finishMargin = 16

// plan starts a step: before a token is drawn with remaining tokens left in
// the budget (0: no budget), it decides whether one token only may come
// next, and which: where the grammar allows no alternative to the next
// bytes (the keys, quotes and braces of a JSON Schema, the spelling of an
// enum value already begun), the allowed token that spells the longest
// prefix of them, so that text the grammar imposes is written the way the
// tokenizer writes it, not byte by byte; and near the end of the budget,
// the first token of the grammar's shortest completion.
func (g *grammarStage) plan(remaining int) {
	g.forced, g.banned, g.masked = -1, g.banned[:0], false
	if remaining > 0 {
		comp := g.m.Completion()
		if comp != nil && len(comp)+finishMargin >= remaining {
			if len(comp) == 0 {
				g.forced = g.eos
				return
			}
			if id, n := g.m.Spell(comp); n > 0 {
				g.forced = id
				return
			}
		}
	}
	if b := g.m.Forced(); len(b) > 0 {
		if id, n := g.m.Spell(b); n > 0 {
			g.forced = id
		}
	}
}

func (g *grammarStage) Apply(c *Candidates) {
	if g.forced >= 0 {
		g.allowed = append(g.allowed[:0], g.forced)
		c.KeepIDs(g.allowed)
		if c.Len() > 0 {
			return
		}
	}
	if !g.masked {
		clear(g.mask)
		g.m.Allowed(g.mask)
		if g.m.Complete() {
			g.mask.Set(g.eos)
		}
		if g.mask.Count() == 0 {
			// Nothing can follow: end here and report it.
			g.err = ErrGrammarStuck
			g.mask.Set(g.eos)
		}
		g.masked = true
	}
	g.allowed = g.allowed[:0]
	for id := range g.mask.All() {
		if !slices.Contains(g.banned, id) {
			g.allowed = append(g.allowed, id)
		}
	}
	c.KeepIDs(g.allowed)
}

// Keeps reports whether Apply keeps id among the candidates it is given
// (see sample.Filter), testing that token alone against the grammar, not
// computing the mask.
func (g *grammarStage) Keeps(id int32) bool {
	switch {
	case g.forced >= 0:
		return id == g.forced
	case slices.Contains(g.banned, id):
		return false
	case id == g.eos:
		return g.m.Complete()
	}
	return g.m.Allows(id)
}

// Only reports the token the grammar forces at this step, if it does:
// whenever Apply keeps it, it keeps nothing else.
func (g *grammarStage) Only() (int32, bool) { return g.forced, g.forced >= 0 }

// fits reports whether, after token id, the grammar's shortest completion
// can still be spelled in left tokens (counting a token a byte, which any
// vocabulary with byte tokens can do).
func (g *grammarStage) fits(id int32, left int) bool {
	if id == g.eos || g.forced >= 0 {
		return true
	}
	m := g.m.Clone()
	if m.Accept(id) != nil {
		return true // not the budget's business
	}
	comp := m.Completion()
	return comp != nil && len(comp) <= left
}

// maxBudgetDraws is how many tokens a step draws and refuses because the
// text could not end in the budget after them before it spells the
// shortest completion instead.
const maxBudgetDraws = 8

// refuse records that a token drawn at this step cannot be taken, for the
// budget; after maxBudgetDraws of them, the step spells the shortest
// completion.
func (g *grammarStage) refuse(id int32) {
	g.banned = append(g.banned, id)
	if len(g.banned) < maxBudgetDraws {
		return
	}
	comp := g.m.Completion()
	switch {
	case comp == nil:
	case len(comp) == 0:
		g.forced = g.eos
	default:
		if id, n := g.m.Spell(comp); n > 0 {
			g.forced = id
		}
	}
}

// newGrammarStage returns a stage holding the output to g, from its start.
func (m *model) newGrammarStage(g *grammar.Grammar) *grammarStage {
	ix := m.grammarIndex(g)
	return &grammarStage{m: ix.NewMatcher(), mask: grammar.NewMask(m.tok.Len()), eos: m.tok.EOS()}
}
