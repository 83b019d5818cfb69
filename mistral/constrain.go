package mistral

import (
	"errors"
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

func (m *Model) grammarIndex(g *grammar.Grammar) *grammar.Index {
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
	m      *grammar.Matcher
	mask   grammar.Mask
	eos    int32
	forced int32 // when >= 0, the only candidate (finishing within the budget)
	err    error
}

// finishMargin is how many tokens before the end of the budget a
// constrained generation starts spelling the shortest completion: enough
// for the structure a few more free tokens could open.
const finishMargin = 16

// plan decides, before a token is sampled with remaining tokens left in
// the budget (0: no budget), whether the grammar's shortest completion must
// be spelled from now on, and if so which token comes next.
func (g *grammarStage) plan(remaining int) {
	g.forced = -1
	if remaining <= 0 {
		return
	}
	comp := g.m.Completion()
	if comp == nil || len(comp)+finishMargin < remaining {
		return
	}
	if len(comp) == 0 {
		g.forced = g.eos
		return
	}
	if id, n := g.m.Spell(comp); n > 0 {
		g.forced = id
	}
}

func (g *grammarStage) Apply(c *Candidates) {
	if g.forced >= 0 {
		c.DeleteFunc(func(id int32, _ float32) bool { return id != g.forced })
		if c.Len() > 0 {
			return
		}
	}
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
	c.DeleteFunc(func(id int32, _ float32) bool { return !g.mask.Has(id) })
}
