package mistral

import (
	"slices"

	"github.com/gomistral/gomistral/mistral/grammar"
)

// Logits of the allowed tokens only.
//
// When greedy sampling through the grammar (and nothing else that looks at
// the logits) draws the next token, only the logits of the tokens the
// grammar allows matter: after the key of an enum, a number or a boolean of
// a JSON Schema that is a few dozen of the 32,000. The output matrix is then
// multiplied for those rows alone (ggml.MulMatRows), which gives each of
// them the same bits as the whole product, and the others are -Inf: the
// draw is the same. On a small model the output matrix is most of a pass.
// The logits stay partial until something reads them whole
// (Session.wholeLogits).

// onlyGranule: the tokens asked for are padded to a group of this many
// rows (the CPU's kernels compute an entry with the same bits when both
// products' rows come in such groups), and to one of the sizes onlySizes
// lists, so that few graph shapes are built.
const onlyGranule = 64

// onlySizes are the padded counts of tokens asked for, largest last: a
// grammar that allows more computes the whole product.
var onlySizes = [...]int{onlyGranule, 4 * onlyGranule, 16 * onlyGranule}

// onlyTokens returns the tokens whose logits the draw after the pass will
// need, padded to one of onlySizes by repeating the last; nil when it needs
// them all: the draw is not greedy through Filters alone, log-probabilities
// are asked for, tool calls may begin, or the grammar allows too many. m is
// the grammar as it will be at that draw.
func (g *generation) onlyTokens(m *grammar.Matcher) []int32 {
	s := g.s
	if !g.drafting || !s.m.kernels.outputRows || g.lp != nil || g.gs == nil ||
		(g.tools != nil && !g.tools.active) || !g.sampler.KeptOnly() {
		return nil
	}
	if g.mask == nil {
		g.mask = grammar.NewMask(s.m.tok.Len())
	}
	m.Allowed(g.mask)
	if m.Complete() {
		g.mask.Set(g.eos)
	}
	n := g.mask.Count()
	i := slices.IndexFunc(onlySizes[:], func(size int) bool { return size >= n })
	if n == 0 || i < 0 {
		return nil // nothing allowed (the draw reports it), or too many
	}
	g.only = g.only[:0]
	for id := range g.mask.All() {
		g.only = append(g.only, id)
	}
	if testHookOnlyHalf && n > 1 {
		n = (n + 1) / 2
		g.only = g.only[:n]
	}
	for len(g.only) < onlySizes[i] {
		g.only = append(g.only, g.only[n-1])
	}
	return g.only
}
