package grammar

import (
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// distances returns, for each node of p, the fewest bytes that lead from
// it to the final node of its rule; and for each rule, from its start.
func distances(p *program) (node, rule []int) {
	const inf = math.MaxInt / 4
	node = make([]int, len(p.nodes))
	rule = make([]int, len(p.rules))
	for i := range node {
		node[i] = inf
	}
	for i := range rule {
		rule[i] = inf
	}
	for changed := true; changed; {
		changed = false
		for r, pr := range p.rules {
			if node[pr.final] != 0 {
				node[pr.final] = 0
				changed = true
			}
			if node[pr.start] < rule[r] {
				rule[r] = node[pr.start]
				changed = true
			}
		}
		for i := range p.nodes {
			n := &p.nodes[i]
			best := node[i]
			for _, e := range n.eps {
				best = min(best, node[e])
			}
			for _, e := range n.edges {
				best = min(best, 1+node[e.to])
			}
			for _, c := range n.calls {
				best = min(best, rule[c.rule]+node[c.ret])
			}
			if best < node[i] {
				node[i] = best
				changed = true
			}
		}
	}
	return node, rule
}

// remaining returns the fewest bytes that complete the text m has read.
func remaining(m *Matcher, node []int) int {
	if m.Complete() {
		return 0
	}
	best := math.MaxInt
	for _, c := range m.state.cs {
		d := node[c.node]
		for s := c.stack; s >= 0; s = m.a.frames[s].parent {
			d += node[m.a.frames[s].ret]
		}
		best = min(best, d)
	}
	return best
}

// walkOptions drive randomWalk.
type walkOptions struct {
	free  int     // steps of uniformly random allowed tokens before steering to the end
	stop  float64 // probability of stopping at each complete point
	check int     // tokens per step whose mask bit is checked against Accept
}

// randomWalk generates a random text of m's grammar: random allowed
// tokens for a while, then tokens that bring the end closest, and returns
// it once complete (at random, or when nothing may follow). On the way it
// checks that the mask agrees with Accept and Allows.
func randomWalk(t testing.TB, m *Matcher, rng *rand.Rand, opt walkOptions) []byte {
	t.Helper()
	toks := m.ix.toks
	node, _ := distances(m.ix.g.prog)
	mask := NewMask(toks.Len())
	var text []byte
	var allowed []int32
	for step := 0; ; step++ {
		if m.Done() || m.Complete() && (rng.Float64() < opt.stop || step >= opt.free) {
			return text
		}
		require.Less(t, step, opt.free+2000, "the walk does not end: %q", text)
		m.Allowed(mask)
		allowed = allowed[:0]
		for i, w := range mask {
			for ; w != 0; w &= w - 1 {
				allowed = append(allowed, int32(i*64+bits.TrailingZeros64(w)))
			}
		}
		require.NotEmpty(t, allowed, "no token allowed after %q", text)
		for range opt.check {
			id := int32(rng.IntN(toks.Len()))
			c := m.Clone()
			err := c.Accept(id)
			require.Equal(t, mask.Has(id), err == nil, "token %d %q after %q: mask %v, Accept %v", id, toks.Bytes(id), text, mask.Has(id), err)
			require.Equal(t, mask.Has(id), m.Allows(id), "token %d %q after %q: Allows", id, toks.Bytes(id), text)
		}
		var id int32
		if step < opt.free {
			id = allowed[rng.IntN(len(allowed))]
			if rng.IntN(2) == 0 { // favour short tokens, for more structure
				for range 8 {
					if c := allowed[rng.IntN(len(allowed))]; len(toks.Bytes(c)) <= 2 {
						id = c
						break
					}
				}
			}
		} else {
			// Steer: among a sample of the allowed tokens and every allowed
			// single byte (which always make progress), the one that leaves
			// the fewest bytes to the end.
			best := math.MaxInt
			try := func(c int32) {
				m2 := m.Clone()
				require.NoError(t, m2.Accept(c))
				if d := remaining(m2, node); d < best || d == best && rng.IntN(2) == 0 {
					best, id = d, c
				}
			}
			for range 16 {
				try(allowed[rng.IntN(len(allowed))])
			}
			for _, c := range allowed {
				if len(toks.Bytes(c)) == 1 {
					try(c)
				}
			}
		}
		require.NoError(t, m.Accept(id), "after %q", text)
		text = append(text, toks.Bytes(id)...)
	}
}
