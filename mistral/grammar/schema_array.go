package grammar

import (
	"fmt"
	"strconv"
)

// Limits of arrays with uniqueItems.
const (
	// maxDomain bounds the values the items of a uniqueItems array may
	// take.
	maxDomain = 64
	// maxTuples bounds the arrays of distinct values written one by one
	// (uniqueItems with prefixItems).
	maxTuples = 4096
)

// arrayShape gathers what the elements of an alternative say of arrays.
type arrayShape struct {
	a        alternative
	prefix   []int // (elements) length of prefixItems
	prefixN  int   // the longest prefixItems
	contains []snode
	minC     int // items that must match every contains schema (minContains)
	maxC     int // maxContains, or unbounded
	all      bool
	unique   bool
}

// arrayType returns the expression of the arrays a allows.
func (c *schemaCompiler) arrayType(a alternative, hint string, excl []any) (*expr, error) {
	for _, v := range excl {
		if _, ok := v.([]any); ok {
			return nil, c.empty(a.ptrOf("type"), "", "arrays other than some values: not written")
		}
	}
	s, err := c.arrayShape(a)
	if err != nil {
		return nil, err
	}
	lo, hi, at, err := c.mergedCounts(a, "minItems", "maxItems")
	if err != nil {
		return nil, err
	}
	k := s.minC
	if s.all {
		// Every item matches contains: minContains and maxContains
		// bound their number.
		lo, k = max(lo, s.minC), 0
		if hi == unbounded || s.maxC < hi {
			hi = s.maxC
		}
	}
	// The schemas of item i (i ≥ prefixN: every later item), with those
	// of contains for an item that counts.
	schemas := func(i int, contained bool) []snode {
		var out []snode
		for j, e := range a {
			switch {
			case i < s.prefix[j]:
				out = append(out, c.child(e.n, "prefixItems", strconv.Itoa(i)))
			case e.has("items"):
				out = append(out, c.child(e.n, "items"))
			}
		}
		out = append(out, c.unevaluated(a, "unevaluatedItems", func(j int) bool {
			return a[j].annot && (i < s.prefix[j] || a[j].has("items"))
		})...)
		if contained || s.all {
			out = append(out, s.contains...)
		}
		return out
	}
	compileItem := func(i int, contained bool) (*expr, error) {
		e, err := c.compile(schemas(i, contained), fmt.Sprintf("%s-item", hint))
		if isEmpty(err) {
			return nil, nil
		}
		return e, err
	}
	b := &arrayBuilder{c: c, lo: lo, hi: hi, k: k, prefixN: s.prefixN, ws: c.ws(), hint: hint, states: map[[2]int]*expr{}}
	for i := 0; i <= s.prefixN; i++ {
		if hi != unbounded && i >= hi {
			break
		}
		item, err := compileItem(i, false)
		if err != nil {
			return nil, err
		}
		var cont *expr
		if b.k > 0 {
			if cont, err = compileItem(i, true); err != nil {
				return nil, err
			}
		}
		b.items = append(b.items, item)
		b.conts = append(b.conts, cont)
		if item == nil && cont == nil && (b.hi == unbounded || i < b.hi) {
			b.hi = i // no item can be there
		}
	}
	if b.hi != unbounded && b.hi < b.lo {
		return nil, c.empty(at, "minItems", "%d items are required, but at most %d can be written", b.lo, b.hi)
	}
	if s.unique && (b.hi == unbounded || b.hi > 1) {
		return c.uniqueArray(s, b, schemas)
	}
	body := b.body()
	if body == nil {
		return nil, c.empty(at, "contains", "no array of the allowed lengths holds the items contains asks for")
	}
	return seq(lit("["), b.ws, body, lit("]")), nil
}

