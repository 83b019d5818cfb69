package grammar

import (
	"sync"
	"sync/atomic"
)

// An Index binds a grammar to a vocabulary. It computes, for each position
// of the grammar where a token may start and the rule it returns to, which
// tokens fit there whatever the rules under way below ("accepted") and
// which depend on them ("uncertain": tokens that run past the end of both
// rules, tested against the whole parse state when the mask is made). It
// computes them lazily, the first time a Matcher needs them, and keeps them
// for every Matcher made from it. An Index is safe for concurrent use by
// multiple goroutines.
type Index struct {
	g     *Grammar
	toks  *Tokens
	words int                           // length of a Mask of the vocabulary
	masks []atomic.Pointer[[]maskEntry] // (nodes) the masks computed at each node, by context
	mu    sync.Mutex                    // serialises additions to masks
	pool  sync.Pool                     // of *walker
}

// A maskEntry is the mask of a node in a context: the node the rule
// returns to (or noReturn with an empty stack) and whether the stack is
// empty below it.
type maskEntry struct {
	ret, below int32
	m          *nodeMask
}

// noReturn is the return node of a configuration with an empty stack.
const noReturn int32 = -1

// nodeMask is what an Index knows of the tokens that may start at a node
// in a context.
type nodeMask struct {
	bits      Mask    // accepted tokens, when many; else nil
	ids       []int32 // accepted tokens, when few
	uncertain []int32 // tokens to test against the whole state
}

// NewIndex prepares g for the vocabulary t.
func NewIndex(g *Grammar, t *Tokens) *Index {
	return &Index{
		g:     g,
		toks:  t,
		words: (t.Len() + 63) / 64,
		masks: make([]atomic.Pointer[[]maskEntry], len(g.prog.nodes)),
	}
}

// Grammar returns the grammar of the index.
func (ix *Index) Grammar() *Grammar { return ix.g }

// Tokens returns the vocabulary of the index.
func (ix *Index) Tokens() *Tokens { return ix.toks }

// context returns what the mask of configuration c depends on: the node
// its rule returns to, and the stack below that (stackEmpty, or
// stackUnknown for anything deeper).
func context(a *arena, c config) (ret, below int32) {
	if c.stack < 0 {
		return noReturn, stackEmpty
	}
	f := &a.frames[c.stack]
	if f.parent < 0 {
		return f.ret, stackEmpty
	}
	return f.ret, stackUnknown
}

// mask returns the tokens that may start at node n in a context, computing
// them the first time. The mask of a node with an unknown stack (noReturn,
// stackUnknown) comes from a walk of the token trie; the masks of the
// contexts the Matchers meet derive from it, testing only its uncertain
// tokens, so that the walk is made once per node.
func (ix *Index) mask(n, ret, below int32) *nodeMask {
	if m := ix.lookup(n, ret, below); m != nil {
		return m
	}
	var base *nodeMask
	if ret != noReturn || below != stackUnknown {
		base = ix.mask(n, noReturn, stackUnknown)
	}
	w, _ := ix.pool.Get().(*walker)
	if w == nil {
		w = newWalker(ix)
	}
	var m *nodeMask
	if base == nil {
		m = w.compute(n)
	} else {
		m = w.derive(base, n, ret, below)
	}
	ix.pool.Put(w)

	ix.mu.Lock()
	defer ix.mu.Unlock()
	if m := ix.lookup(n, ret, below); m != nil {
		return m // computed meanwhile
	}
	var es []maskEntry
	if old := ix.masks[n].Load(); old != nil {
		es = append(es, *old...)
	}
	es = append(es, maskEntry{ret, below, m})
	ix.masks[n].Store(&es)
	return m
}

func (ix *Index) lookup(n, ret, below int32) *nodeMask {
	if es := ix.masks[n].Load(); es != nil {
		for _, e := range *es {
			if e.ret == ret && e.below == below {
				return e.m
			}
		}
	}
	return nil
}
