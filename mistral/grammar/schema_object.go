package grammar

import (
	"fmt"
	"regexp"
	"slices"
)

// objectShape gathers what the elements of an alternative say of objects.
type objectShape struct {
	a        alternative
	props    []*jsonObject // (elements) properties, or nil
	listed   []string      // names of properties, then required names, in order
	required map[string]string
	patterns []objectPattern
	names    []snode // propertyNames
}

type objectPattern struct {
	elem    int
	pattern string
	re      *regexp.Regexp
	n       snode
}

// A member is a property the grammar writes by name.
type member struct {
	name     string
	required bool
	value    *expr
}

// objectType returns the expression of the objects a allows: the
// properties it names in the order of the schemas (the required ones
// always, the others perhaps), then, where the schemas allow them, other
// properties: named by patternProperties, or any other names (within
// propertyNames).
func (c *schemaCompiler) objectType(a alternative, hint string, excl []any) (*expr, error) {
	for _, v := range excl {
		if _, ok := v.(*jsonObject); ok {
			return nil, c.empty(a.ptrOf("type"), "", "objects other than some values: not written")
		}
	}
	s, err := c.objectShape(a)
	if err != nil {
		return nil, err
	}
	// Names propertyNames allows one by one become listed names.
	nameExprs, err := c.propertyNames(s)
	if err != nil {
		return nil, err
	}
	var members []member
	for _, k := range s.listed {
		_, req := s.required[k]
		value, err := c.nameValue(s, k, hint)
		if err != nil {
			return nil, err
		}
		if value == nil {
			if req {
				return nil, c.empty(s.required[k], "required", "%q is required, but no value of it is valid", k)
			}
			continue
		}
		members = append(members, member{k, req, value})
	}
	extras, distinct, err := c.extraMembers(s, nameExprs, hint)
	if err != nil {
		return nil, err
	}
	lo, hi, at, err := c.mergedCounts(a, "minProperties", "maxProperties")
	if err != nil {
		return nil, err
	}
	obj := &objectBuilder{c: c, members: members, extras: extras, distinct: distinct, lo: lo, hi: hi, ws: c.ws(), hint: hint, states: map[[3]int]*expr{}}
	body := obj.build(0, 0, true)
	if body == nil {
		return nil, c.empty(at, "minProperties", "the properties allowed cannot make %d of them (at most one besides those named is counted)", lo)
	}
	return seq(lit("{"), c.ws(), body, lit("}")), nil
}

// objectShape reads the object keywords of the elements of a.
func (c *schemaCompiler) objectShape(a alternative) (*objectShape, error) {
	s := &objectShape{a: a, props: make([]*jsonObject, len(a)), required: map[string]string{}}
	var reqOrder []string
	for i, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		if v, ok := o.vals["properties"]; ok {
			ps, ok := v.(*jsonObject)
			if !ok {
				return nil, c.fail(e.n.ptr, "properties", "must be an object")
			}
			s.props[i] = ps
			for _, k := range ps.keys {
				if !slices.Contains(s.listed, k) {
					s.listed = append(s.listed, k)
				}
			}
		}
		if v, ok := o.vals["required"]; ok {
			req, ok := v.([]any)
			if !ok || !allStrings(req) {
				return nil, c.fail(e.n.ptr, "required", "must be an array of strings")
			}
			for _, r := range req {
				k := r.(string)
				if _, dup := s.required[k]; !dup {
					s.required[k] = e.n.ptr
					reqOrder = append(reqOrder, k)
				}
			}
		}
		if v, ok := o.vals["patternProperties"]; ok {
			ps, ok := v.(*jsonObject)
			if !ok {
				return nil, c.fail(e.n.ptr, "patternProperties", "must be an object")
			}
			for _, p := range ps.keys {
				re, err := ecmaPattern(p)
				if err != nil {
					return nil, c.unsupported(e.n.ptr, "patternProperties", "%q: %v", p, err)
				}
				s.patterns = append(s.patterns, objectPattern{i, p, re, c.child(e.n, "patternProperties", p)})
			}
		}
		if _, ok := o.vals["propertyNames"]; ok {
			s.names = append(s.names, c.child(e.n, "propertyNames"))
		}
	}
	for _, k := range reqOrder {
		if !slices.Contains(s.listed, k) {
			s.listed = append(s.listed, k)
		}
	}
	return s, nil
}

// evaluates reports whether element i of the shape evaluates property k
// for unevaluatedProperties: names it in properties, matches it with
// patternProperties, or has additionalProperties.
func (s *objectShape) evaluates(i int, k string) bool {
	if !s.a[i].annot {
		return false
	}
	if s.props[i] != nil {
		if _, ok := s.props[i].vals[k]; ok {
			return true
		}
	}
	for _, p := range s.patterns {
		if p.elem == i && p.re.MatchString(k) {
			return true
		}
	}
	return s.a[i].has("additionalProperties")
}

