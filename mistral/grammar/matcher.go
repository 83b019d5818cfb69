package grammar

import (
	"fmt"
	"iter"
	"math/bits"
)

// A Mask is a set of token ids, one bit per token: id is in the set when
// bit id%64 of word id/64 is set.
type Mask []uint64

// NewMask returns an empty mask for a vocabulary of n tokens.
func NewMask(n int) Mask { return make(Mask, (n+63)/64) }

// Has reports whether id is in the set.
func (m Mask) Has(id int32) bool {
	return id >= 0 && int(id>>6) < len(m) && m[id>>6]&(1<<(id&63)) != 0
}

// Set adds id to the set. It panics if id is beyond the mask.
func (m Mask) Set(id int32) { m[id>>6] |= 1 << (id & 63) }

// All returns the ids in the set, in increasing order.
func (m Mask) All() iter.Seq[int32] {
	return func(yield func(int32) bool) {
		for w, word := range m {
			for word != 0 {
				b := bits.TrailingZeros64(word)
				if !yield(int32(w<<6 | b)) {
					return
				}
				word &= word - 1
			}
		}
	}
}

// Count returns the number of ids in the set.
func (m Mask) Count() int {
	n := 0
	for _, w := range m {
		n += bits.OnesCount64(w)
	}
	return n
}

// A Matcher follows a text, token by token, through a grammar: it tells
// which tokens may come next (Allowed), reads the chosen one (Accept) and
// says whether the text is a whole sentence of the grammar (Complete,
// Done). A Matcher belongs to one goroutine at a time; many Matchers may
// share an Index.
type Matcher struct {
	ix    *Index
	a     arena     // the frames of the stacks of state
	state configSet // the current parse state
	tmp   [2]configSet
	st    stepper
	// compactAt is the arena size past which Accept drops the frames of
	// parses that died.
	compactAt int
}

// NewMatcher returns a Matcher of g over the vocabulary v. It prepares v
// and g each time: to run a grammar many times, make an Index once with
// NewIndex and call its NewMatcher.
func NewMatcher(g *Grammar, v Vocab) *Matcher {
	t, ok := v.(*Tokens)
	if !ok {
		t = NewTokens(v)
	}
	return NewIndex(g, t).NewMatcher()
}

// NewMatcher returns a Matcher at the start of the grammar.
func (ix *Index) NewMatcher() *Matcher {
	m := &Matcher{ix: ix}
	m.st = stepper{p: ix.g.prog, a: &m.a}
	m.Reset()
	return m
}

// Reset puts m back at the start of the grammar, before any token.
func (m *Matcher) Reset() {
	m.a.frames = m.a.frames[:0]
	p := m.ix.g.prog
	m.st.start(p.rules[p.root].start, stackEmpty, &m.state)
	m.compactAt = minCompact
}

// Clone returns an independent copy of m, in the same state, sharing the
// Index.
func (m *Matcher) Clone() *Matcher {
	c := &Matcher{ix: m.ix, compactAt: m.compactAt}
	c.a.frames = append([]frame(nil), m.a.frames...)
	c.st = stepper{p: m.ix.g.prog, a: &c.a}
	c.state.copyFrom(&m.state)
	return c
}

// Complete reports whether the text read so far is a whole sentence of
// the grammar: generation may stop here, and EOS may be allowed.
func (m *Matcher) Complete() bool { return m.state.complete }

// Done reports whether the text is complete and nothing can follow it:
// generation must stop.
func (m *Matcher) Done() bool { return m.state.complete && len(m.state.cs) == 0 }

