package grammar

import (
	"fmt"
	"strings"
)

// closureLimit is the most nodes closeNodes lists in the closure of a
// node; beyond, the node is dynamic. Chains of optional items, such as
// ("a"?){1000}, would otherwise take quadratic time and memory.
const closureLimit = 64

// closeNodes fills in what each node reaches reading nothing within its
// automaton: rest, reach and final, or dynamic.
func (p *program) closeNodes() {
	mark := make([]int32, len(p.nodes)) // the last node whose closure visited, +1
	var work []int32
	for i := range p.nodes {
		n := &p.nodes[i]
		final := p.rules[n.rule].final
		work = append(work[:0], int32(i))
		mark[i] = int32(i) + 1
		visited := 0
		for len(work) > 0 {
			j := work[len(work)-1]
			work = work[:len(work)-1]
			if visited++; visited > closureLimit {
				n.rest, n.reach, n.final, n.dynamic = nil, nil, false, true
				break
			}
			m := &p.nodes[j]
			if len(m.edges) > 0 {
				if j == int32(i) {
					n.rest = append([]int32{j}, n.rest...)
				} else {
					n.rest = append(n.rest, j)
				}
			}
			n.reach = append(n.reach, m.calls...)
			n.final = n.final || j == final
			for _, k := range m.eps {
				if mark[k] != int32(i)+1 {
					mark[k] = int32(i) + 1
					work = append(work, k)
				}
			}
		}
	}
}

// check rejects programs the matcher cannot run: left recursion (a rule
// reached again before any byte is read, which would grow the stack without
// end), and a rule that can never reach its end (every prefix the matcher
// accepts must be completable). A rule is productive if some path from its
// start to its final node calls only productive rules; nullable if some
// such path reads no byte.
func (p *program) check() error {
	nullable := p.fixpoint(false)

	// left[r] are the rules r calls before reading any byte.
	left := make([][]int32, len(p.rules))
	for r := range p.rules {
		seen := map[int32]bool{}
		work := []int32{p.rules[r].start}
		for len(work) > 0 {
			i := work[len(work)-1]
			work = work[:len(work)-1]
			if seen[i] {
				continue
			}
			seen[i] = true
			n := &p.nodes[i]
			work = append(work, n.eps...)
			for _, c := range n.calls {
				left[r] = append(left[r], c.rule)
				if nullable[c.rule] {
					work = append(work, c.ret)
				}
			}
		}
	}
	// A cycle of left calls is left recursion.
	const (
		unvisited = iota
		active
		done
	)
	state := make([]int, len(p.rules))
	var path []int32
	var visit func(r int32) error
	visit = func(r int32) error {
		state[r] = active
		path = append(path, r)
		for _, s := range left[r] {
			switch state[s] {
			case active:
				var names []string
				for i := len(path) - 1; i >= 0; i-- {
					if path[i] == s {
						for _, q := range path[i:] {
							names = append(names, p.rules[q].name)
						}
						break
					}
				}
				names = append(names, p.rules[s].name)
				return &Error{Rule: p.rules[s].name, Msg: fmt.Sprintf("left recursion (%s): the rule is reached again before any character is read; rewrite it with repetition, such as list ::= item (\",\" item)*", strings.Join(names, " -> "))}
			case unvisited:
				if err := visit(s); err != nil {
					return err
				}
			}
		}
		path = path[:len(path)-1]
		state[r] = done
		return nil
	}
	for r := range p.rules {
		if state[r] == unvisited {
			if err := visit(int32(r)); err != nil {
				return err
			}
		}
	}

	// A rule is productive if some path from its start to its final node
	// calls only productive rules; nullable if some such path reads no byte.
	productive := p.fixpoint(true)
	culprit := -1 // preferably a rule that calls itself through rules that never finish
	for r, ok := range productive {
		if ok {
			continue
		}
		if culprit < 0 {
			culprit = r
		}
		if p.callsItself(int32(r), productive) {
			culprit = r
			break
		}
	}
	if culprit >= 0 {
		return &Error{Rule: p.rules[culprit].name, Msg: "can never finish: every way through it calls itself again, directly or through other rules"}
	}

	return nil
}

// callsItself reports whether rule r calls itself, directly or through
// rules that are not productive.
func (p *program) callsItself(r int32, productive []bool) bool {
	seen := map[int32]bool{}
	work := []int32{r}
	for len(work) > 0 {
		q := work[len(work)-1]
		work = work[:len(work)-1]
		for _, n := range p.nodes {
			if n.rule != q {
				continue
			}
			for _, c := range n.calls {
				if c.rule == r {
					return true
				}
				if !productive[c.rule] && !seen[c.rule] {
					seen[c.rule] = true
					work = append(work, c.rule)
				}
			}
		}
	}
	return false
}

// fixpoint returns, for each rule, whether its final node can be reached
// from its start through calls of rules already known to finish, reading
// bytes if withBytes.
func (p *program) fixpoint(withBytes bool) []bool {
	ok := make([]bool, len(p.rules))
	for changed := true; changed; {
		changed = false
		for r := range p.rules {
			if ok[r] {
				continue
			}
			final := p.rules[r].final
			seen := map[int32]bool{}
			work := []int32{p.rules[r].start}
			for len(work) > 0 && !ok[r] {
				i := work[len(work)-1]
				work = work[:len(work)-1]
				if seen[i] {
					continue
				}
				seen[i] = true
				if i == final {
					ok[r], changed = true, true
					break
				}
				n := &p.nodes[i]
				work = append(work, n.eps...)
				if withBytes {
					for _, e := range n.edges {
						work = append(work, e.to)
					}
				}
				for _, c := range n.calls {
					if ok[c.rule] {
						work = append(work, c.ret)
					}
				}
			}
		}
	}
	return ok
}
