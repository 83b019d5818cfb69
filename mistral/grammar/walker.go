package grammar

// A walker computes node masks: by walking the token trie from a single
// configuration whose stack is unknown, or by testing the uncertain tokens
// of that mask in a context. It belongs to one goroutine at a time.
//
// The walk steps from state to state along the trie, and a trie has tens
// of thousands of nodes but a walk meets few distinct states (inside a
// string, the same one again and again): the walker interns the states it
// meets and caches their transitions, so that most trie nodes cost one
// table lookup, as in a lazily built DFA.
type walker struct {
	ix        *Index
	a         arena
	st        stepper
	states    []walkState
	index     map[uint64][]int32 // state hash → ids of states with that hash
	tmp       [2]configSet
	scratch   []configSet // scratch[d]: a state after d bytes the cache cannot hold
	accepted  []int32
	uncertain []int32
}

// A walkState is a parse state met by a walk, with its transitions.
type walkState struct {
	set  configSet
	hash uint64
	next *[256]int32 // next[b] is the state after byte b, +1; 0: not computed
}

// Walk-state ids with a meaning of their own.
const (
	deadState = -1 // no configuration and nothing finished
	noState   = -2 // the cache is full: step without it
)

// maxWalkStates bounds the states a walk caches (each with a table of 1 KB).
const maxWalkStates = 2048

func newWalker(ix *Index) *walker {
	w := &walker{ix: ix, index: map[uint64][]int32{}, scratch: make([]configSet, ix.toks.maxLen+1)}
	w.st = stepper{p: ix.g.prog, a: &w.a}
	return w
}

// reset empties the arena and the state cache.
func (w *walker) reset() {
	w.a.frames = w.a.frames[:0]
	w.states = w.states[:0]
	clear(w.index)
	w.accepted, w.uncertain = w.accepted[:0], w.uncertain[:0]
}

// compute walks the token trie from node n with an unknown stack.
func (w *walker) compute(n int32) *nodeMask {
	w.reset()
	set := &w.tmp[0]
	set.reset()
	set.add(&w.a, config{n, stackUnknown}, MaxStates)
	w.visit(0, 0, w.intern(set), set, false)
	return w.result(nil)
}

// intern returns the id of the state equal to set, adding a copy of it if
// it is new; deadState if set is empty and nothing finished, noState if the
// cache is full.
func (w *walker) intern(set *configSet) int32 {
	if len(set.cs) == 0 && !set.escaped && !set.complete && !set.overflow {
		return deadState
	}
	h := uint64(len(set.cs))
	for _, ch := range set.hashes {
		h += ch * 0x9E3779B97F4A7C15 >> 7 // order-independent
	}
	if set.escaped {
		h ^= 0x1
	}
	if set.complete {
		h ^= 0x2
	}
	if set.overflow {
		h ^= 0x4
	}
	for _, id := range w.index[h] {
		if w.sameSet(&w.states[id].set, set) {
			return id
		}
	}
	if len(w.states) >= maxWalkStates {
		return noState
	}
	id := int32(len(w.states))
	w.states = append(w.states, walkState{hash: h})
	w.states[id].set.copyFrom(set)
	w.index[h] = append(w.index[h], id)
	return id
}

func (w *walker) sameSet(a, b *configSet) bool {
	if len(a.cs) != len(b.cs) || a.escaped != b.escaped || a.complete != b.complete || a.overflow != b.overflow {
		return false
	}
	for i, c := range b.cs {
		if a.find(&w.a, c, b.hashes[i]) < 0 {
			return false
		}
	}
	return true
}

// step returns the state after byte b from state id (whose set is set),
// and the set of that state: from the cache if it can.
func (w *walker) step(id int32, set *configSet, b byte, scratch *configSet) (int32, *configSet) {
	if id >= 0 {
		s := &w.states[id]
		if s.next == nil {
			s.next = new([256]int32)
		}
		if next := s.next[b]; next != 0 {
			return next - 1, w.setOf(next-1, scratch)
		}
	}
	w.st.step(set, b, scratch)
	next := w.intern(scratch)
	if id >= 0 && next != noState {
		w.states[id].next[b] = next + 1
	}
	return next, w.setOf(next, scratch)
}