// Allowed sets mask to the tokens that may come next: those whose bytes
// continue the text as a prefix of a sentence of the grammar. Tokens
// without bytes are never in it: add EOS when Complete reports true. The
// mask must have room for the vocabulary (NewMask(t.Len())), and Allowed
// panics otherwise; ids beyond the vocabulary are never in it.
func (m *Matcher) Allowed(mask Mask) {
	clear(mask)
	mask = mask[:m.ix.words]
	cs := m.state.cs
	for i, c := range cs {
		ret, below := context(&m.a, c)
		if m.seenContext(cs[:i], c.node, ret, below) {
			continue
		}
		nm := m.ix.mask(c.node, ret, below)
		if nm.bits != nil {
			for j, w := range nm.bits {
				mask[j] |= w
			}
		}
		for _, id := range nm.ids {
			mask.Set(id)
		}
	}
	for _, c := range cs {
		ret, below := context(&m.a, c)
		for _, id := range m.ix.mask(c.node, ret, below).uncertain {
			if !mask.Has(id) && m.test(c, m.ix.toks.Bytes(id)) {
				mask.Set(id)
			}
		}
	}
}

// seenContext reports whether one of cs has node n and the context ret,
// below.
func (m *Matcher) seenContext(cs []config, n, ret, below int32) bool {
	for _, c := range cs {
		if c.node == n {
			if r, b := context(&m.a, c); r == ret && b == below {
				return true
			}
		}
	}
	return false
}

// Allows reports whether token id may come next. It tests one token,
// cheaply: a sampler can pick a token first and compute the whole mask
// only if the grammar refuses it.
func (m *Matcher) Allows(id int32) bool {
	if id < 0 || int(id) >= m.ix.toks.Len() {
		return false
	}
	b := m.ix.toks.Bytes(id)
	if len(b) == 0 {
		return false
	}
	mark := len(m.a.frames)
	defer m.truncate(mark)
	cur, next := &m.tmp[0], &m.tmp[1]
	m.st.step(&m.state, b[0], cur)
	for _, x := range b[1:] {
		if len(cur.cs) == 0 {
			return false
		}
		m.st.step(cur, x, next)
		cur, next = next, cur
	}
	return !cur.overflow && (len(cur.cs) > 0 || cur.complete)
}

// test reports whether b can be read from the single configuration c.
func (m *Matcher) test(c config, b []byte) bool {
	mark := len(m.a.frames)
	defer m.truncate(mark)
	cur, next := &m.tmp[0], &m.tmp[1]
	cur.reset()
	cur.add(&m.a, c, MaxStates)
	for _, x := range b {
		if len(cur.cs) == 0 {
			return false
		}
		m.st.step(cur, x, next)
		cur, next = next, cur
	}
	return !cur.overflow && (len(cur.cs) > 0 || cur.complete)
}

func (m *Matcher) truncate(mark int) { m.a.frames = m.a.frames[:mark] }

// Accept reads token id. A token the grammar does not allow here is an
// error wrapping ErrRejected (or ErrTooManyStates), and leaves m as it
// was.
func (m *Matcher) Accept(id int32) error {
	if id < 0 || int(id) >= m.ix.toks.Len() {
		return fmt.Errorf("%w: token %d is not in the vocabulary of %d tokens", ErrRejected, id, m.ix.toks.Len())
	}
	b := m.ix.toks.Bytes(id)
	if len(b) == 0 {
		return fmt.Errorf("%w: token %d has no text", ErrRejected, id)
	}
	return m.advance(b, id)
}

// AcceptBytes reads text that does not come as a token, such as a prefix
// forced by the caller. Text the grammar does not allow here is an error
// wrapping ErrRejected (or ErrTooManyStates), and leaves m as it was. Empty
// text is rejected.
func (m *Matcher) AcceptBytes(b []byte) error {
	if len(b) == 0 {
		return fmt.Errorf("%w: empty text", ErrRejected)
	}
	return m.advance(b, -1)
}