// arrayShape reads the array keywords of the elements of a.
func (c *schemaCompiler) arrayShape(a alternative) (*arrayShape, error) {
	s := &arrayShape{a: a, prefix: make([]int, len(a)), maxC: unbounded}
	for i, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		if v, ok := o.vals["items"]; ok {
			if _, tuple := v.([]any); tuple {
				return nil, c.unsupported(e.n.ptr, "items", "an array of schemas (draft 2019 tuples) is not supported: use prefixItems")
			}
		}
		if v, ok := o.vals["prefixItems"]; ok {
			subs, ok := v.([]any)
			if !ok {
				return nil, c.fail(e.n.ptr, "prefixItems", "must be an array of schemas")
			}
			if len(subs) > MaxRepeat {
				return nil, c.unsupported(e.n.ptr, "prefixItems", "more than %d schemas", MaxRepeat)
			}
			s.prefix[i] = len(subs)
			s.prefixN = max(s.prefixN, len(subs))
		}
		if v, ok := o.vals["uniqueItems"]; ok {
			u, ok := v.(bool)
			if !ok {
				return nil, c.fail(e.n.ptr, "uniqueItems", "must be a boolean")
			}
			s.unique = s.unique || u
		}
		if _, ok := o.vals["contains"]; ok {
			s.contains = append(s.contains, c.child(e.n, "contains"))
			least := 1
			if v, ok := o.vals["minContains"]; ok {
				n, ok := countValue(v)
				if !ok {
					return nil, c.fail(e.n.ptr, "minContains", "must be a non-negative integer")
				}
				if n > MaxRepeat {
					return nil, c.unsupported(e.n.ptr, "minContains", "%d is more than the %d supported", n, MaxRepeat)
				}
				least = n
			}
			s.minC = max(s.minC, least)
			if v, ok := o.vals["maxContains"]; ok {
				n, ok := countValue(v)
				if !ok {
					return nil, c.fail(e.n.ptr, "maxContains", "must be a non-negative integer")
				}
				s.all = true
				if s.maxC == unbounded || n < s.maxC {
					s.maxC = min(n, MaxRepeat)
				}
			}
		}
	}
	return s, nil
}

// arrayBuilder writes the items of an array: item i valid against
// items[i] (the last entry for every later one), k of them against
// conts[i] as well (those counted for contains), lo to hi of them.
type arrayBuilder struct {
	c            *schemaCompiler
	items, conts []*expr // nil: no such item there
	lo, hi, k    int
	prefixN      int
	ws           *expr
	hint         string
	states       map[[2]int]*expr
}

func (b *arrayBuilder) at(es []*expr, n int) *expr { return es[min(n, len(es)-1)] }

// body returns the expression of the items, or nil if no array can be
// written.
func (b *arrayBuilder) body() *expr {
	if b.hi == 0 {
		if b.lo == 0 && b.k == 0 {
			return empty()
		}
		return nil
	}
	if b.k == 0 && b.prefixN == 0 {
		item := b.items[0]
		switch {
		case b.hi == 0 || item == nil && b.lo == 0:
			return empty()
		case item == nil:
			return nil
		}
		most := unbounded
		if b.hi != unbounded {
			most = b.hi - 1
		}
		e := seq(item, b.ws, repeat(seq(lit(","), b.ws, item, b.ws), max(b.lo-1, 0), most))
		if b.lo == 0 {
			e = opt(e)
		}
		return e
	}
	return b.state(0, 0)
}

// state returns the expression of the items from index n on, cc of them
// counted for contains (up to k); nil if none can follow.
func (b *arrayBuilder) state(n, cc int) *expr {
	limit := max(b.prefixN, b.lo, 1) // past it, with no maximum, n stays there
	key := [2]int{n, cc}
	if e, ok := b.states[key]; ok {
		return e
	}
	b.states[key] = nil
	end := n >= b.lo && cc >= b.k
	sep := func(e *expr) *expr {
		if n == 0 {
			return e
		}
		return seq(lit(","), b.ws, e)
	}
	item, cont := b.at(b.items, n), b.at(b.conts, n)
	var e *expr
	switch {
	case b.hi != unbounded && n == b.hi:
		if end {
			e = empty()
		}
	case b.hi == unbounded && n >= limit && n >= b.prefixN:
		// Any number of further items.
		var loop *expr
		if item != nil {
			loop = star(sep(seq(item, b.ws)))
		}
		switch {
		case cc >= b.k && loop != nil:
			e = loop
		case cc >= b.k:
			e = empty()
		case cont != nil:
			if rest := b.state(n, cc+1); rest != nil {
				e = seq(sep(seq(cont, b.ws)), rest)
				if loop != nil {
					e = seq(loop, e)
				}
			}
		}
	default:
		next := n + 1
		if b.hi == unbounded {
			next = min(next, limit)
		}
		var alts []*expr
		if end {
			alts = append(alts, empty())
		}
		if item != nil {
			if rest := b.state(next, cc); rest != nil {
				alts = append(alts, seq(sep(seq(item, b.ws)), rest))
			}
		}
		if cc < b.k && cont != nil {
			if rest := b.state(next, cc+1); rest != nil {
				alts = append(alts, seq(sep(seq(cont, b.ws)), rest))
			}
		}
		if alts != nil {
			e = maybe(alts...)
		}
	}
	if e != nil && n > 0 {
		r := b.c.rule(fmt.Sprintf("%s-items-%d-%d", b.hint, n, cc))
		r.body = e
		e = ref(r.name)
	}
	b.states[key] = e
	return e
}