// unevaluated returns the unevaluatedProperties schemas that apply to a
// property for which evaluated(i) tells whether element i evaluates it.
func (c *schemaCompiler) unevaluated(a alternative, keyword string, evaluated func(i int) bool) []snode {
	var out []snode
	for s, e := range a {
		if !e.has(keyword) {
			continue
		}
		seen := false
		for i := range a {
			seen = seen || a.subtree(s, i) && evaluated(i)
		}
		if !seen {
			out = append(out, c.child(e.n, keyword))
		}
	}
	return out
}

// nameSchemas returns the schemas that apply to the value of property k.
func (c *schemaCompiler) nameSchemas(s *objectShape, k string) []snode {
	var out []snode
	for i, e := range s.a {
		matched := false
		if s.props[i] != nil {
			if _, ok := s.props[i].vals[k]; ok {
				out = append(out, c.child(e.n, "properties", k))
				matched = true
			}
		}
		for _, p := range s.patterns {
			if p.elem == i && p.re.MatchString(k) {
				out = append(out, p.n)
				matched = true
			}
		}
		if !matched && e.has("additionalProperties") {
			out = append(out, c.child(e.n, "additionalProperties"))
		}
	}
	return append(out, c.unevaluated(s.a, "unevaluatedProperties", func(i int) bool { return s.evaluates(i, k) })...)
}

// nameValue returns the expression of the values of property k, or nil if
// the property may not be present.
func (c *schemaCompiler) nameValue(s *objectShape, k, hint string) (*expr, error) {
	for _, pn := range s.names {
		if c.check(k, pn, 0) != yes {
			return nil, nil
		}
	}
	e, err := c.compile(c.nameSchemas(s, k), hint+"-"+k)
	if isEmpty(err) {
		return nil, nil
	}
	return e, err
}

