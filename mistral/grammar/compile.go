package grammar

import (
	"fmt"
	"strings"
)

// A program is a grammar compiled to a recursive transition network over
// bytes: each rule that is not inlined is an automaton from its start node
// to its final node, whose edges read one byte in a range, read nothing
// (eps) or call another rule's automaton and continue at a return node
// once it reaches its final node. A parse state is a set of
// configurations, each a node with a byte edge and a stack of return nodes
// (stack.go).
type program struct {
	nodes []node
	rules []progRule // rules[root] is the start rule
	root  int32
	// rootCalled reports whether some rule calls the start rule: if not,
	// a configuration in the start rule's automaton has an empty stack.
	rootCalled bool

	programDistances // shortest completions, computed on first use
}

type progRule struct {
	name         string
	start, final int32
}

type node struct {
	rule  int32   // the automaton the node belongs to
	edges []edge  // bytes read here
	eps   []int32 // nodes reached reading nothing
	calls []call  // rules called here
	// Filled by closeNodes: what is reached from the node reading nothing,
	// within its automaton, unless that is too much to list (dynamic).
	rest    []int32 // the nodes with byte edges, the node itself first if it has some
	reach   []call  // the calls
	final   bool    // whether the rule's final node is reached
	dynamic bool    // the closure is followed edge by edge instead
}

type edge struct {
	lo, hi byte
	to     int32
}

type call struct{ rule, ret int32 }

// Limits of compilation.
const (
	// maxNodes bounds the size of a compiled grammar.
	maxNodes = 1 << 18
	// inlineLimit is the largest estimated size, in nodes, of a
	// non-recursive rule compiled into the rules that use it rather than
	// called. Inlining saves stack operations and lets the masks of the
	// nodes inside it be computed without knowing the stack.
	inlineLimit = 400
)

type compiler struct {
	rules  []*rule
	index  map[string]int
	prog   *program
	inline []bool  // rules compiled where they are used
	ruleID []int32 // program rule of each rule, -1 until needed
	queue  []int   // rules to compile
	cur    int32   // the program rule being compiled
	err    error
}

// compile turns rules into a program starting at rules[root]. Every
// reference must be defined.
func compile(rules []*rule, root int) (*program, error) {
	c := &compiler{rules: rules, index: map[string]int{}, prog: &program{}}
	for i, r := range rules {
		c.index[r.name] = i
	}
	recursive := c.recursive()
	sizes := make([]int, len(rules))
	c.inline = make([]bool, len(rules))
	for i := range rules {
		c.inline[i] = !recursive[i] && i != root && c.size(i, sizes, recursive) <= inlineLimit
	}
	c.ruleID = make([]int32, len(rules))
	for i := range c.ruleID {
		c.ruleID[i] = -1
	}
	c.prog.root = c.need(root)
	for len(c.queue) > 0 && c.err == nil {
		i := c.queue[0]
		c.queue = c.queue[1:]
		pr := c.prog.rules[c.ruleID[i]]
		c.cur = c.ruleID[i]
		c.compileRule(i, pr.start, pr.final)
	}
	if c.err != nil {
		return nil, c.err
	}
	p := c.prog
	for _, n := range p.nodes {
		for _, cl := range n.calls {
			p.rootCalled = p.rootCalled || cl.rule == p.root
		}
	}
	p.closeNodes()
	if err := p.check(); err != nil {
		return nil, err
	}
	// Too ambiguous from the start: no Matcher could begin.
	var a arena
	st := stepper{p: p, a: &a}
	var start configSet
	st.start(p.rules[p.root].start, stackEmpty, &start)
	if start.overflow {
		return nil, &Error{Msg: fmt.Sprintf("too ambiguous: more than %d ways to parse the start", MaxStates)}
	}
	return p, nil
}

// compileRule compiles the body of rules[i] from node from to node to.
func (c *compiler) compileRule(i int, from, to int32) {
	c.expr(c.rules[i].body, from, to)
}

// need returns the program rule of rules[i], queueing it for compilation
// the first time.
func (c *compiler) need(i int) int32 {
	if id := c.ruleID[i]; id >= 0 {
		return id
	}
	id := int32(len(c.prog.rules))
	c.ruleID[i] = id
	c.prog.rules = append(c.prog.rules, progRule{name: c.rules[i].name})
	save := c.cur
	c.cur = id
	c.prog.rules[id].start = c.newNode()
	c.prog.rules[id].final = c.newNode()
	c.cur = save
	c.queue = append(c.queue, i)
	return id
}

func (c *compiler) newNode() int32 {
	if len(c.prog.nodes) >= maxNodes {
		if c.err == nil {
			c.err = tooLarge()
		}
		return 0
	}
	c.prog.nodes = append(c.prog.nodes, node{rule: c.cur})
	return int32(len(c.prog.nodes) - 1)
}

func tooLarge() error {
	return &Error{Msg: fmt.Sprintf("grammar too large: more than %d states once compiled (lower the repetition counts)", maxNodes)}
}

// estimate returns about how many nodes e compiles to, or limit if it is
// more.
func (c *compiler) estimate(e *expr, limit int) int {
	n := 0
	switch e.kind {
	case exprSeq, exprAlt:
		for _, s := range e.subs {
			n += c.estimate(s, limit) + 1
			if n >= limit {
				return limit
			}
		}
	case exprRepeat:
		count := e.max
		if count == unbounded {
			count = e.min + 1
		}
		n = count*c.estimate(e.subs[0], limit/max(count, 1)+1) + 1
	case exprLiteral:
		n = len(e.text)
	case exprClass:
		n = len(e.class) // at least
	case exprRef:
		if i := c.index[e.text]; c.inline[i] {
			n = c.estimate(c.rules[i].body, limit)
		} else {
			n = 1
		}
	}
	return min(n, limit)
}

