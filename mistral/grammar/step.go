package grammar

import "math"

// MaxStates is the most configurations a parse state may hold: the number
// of ways the text so far can be parsed at once, each a position in the
// grammar and a stack of rules under way. Unambiguous grammars, such as
// those of JSON, use a handful; an explosion past this bound is reported
// as ErrTooManyStates rather than slowing generation down.
const MaxStates = 1024

// A stepper advances parse states byte by byte. It keeps scratch space and
// belongs to one goroutine.
type stepper struct {
	p    *program
	a    *arena
	seen configSet // what expand entered during the current step
	work []config
}

// start sets out to the state before any byte: node n's configurations
// reading nothing, with stack s beneath.
func (st *stepper) start(n, s int32, out *configSet) {
	out.reset()
	st.seen.reset()
	st.expand(n, s, out)
}

// step sets out to the state after reading byte b in state in.
func (st *stepper) step(in *configSet, b byte, out *configSet) {
	out.reset()
	out.overflow = in.overflow
	if len(in.cs) == 1 && st.stepOne(in.cs[0], b, out) {
		return
	}
	st.seen.reset()
	for _, c := range in.cs {
		for _, e := range st.p.nodes[c.node].edges {
			if e.lo <= b && b <= e.hi {
				st.expand(e.to, c.stack, out)
			}
		}
	}
}

// stepOne is step from the single configuration c, when reading b leads to
// one node and no stack operation (a character inside a string, say): it
// reports whether it applied.
func (st *stepper) stepOne(c config, b byte, out *configSet) bool {
	to := int32(-1)
	for _, e := range st.p.nodes[c.node].edges {
		if e.lo <= b && b <= e.hi {
			if to >= 0 {
				return false
			}
			to = e.to
		}
	}
	if to < 0 {
		return true
	}
	nd := &st.p.nodes[to]
	if len(nd.reach) > 0 || nd.final || nd.dynamic || len(nd.rest) >= indexFrom {
		return false
	}
	for _, r := range nd.rest { // distinct nodes: no duplicates
		out.cs = append(out.cs, config{r, c.stack})
		out.hashes = append(out.hashes, configHash(st.a, config{r, c.stack}))
	}
	return true
}

// expand adds to out the configurations reached from node n with stack s
// reading nothing: the nodes with byte edges reached through eps edges, the
// starts of the rules called on the way, pushing their return nodes, and,
// when a rule finishes, the return node popped from the stack. It marks out
// complete when the start rule finishes with an empty stack, escaped when a
// rule finishes above the unknown stack. Without left recursion (rejected
// by compile) this terminates: the stack only grows by reading bytes.
func (st *stepper) expand(n, s int32, out *configSet) {
	nd := &st.p.nodes[n]
	if len(nd.reach) == 0 && !nd.final && !nd.dynamic { // no stack operation: no loop either
		for _, r := range nd.rest {
			out.add(st.a, config{r, s}, MaxStates)
		}
		return
	}
	if !st.enter(config{n, s}, out) {
		return
	}
	work := append(st.work[:0], config{n, s})
	push := func(c config) {
		if st.enter(c, out) {
			work = append(work, c)
		}
	}
	for len(work) > 0 {
		c := work[len(work)-1]
		work = work[:len(work)-1]
		nd := &st.p.nodes[c.node]
		rest, reach, final := nd.rest, nd.reach, nd.final
		if nd.dynamic { // the node alone; its eps edges lead to the others
			rest, reach, final = nil, nd.calls, c.node == st.p.rules[nd.rule].final
			if len(nd.edges) > 0 {
				out.add(st.a, c, MaxStates)
			}
			for _, e := range nd.eps {
				push(config{e, c.stack})
			}
		}
		for _, r := range rest {
			out.add(st.a, config{r, c.stack}, MaxStates)
		}
		for _, cl := range reach {
			push(config{st.p.rules[cl.rule].start, st.a.push(c.stack, cl.ret)})
		}
		if final {
			switch c.stack {
			case stackEmpty:
				out.complete = true
			case stackUnknown:
				out.escaped = true
			default:
				f := st.a.frames[c.stack]
				push(config{f.ret, f.parent})
			}
		}
	}
	st.work = work
}

// enter records that expand reaches c in this step and reports whether it
// is the first time.
func (st *stepper) enter(c config, out *configSet) bool {
	if len(st.seen.cs) >= 4*MaxStates {
		out.overflow = true
		return false
	}
	return st.seen.add(st.a, c, math.MaxInt)
}
