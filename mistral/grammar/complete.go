package grammar

import (
	"math"
	"sync"
)

// Shortest completions: for every node of a program, the fewest bytes that
// lead from it to the final node of its rule (a call costs the fewest bytes
// of the called rule). A parse configuration's shortest completion is its
// node's distance plus those of the return nodes on its stack. Generation
// uses it to finish a text within a token budget.

const unreachable = math.MaxInt32 / 4

// distances computes, once per program, the distance of every node.
func (p *program) distances() []int32 {
	p.distOnce.Do(func() {
		d := make([]int32, len(p.nodes))
		for i := range d {
			d[i] = unreachable
		}
		for _, r := range p.rules {
			d[r.final] = 0
		}
		// Relax until nothing changes (Bellman-Ford over the network; the
		// distances are non-negative and bounded, so it terminates).
		for changed := true; changed; {
			changed = false
			for i := len(p.nodes) - 1; i >= 0; i-- {
				n := &p.nodes[i]
				best := d[i]
				for _, e := range n.edges {
					best = min(best, 1+d[e.to])
				}
				for _, t := range n.eps {
					best = min(best, d[t])
				}
				for _, c := range n.calls {
					best = min(best, min(d[p.rules[c.rule].start]+d[c.ret], unreachable))
				}
				if best < d[i] {
					d[i], changed = best, true
				}
			}
		}
		p.dist = d
	})
	return p.dist
}

// distOnce and dist live on program; see distances.
type programDistances struct {
	distOnce sync.Once
	dist     []int32
}

// Completion returns the shortest text that makes the text read so far a
// whole sentence of the grammar: empty when it already is one, nil when no
// text can (a Matcher whose parses all died). A generation that must end
// within a budget of tokens can spell it once the budget gets short.
func (m *Matcher) Completion() []byte {
	if m.state.complete {
		return []byte{}
	}
	p := m.ix.g.prog
	d := p.distances()
	best, bestCost := -1, int64(unreachable)
	for i, c := range m.state.cs {
		cost := int64(d[c.node])
		for s := c.stack; s >= 0; s = m.a.frames[s].parent {
			cost += int64(d[m.a.frames[s].ret])
		}
		if cost < bestCost {
			best, bestCost = i, cost
		}
	}
	if best < 0 || bestCost >= unreachable {
		return nil
	}
	// Walk a shortest path, keeping our own copy of the stack.
	var stack []int32
	for s := m.state.cs[best].stack; s >= 0; s = m.a.frames[s].parent {
		stack = append(stack, m.a.frames[s].ret)
	}
	// stack holds the return nodes top first; pop from the front.
	node := m.state.cs[best].node
	out := make([]byte, 0, bestCost)
	seen := map[int32]bool{} // nodes visited since the last byte or call, against cycles of free moves
	for steps := 0; steps < 1<<20; steps++ {
		n := &p.nodes[node]
		if d[node] == 0 && node == p.rules[n.rule].final {
			if len(stack) == 0 {
				return out
			}
			node, stack = stack[0], stack[1:]
			clear(seen)
			continue
		}
		moved := false
		for _, e := range n.edges {
			if 1+d[e.to] == d[node] {
				out = append(out, e.lo)
				node, moved = e.to, true
				clear(seen)
				break
			}
		}
		if !moved {
			for _, t := range n.eps {
				if d[t] == d[node] && !seen[t] {
					seen[t] = true
					node, moved = t, true
					break
				}
			}
		}
		if !moved {
			for _, c := range n.calls {
				start := p.rules[c.rule].start
				if d[start]+d[c.ret] == d[node] {
					stack = append([]int32{c.ret}, stack...)
					node, moved = start, true
					clear(seen)
					break
				}
			}
		}
		if !moved {
			return nil // cannot happen with consistent distances
		}
	}
	return nil
}