// advance reads b, the bytes of token id (-1: not a token).
func (m *Matcher) advance(b []byte, id int32) error {
	what := func() string {
		if id < 0 {
			return fmt.Sprintf("%q", b)
		}
		return fmt.Sprintf("token %d %q", id, b)
	}
	mark := len(m.a.frames)
	cur, next := &m.tmp[0], &m.tmp[1]
	cur.copyFrom(&m.state)
	for i, x := range b {
		m.st.step(cur, x, next)
		cur, next = next, cur
		bad := -1 // the byte that cannot be read
		switch {
		case cur.overflow:
			m.truncate(mark)
			return fmt.Errorf("%w: more than %d parses at once after %s", ErrTooManyStates, MaxStates, what())
		case len(cur.cs) > 0:
		case !cur.complete:
			bad = i
		case i < len(b)-1:
			bad = i + 1 // the text is complete: nothing may follow
		}
		if bad >= 0 {
			m.truncate(mark)
			return fmt.Errorf("%w: %s at byte %d", ErrRejected, what(), bad+1)
		}
	}
	if cur == &m.tmp[0] {
		m.state, m.tmp[0] = m.tmp[0], m.state
	} else {
		m.state, m.tmp[1] = m.tmp[1], m.state
	}
	if len(m.a.frames) > m.compactAt {
		m.compact()
	}
	return nil
}

// minCompact is the smallest arena that compact shrinks.
const minCompact = 4096

// compact drops the frames no configuration of the state uses.
func (m *Matcher) compact() {
	old := m.a.frames
	var kept []frame
	moved := make(map[int32]int32)
	var move func(s int32) int32
	move = func(s int32) int32 {
		if s < 0 {
			return s
		}
		if t, ok := moved[s]; ok {
			return t
		}
		f := old[s]
		f.parent = move(f.parent)
		kept = append(kept, f)
		moved[s] = int32(len(kept) - 1)
		return int32(len(kept) - 1)
	}
	for i := range m.state.cs {
		m.state.cs[i].stack = move(m.state.cs[i].stack)
	}
	m.a.frames = kept
	m.compactAt = max(minCompact, 4*len(kept))
}

// Spell returns the token the grammar allows next that spells the longest
// prefix of b, and the length of that prefix; n is 0 when no allowed token
// is a prefix of b. Of tokens with the same bytes, the one with the
// highest id wins, as in Tokens.Longest. Spell(Completion()) is the token
// that brings the end closest; Spell(Forced()) a token that needs no
// sampling.
func (m *Matcher) Spell(b []byte) (id int32, n int) {
	toks := m.ix.toks
	path := toks.prefixNodes(b)
	for d := len(path) - 1; d >= 0; d-- {
		nd := &toks.trie[path[d]]
		for i := nd.idsEnd - 1; i >= nd.ids; i-- {
			if id := toks.ids[i]; m.Allows(id) {
				return id, d + 1
			}
		}
	}
	return -1, 0
}

// maxForced bounds the bytes Forced returns.
const maxForced = 256

// Forced returns the bytes that every continuation of the text read so far
// begins with: where the grammar allows exactly one byte next, that byte,
// and so on while it does (up to 256 bytes). It is empty when the text may
// end here or when several bytes may come next. A generation can append
// forced bytes without sampling, spelling them with Spell.
func (m *Matcher) Forced() []byte {
	mark := len(m.a.frames)
	defer m.truncate(mark)
	cur, next := &m.tmp[0], &m.tmp[1]
	cur.copyFrom(&m.state)
	var out []byte
	for len(out) < maxForced && !cur.complete && !cur.overflow && len(cur.cs) > 0 {
		b, ok := m.onlyByte(cur)
		if !ok {
			break
		}
		m.st.step(cur, b, next)
		cur, next = next, cur
		out = append(out, b)
	}
	return out
}

// onlyByte reports whether the configurations of s can read exactly one
// byte value, and which.
func (m *Matcher) onlyByte(s *configSet) (byte, bool) {
	var b byte
	seen := false
	for _, c := range s.cs {
		for _, e := range m.ix.g.prog.nodes[c.node].edges {
			if e.lo != e.hi || seen && e.lo != b {
				return 0, false
			}
			b, seen = e.lo, true
		}
	}
	return b, seen
}