func (c *compiler) eps(from, to int32) {
	if from != to {
		c.prog.nodes[from].eps = append(c.prog.nodes[from].eps, to)
	}
}

func (c *compiler) byteEdge(from int32, r byteRange, to int32) {
	n := &c.prog.nodes[from]
	n.edges = append(n.edges, edge{r.lo, r.hi, to})
}

// expr compiles e so that the paths from node from to node to read exactly
// the strings of e. Loops get nodes of their own, so from and to may be
// shared with other expressions.
func (c *compiler) expr(e *expr, from, to int32) {
	if c.err != nil {
		return
	}
	switch e.kind {
	case exprSeq:
		if len(e.subs) == 0 {
			c.eps(from, to)
			return
		}
		cur := from
		for i, s := range e.subs {
			next := to
			if i < len(e.subs)-1 {
				next = c.newNode()
			}
			c.expr(s, cur, next)
			cur = next
		}
	case exprAlt:
		for _, s := range e.subs {
			c.expr(s, from, to)
		}
	case exprRepeat:
		c.repeat(e.subs[0], e.min, e.max, from, to)
	case exprLiteral:
		if e.text == "" {
			c.eps(from, to)
			return
		}
		cur := from
		for i := 0; i < len(e.text); i++ {
			next := to
			if i < len(e.text)-1 {
				next = c.newNode()
			}
			c.byteEdge(cur, byteRange{e.text[i], e.text[i]}, next)
			cur = next
		}
	case exprClass:
		c.class(e.class, from, to)
	case exprRef:
		i := c.index[e.text]
		if c.inline[i] {
			c.compileRule(i, from, to)
			return
		}
		id := c.need(i) // may grow c.prog.nodes
		n := &c.prog.nodes[from]
		n.calls = append(n.calls, call{id, to})
	}
}

// repeat compiles sub repeated min to max times.
func (c *compiler) repeat(sub *expr, min, max int, from, to int32) {
	copies := max
	if max == unbounded {
		copies = min + 1
	}
	if copies > 1 && c.estimate(sub, maxNodes/copies+1)*copies > maxNodes-len(c.prog.nodes) {
		c.newNode() // fails once the budget is spent
		if c.err == nil {
			c.err = tooLarge()
		}
		return
	}
	cur := from
	for range min {
		next := c.newNode()
		c.expr(sub, cur, next)
		cur = next
		if c.err != nil {
			return
		}
	}
	if max == unbounded {
		loop := c.newNode()
		c.eps(cur, loop)
		c.expr(sub, loop, loop)
		c.eps(loop, to)
		return
	}
	c.eps(cur, to)
	for range max - min {
		next := c.newNode()
		c.expr(sub, cur, next)
		c.eps(next, to)
		cur = next
		if c.err != nil {
			return
		}
	}
}

// class compiles one character of cl as UTF-8: a path of byte ranges per
// sequence of utf8Seqs, the paths sharing their common suffixes.
func (c *compiler) class(cl charClass, from, to int32) {
	suffix := map[string]int32{"": to} // remaining ranges → node
	var key strings.Builder
	for _, seq := range cl.utf8Seqs() {
		next := to
		for i := len(seq) - 1; i >= 1; i-- {
			key.Reset()
			for _, r := range seq[i:] {
				key.WriteByte(r.lo)
				key.WriteByte(r.hi)
			}
			n, ok := suffix[key.String()]
			if !ok {
				n = c.newNode()
				if c.err != nil {
					return
				}
				c.byteEdge(n, seq[i], next)
				suffix[key.String()] = n
			}
			next = n
		}
		c.byteEdge(from, seq[0], next)
	}
}

// recursive reports, for each rule, whether it refers to itself, directly
// or through other rules.
func (c *compiler) recursive() []bool {
	refs := make([][]int, len(c.rules))
	for i, r := range c.rules {
		r.body.walk(func(e *expr) {
			if e.kind == exprRef {
				refs[i] = append(refs[i], c.index[e.text])
			}
		})
	}
	out := make([]bool, len(c.rules))
	seen := make([]int, len(c.rules)) // the last start that reached the rule, +1
	for start := range c.rules {
		work := append([]int(nil), refs[start]...)
		for len(work) > 0 && !out[start] {
			i := work[len(work)-1]
			work = work[:len(work)-1]
			if i == start {
				out[start] = true
			}
			if seen[i] != start+1 {
				seen[i] = start + 1
				work = append(work, refs[i]...)
			}
		}
	}
	return out
}

// size estimates the number of nodes of rules[i] compiled with what it
// inlines, capped above inlineLimit.
func (c *compiler) size(i int, sizes []int, recursive []bool) int {
	if sizes[i] > 0 {
		return sizes[i]
	}
	if recursive[i] {
		sizes[i] = inlineLimit + 1
		return sizes[i]
	}
	var est func(e *expr) int
	est = func(e *expr) int {
		n := 0
		switch e.kind {
		case exprSeq, exprAlt:
			for _, s := range e.subs {
				n += est(s) + 1
			}
		case exprRepeat:
			count := e.max
			if count == unbounded {
				count = e.min + 1
			}
			n = (count+1)*est(e.subs[0]) + 1
		case exprLiteral:
			n = len(e.text)
		case exprClass:
			for _, s := range e.class.utf8Seqs() {
				n += len(s)
			}
		case exprRef:
			j := c.index[e.text]
			if recursive[j] {
				n = 1
			} else {
				n = c.size(j, sizes, recursive)
			}
		}
		return min(n, inlineLimit+1)
	}
	sizes[i] = max(est(c.rules[i].body), 1)
	return sizes[i]
}