// setOf returns the set of state id, or scratch for a state not cached.
func (w *walker) setOf(id int32, scratch *configSet) *configSet {
	if id >= 0 {
		return &w.states[id].set
	}
	return scratch
}

// visit walks the children of trie node t, whose depth bytes lead to state
// id (whose set is set). escaped reports that a rule finished above the
// unknown stack on the way: tokens that cannot be read without leaving it
// are uncertain rather than rejected.
func (w *walker) visit(t int32, depth int, id int32, set *configSet, escaped bool) {
	toks := w.ix.toks
	tn := toks.trie[t]
	for _, k := range toks.kids[tn.kids : tn.kids+tn.nkids] {
		child := toks.trie[k.node]
		next, out := w.step(id, set, k.b, &w.scratch[depth+1])
		if next == deadState && !escaped {
			continue
		}
		own, deeper := toks.ids[child.ids:child.idsEnd], toks.ids[child.idsEnd:child.subEnd]
		switch {
		case out.overflow:
			w.uncertain = append(append(w.uncertain, own...), deeper...)
		case len(out.cs) > 0:
			w.accepted = append(w.accepted, own...)
			if child.nkids > 0 {
				w.visit(k.node, depth+1, next, out, escaped || out.escaped)
			}
		case out.escaped || out.complete:
			w.accepted = append(w.accepted, own...)
			if out.escaped || escaped {
				w.uncertain = append(w.uncertain, deeper...)
			}
		case escaped:
			w.uncertain = append(append(w.uncertain, own...), deeper...)
		}
	}
}

// derive returns the mask of node n in a context from its mask base with an
// unknown stack: the same accepted tokens, and the uncertain ones tested.
func (w *walker) derive(base *nodeMask, n, ret, below int32) *nodeMask {
	w.reset()
	stack := below
	if ret != noReturn {
		stack = w.a.push(below, ret)
	}
	c := config{n, stack}
	mark := len(w.a.frames)
	for _, id := range base.uncertain {
		w.a.frames = w.a.frames[:mark]
		switch w.classify(c, w.ix.toks.Bytes(id)) {
		case tokenAccepted:
			w.accepted = append(w.accepted, id)
		case tokenUncertain:
			w.uncertain = append(w.uncertain, id)
		}
	}
	return w.result(base)
}

// result returns the mask of the tokens collected, added to those base
// accepts.
func (w *walker) result(base *nodeMask) *nodeMask {
	m := &nodeMask{uncertain: append([]int32(nil), w.uncertain...)}
	accepted := w.accepted
	if base != nil {
		accepted = append(accepted, base.ids...)
	}
	if base != nil && base.bits != nil || len(accepted) > w.ix.words*2 { // a bitset is smaller
		m.bits = NewMask(w.ix.toks.Len())
		if base != nil && base.bits != nil {
			copy(m.bits, base.bits)
		}
		for _, id := range accepted {
			m.bits.Set(id)
		}
	} else {
		m.ids = append([]int32(nil), accepted...)
	}
	return m
}

// Outcomes of classify.
const (
	tokenRejected = iota
	tokenAccepted
	tokenUncertain
)

// classify tells whether b can be read from configuration c whatever the
// stack below what c knows of it (accepted), in no case (rejected), or
// depending on it (uncertain): as visit does for one token.
func (w *walker) classify(c config, b []byte) int {
	cur, next := &w.tmp[0], &w.tmp[1]
	cur.reset()
	cur.add(&w.a, c, MaxStates)
	escaped := false
	for i, x := range b {
		w.st.step(cur, x, next)
		cur, next = next, cur
		switch {
		case cur.overflow:
			return tokenUncertain
		case i == len(b)-1 && (len(cur.cs) > 0 || cur.escaped || cur.complete):
			return tokenAccepted
		}
		escaped = escaped || cur.escaped
		if len(cur.cs) == 0 {
			break
		}
	}
	if escaped {
		return tokenUncertain
	}
	return tokenRejected
}