// uniqueArray returns the expression of arrays of distinct items: the
// items must take few values (enum, const, booleans, null), written in
// the order of their schema, each at most once.
func (c *schemaCompiler) uniqueArray(s *arrayShape, b *arrayBuilder, schemas func(int, bool) []snode) (*expr, error) {
	unsupported := func() error {
		return c.unsupported(s.a.ptrOf("uniqueItems"), "uniqueItems", "true is supported for items of at most %d values (enum, const, boolean, null)", maxDomain)
	}
	var domains [][]any
	for i := 0; i <= s.prefixN && (b.hi == unbounded || i < b.hi); i++ {
		vals, finite := c.finiteValues(schemas(i, false), false)
		if !finite || len(vals) > maxDomain {
			return nil, unsupported()
		}
		domains = append(domains, vals)
	}
	counts := func(v any) bool {
		if b.k == 0 {
			return false
		}
		for _, cs := range s.contains {
			if c.check(v, cs, 0) != yes {
				return false
			}
		}
		return true
	}
	var body *expr
	if s.prefixN == 0 {
		d := domains[0]
		if b.hi == unbounded || b.hi > len(d) {
			b.hi = len(d)
		}
		u := &uniqueBuilder{b: b, domain: d, counts: counts, states: map[[3]int]*expr{}}
		body = u.state(0, 0, 0)
	} else {
		if b.hi == unbounded || b.hi > s.prefixN {
			if tail := domains[len(domains)-1]; len(tail) > 0 && len(domains) > s.prefixN {
				return nil, c.unsupported(s.a.ptrOf("uniqueItems"), "uniqueItems", "true with prefixItems is supported when no item may follow them")
			}
			b.hi = s.prefixN
		}
		tuples := 0
		var gen func(i, cc int, used []any) *expr
		gen = func(i, cc int, used []any) *expr {
			var alts []*expr
			if i >= b.lo && cc >= b.k {
				alts = append(alts, empty())
			}
			if i < b.hi {
				for _, v := range domains[i] {
					if containsValue(used, v) || tuples > maxTuples {
						continue
					}
					tuples++
					cc2 := cc
					if counts(v) {
						cc2 = min(cc+1, b.k)
					}
					if rest := gen(i+1, cc2, append(used[:len(used):len(used)], v)); rest != nil {
						sep := empty()
						if i > 0 {
							sep = seq(lit(","), b.ws)
						}
						alts = append(alts, seq(sep, lit(encodeJSON(v)), b.ws, rest))
					}
				}
			}
			if alts == nil {
				return nil
			}
			return alt(alts...)
		}
		body = gen(0, 0, nil)
		if tuples > maxTuples {
			return nil, c.unsupported(s.a.ptrOf("uniqueItems"), "uniqueItems", "more than %d arrays of distinct items", maxTuples)
		}
	}
	if body == nil {
		return nil, c.empty(s.a.ptrOf("uniqueItems"), "uniqueItems", "no array of distinct items has the length and items asked for")
	}
	return seq(lit("["), b.ws, body, lit("]")), nil
}

// uniqueBuilder writes arrays of distinct values of a domain, in its
// order.
type uniqueBuilder struct {
	b      *arrayBuilder
	domain []any
	counts func(any) bool
	states map[[3]int]*expr
}

// state returns the expression of the items from domain value j on, n
// items written, cc of them counted for contains.
func (u *uniqueBuilder) state(j, n, cc int) *expr {
	key := [3]int{j, n, cc}
	if e, ok := u.states[key]; ok {
		return e
	}
	b := u.b
	var alts []*expr
	if n >= b.lo && cc >= b.k {
		alts = append(alts, empty())
	}
	if j < len(u.domain) && n < b.hi {
		if rest := u.state(j+1, n, cc); rest != nil {
			alts = append(alts, rest)
		}
		v := u.domain[j]
		cc2 := cc
		if u.counts(v) {
			cc2 = min(cc+1, b.k)
		}
		if rest := u.state(j+1, n+1, cc2); rest != nil {
			sep := empty()
			if n > 0 {
				sep = seq(lit(","), b.ws)
			}
			alts = append(alts, seq(sep, lit(encodeJSON(v)), b.ws, rest))
		}
	}
	var e *expr
	if alts != nil {
		e = maybe(alts...)
		if j > 0 {
			r := b.c.rule(fmt.Sprintf("%s-unique-%d-%d-%d", b.hint, j, n, cc))
			r.body = e
			e = ref(r.name)
		}
	}
	u.states[key] = e
	return e
}