// propertyNames returns the expressions of the names (contents of JSON
// strings) that propertyNames allows besides the listed ones, adding the
// names it allows one by one (const, enum) to the listed ones. With no
// propertyNames it returns nil and any name is allowed.
func (c *schemaCompiler) propertyNames(s *objectShape) ([]*expr, error) {
	if len(s.names) == 0 {
		return nil, nil
	}
	alts, _, err := c.expand(s.names, false)
	if isEmpty(err) {
		return []*expr{}, nil
	}
	if err != nil {
		return nil, err
	}
	exprs := []*expr{}
	for _, a := range alts {
		if c.altTypes(a, false)&tString == 0 {
			continue
		}
		if vals, finite := c.altValues(a); finite {
			for _, v := range vals {
				if k, ok := v.(string); ok && c.checkAlt(k, a) == yes && !slices.Contains(s.listed, k) {
					s.listed = append(s.listed, k)
				}
			}
			continue
		}
		var taken []any
		for _, k := range s.listed {
			taken = append(taken, k)
		}
		e, err := c.stringType(a, append(c.excludedValues(a), taken...))
		if isEmpty(err) {
			// A pattern or a format: then no listed name may match it.
			e, err = c.stringType(a, c.excludedValues(a))
			if err == nil {
				for _, k := range s.listed {
					if c.checkAlt(k, a) != no {
						return nil, c.unsupported(s.names[0].ptr, "propertyNames", "a pattern or format that allows the property %q named elsewhere is not supported", k)
					}
				}
			}
		}
		if isEmpty(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
	}
	return exprs, nil
}

// extraMembers returns the expressions of the members the schemas allow
// besides the listed ones: other names (nameExprs, or any when nil) with
// values valid against additionalProperties and unevaluatedProperties, or
// names of patternProperties; and those whose names are never a listed
// one.
func (c *schemaCompiler) extraMembers(s *objectShape, nameExprs []*expr, hint string) (all, distinct []*expr, err error) {
	ws := c.ws()
	memberOf := func(name, value *expr) *expr {
		return seq(lit(`"`), name, lit(`"`), ws, lit(":"), ws, value, ws)
	}
	listsProperties, opens := false, false
	for i, e := range s.a {
		listsProperties = listsProperties || s.props[i] != nil && e.real()
		opens = opens || e.has("additionalProperties") || e.has("unevaluatedProperties")
	}
	if len(s.patterns) > 0 {
		if len(s.names) > 0 {
			return nil, nil, c.unsupported(s.names[0].ptr, "propertyNames", "not supported beside patternProperties")
		}
		for pi, p := range s.patterns {
			e, err := c.patternMember(s, pi, hint)
			if err != nil {
				return nil, nil, err
			}
			if e == nil {
				continue
			}
			name, err := patternExpr(p.pattern)
			if err != nil {
				return nil, nil, c.unsupported(s.a[p.elem].n.ptr, "patternProperties", "%q: %v", p.pattern, err)
			}
			all = append(all, memberOf(name, e))
			if !slices.ContainsFunc(s.listed, p.re.MatchString) {
				distinct = append(distinct, all[len(all)-1])
			}
		}
		return all, distinct, nil
	}
	if listsProperties && !opens {
		return nil, nil, nil // the properties listed, and no others
	}
	if nameExprs == nil {
		nameExprs = []*expr{stringNotIn(s.listed, 0, unbounded)}
	}
	if len(nameExprs) == 0 {
		return nil, nil, nil
	}
	var schemas []snode
	for _, e := range s.a {
		if e.has("additionalProperties") {
			schemas = append(schemas, c.child(e.n, "additionalProperties"))
		}
	}
	schemas = append(schemas, c.unevaluated(s.a, "unevaluatedProperties", func(i int) bool {
		return s.a[i].annot && s.a[i].has("additionalProperties")
	})...)
	value, err := c.compile(schemas, hint+"-extra")
	if isEmpty(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for _, name := range nameExprs {
		if name != nil {
			all = append(all, memberOf(name, value))
		}
	}
	return all, all, nil
}

// patternMember returns the expression of the values of properties named
// by pattern pi, valid whatever other schemas apply to the name (those of
// every other pattern, every additionalProperties but of its own schema,
// and of the listed names it matches); nil if there is none.
func (c *schemaCompiler) patternMember(s *objectShape, pi int, hint string) (*expr, error) {
	p := s.patterns[pi]
	schemas := []snode{p.n}
	for qi, q := range s.patterns {
		if qi != pi {
			schemas = append(schemas, q.n)
		}
	}
	for i, e := range s.a {
		if i != p.elem && e.has("additionalProperties") {
			schemas = append(schemas, c.child(e.n, "additionalProperties"))
		}
	}
	schemas = append(schemas, c.unevaluated(s.a, "unevaluatedProperties", func(i int) bool {
		return i == p.elem && s.a[i].annot || s.a[i].annot && s.a[i].has("additionalProperties")
	})...)
	for _, k := range s.listed {
		if p.re.MatchString(k) {
			schemas = append(schemas, c.nameSchemas(s, k)...)
		}
	}
	e, err := c.compile(schemas, fmt.Sprintf("%s-pattern-%d", hint, pi))
	if isEmpty(err) {
		return nil, nil
	}
	return e, err
}

// objectBuilder writes the members of an object: the listed ones in
// order, then extras, counting them for minProperties and maxProperties.
// Extras may repeat a name, so only one of them counts towards the
// minimum.
type objectBuilder struct {
	c        *schemaCompiler
	members  []member
	extras   []*expr
	distinct []*expr // the extras whose names are never a member's
	lo, hi   int     // hi unbounded: no maximum
	ws       *expr
	hint     string
	states   map[[3]int]*expr
}

// build returns the expression of the members from k on, n written so
// far (first: none), or nil if no object can follow.
func (b *objectBuilder) build(k, n int, first bool) *expr {
	if b.lo == 0 && b.hi == unbounded {
		n = 0 // no counting
	}
	if k == len(b.members) {
		return b.extraPart(n, first)
	}
	key := [3]int{k, n, 0}
	if first {
		key[2] = 1
	}
	if e, ok := b.states[key]; ok {
		return e
	}
	b.states[key] = nil // against cycles: there are none, states only grow
	m := b.members[k]
	var alts []*expr
	if !m.required {
		if e := b.build(k+1, n, first); e != nil {
			alts = append(alts, e)
		}
	}
	if b.hi == unbounded || n < b.hi {
		if rest := b.build(k+1, min(n+1, max(b.lo, b.hi)), false); rest != nil {
			var sep *expr = empty()
			if !first {
				sep = seq(lit(","), b.ws)
			}
			alts = append(alts, seq(sep, lit(encodeJSON(m.name)), b.ws, lit(":"), b.ws, m.value, b.ws, rest))
		}
	}
	var e *expr
	if alts != nil {
		e = maybe(alts...)
		if len(b.members)-k > 2 {
			r := b.c.rule(fmt.Sprintf("%s-from-%d", b.hint, k))
			r.body = e
			e = ref(r.name)
		}
	}
	b.states[key] = e
	return e
}

// extraPart returns the expression of the extra members once the listed
// ones are written, n of them.
func (b *objectBuilder) extraPart(n int, first bool) *expr {
	most := unbounded
	if b.hi != unbounded {
		most = b.hi - n
	}
	rest := unbounded
	if most != unbounded {
		rest = most - 1
	}
	sep := empty()
	if !first {
		sep = seq(lit(","), b.ws)
	}
	switch {
	case n == b.lo-1 && len(b.distinct) > 0 && most != 0:
		// One extra counts: one whose name is new.
		more := seq(lit(","), b.ws, alt(b.extras...))
		return seq(sep, alt(b.distinct...), repeat(more, 0, rest))
	case n < b.lo:
		return nil
	case len(b.extras) == 0 || most == 0:
		return empty()
	}
	x := alt(b.extras...)
	more := seq(lit(","), b.ws, x)
	if !first {
		return repeat(more, 0, most)
	}
	return opt(seq(x, repeat(more, 0, rest)))
}
