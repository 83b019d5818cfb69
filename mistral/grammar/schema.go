package grammar

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// SchemaOptions shape the grammar of JSONSchema. The zero value allows up
// to DefaultMaxSpace white space characters before the document and
// between its tokens.
type SchemaOptions struct {
	// MaxSpace is the most white space characters allowed before the
	// document and between two of its tokens. Zero means DefaultMaxSpace.
	MaxSpace int
	// Compact allows no white space, except before the document.
	Compact bool
}

// JSONSchema compiles a JSON Schema (draft 2020-12, and the common parts
// of earlier drafts) into the grammar of JSON documents valid against it:
// every sentence of the grammar is valid. The package documentation lists
// the keywords it supports and how it reads them. A schema it cannot
// compile is a *SchemaError naming the keyword and its JSON pointer,
// wrapping ErrUnsupported for what this package does not implement; a
// schema that allows no value at all is a *SchemaError too.
func JSONSchema(schema []byte, opt SchemaOptions) (*Grammar, error) {
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, &SchemaError{Msg: "invalid JSON: " + err.Error()}
	}
	before, between := JSONOptions{MaxSpace: opt.MaxSpace, Compact: opt.Compact}.space()
	c := &schemaCompiler{doc: doc, names: map[string]bool{}, memo: map[string]*memoRule{}, between: between,
		nodes: map[string]snode{}}
	if err := c.indexDocument(); err != nil {
		return nil, err
	}
	c.rule("root") // reserve the name
	body, err := c.compile([]snode{c.root}, "doc")
	if err != nil {
		return nil, err
	}
	c.rules[0].body = seq(repeat(chars(" \t\n\r"), 0, before), body)
	g, err := newGrammar(c.used(), "root")
	var ge *Error
	if errors.As(err, &ge) {
		// A problem of the grammar is one of the schema: name where.
		return nil, &SchemaError{Pointer: origin(c.ruleOrigin[ge.Rule]), Msg: ge.Msg}
	}
	return g, err
}

// used returns the rules reachable from the root, which is first.
func (c *schemaCompiler) used() []*rule {
	index := map[string]*rule{}
	for _, r := range c.rules {
		index[r.name] = r
	}
	reached := map[string]bool{c.rules[0].name: true}
	work := []*rule{c.rules[0]}
	for len(work) > 0 {
		r := work[len(work)-1]
		work = work[:len(work)-1]
		r.body.walk(func(e *expr) {
			if e.kind == exprRef && !reached[e.text] {
				reached[e.text] = true
				work = append(work, index[e.text])
			}
		})
	}
	var out []*rule
	for _, r := range c.rules {
		if reached[r.name] {
			out = append(out, r)
		}
	}
	return inlineSingles(out)
}

// inlineSingles replaces each reference to a rule used once, and not
// recursive, by its body, and drops the rule: the grammar reads as the
// schema does, one rule per shared or recursive schema.
func inlineSingles(rules []*rule) []*rule {
	index := map[string]int{}
	for i, r := range rules {
		index[r.name] = i
	}
	uses := make([]int, len(rules))
	for _, r := range rules {
		r.body.walk(func(e *expr) {
			if e.kind == exprRef {
				uses[index[e.text]]++
			}
		})
	}
	recursive := (&compiler{rules: rules, index: index}).recursive()
	top := map[int]bool{} // the document's rule stays apart from the white space before it
	rules[0].body.walk(func(e *expr) {
		if e.kind == exprRef {
			top[index[e.text]] = true
		}
	})
	inline := func(i int) bool { return i > 0 && uses[i] == 1 && !recursive[i] && !top[i] }
	var subst func(e *expr)
	subst = func(e *expr) {
		if e.kind == exprRef {
			if i := index[e.text]; inline(i) {
				*e = *rules[i].body
				subst(e)
				return
			}
		}
		for _, s := range e.subs {
			subst(s)
		}
	}
	var out []*rule
	for i, r := range rules {
		if !inline(i) {
			subst(r.body)
			out = append(out, r)
		}
	}
	return out
}

// schemaCompiler turns a schema into rules. A value's schema is a
// conjunction of schemas (those of allOf, $ref, of the properties that
// apply to a member...): compile expands it into alternatives of plain
// schemas (anyOf, oneOf, if/then/else, not), merges the keywords of each
// and writes the grammar of the values they allow, one rule per
// conjunction.
type schemaCompiler struct {
	doc        any
	root       snode
	resources  map[string]snode // absolute URI without fragment → schema
	anchors    map[string]snode // absolute URI with #anchor → schema
	nodes      map[string]snode // synthetic schemas by pointer, to find them again
	rules      []*rule
	names      map[string]bool      // rule names taken
	ruleOrigin map[string]string    // rule name → JSON pointer of its schema
	memo       map[string]*memoRule // conjunction key → its rule
	between    int                  // white space allowed between tokens
	wsRule     bool                 // rule ws is defined
	anyName    string               // the rule of any JSON value, once defined
	checks     int                  // value checks made, against runaway schemas
	multiples  map[string]string    // rules of multipleOf, by divisor, remainder and length
}

// memoRule is the rule of a conjunction, being compiled or compiled.
type memoRule struct {
	name       string
	done       bool
	empty      error // the conjunction allows no value: why
	referenced bool  // used while being compiled (recursion)
}

// Limits of the schema compiler.
const (
	// maxAlternatives bounds the alternatives a conjunction expands to
	// (each anyOf, oneOf, if or not multiplies them).
	maxAlternatives = 256
	// maxExpandDepth bounds the schemas applied in place to one value
	// ($ref, allOf...), against $ref cycles that read nothing.
	maxExpandDepth = 64
	// maxChecks bounds the values checked against schemas at compile
	// time (enum values, property names).
	maxChecks = 200000
)

// Keywords by what the compiler does with them.
var (
	// Ignored: annotations, and what only matters to references.
	descriptiveKeywords = []string{"title", "description", "examples", "default", "$schema", "$id", "$comment",
		"readOnly", "writeOnly", "deprecated", "$anchor", "$dynamicAnchor", "$vocabulary", "$defs", "definitions",
		"contentMediaType", "contentEncoding", "contentSchema"}
	// Applied in place by expand.
	applicatorKeywords = []string{"$ref", "allOf", "anyOf", "oneOf", "not", "if", "then", "else",
		"dependentSchemas", "dependentRequired"}
	// Keywords by the types they constrain (and imply when type is absent).
	typeKeywords = map[string]typeSet{
		"properties": tObject, "required": tObject, "additionalProperties": tObject, "patternProperties": tObject,
		"propertyNames": tObject, "minProperties": tObject, "maxProperties": tObject, "unevaluatedProperties": tObject,
		"dependentRequired": tObject, "dependentSchemas": tObject,
		"items": tArray, "prefixItems": tArray, "minItems": tArray, "maxItems": tArray, "uniqueItems": tArray,
		"contains": tArray, "minContains": tArray, "maxContains": tArray, "unevaluatedItems": tArray,
		"minLength": tString, "maxLength": tString, "pattern": tString, "format": tString,
		"minimum": tNumber, "maximum": tNumber, "exclusiveMinimum": tNumber, "exclusiveMaximum": tNumber,
		"multipleOf": tNumber,
	}
	valueKeywords = []string{"type", "enum", "const"}
)

func (c *schemaCompiler) fail(ptr, keyword, format string, args ...any) error {
	return &SchemaError{Pointer: origin(ptr), Keyword: keyword, Msg: fmt.Sprintf(format, args...)}
}

func (c *schemaCompiler) unsupported(ptr, keyword, format string, args ...any) error {
	return &SchemaError{Pointer: origin(ptr), Keyword: keyword, Msg: fmt.Sprintf(format, args...), Err: ErrUnsupported}
}

// origin returns the JSON pointer of the schema of the document a schema
// the compiler made comes from ("!/a#not/0" comes from "/a").
func origin(ptr string) string {
	if !strings.HasPrefix(ptr, "!") {
		return ptr
	}
	ptr = strings.TrimLeft(ptr, "!")
	if i := strings.IndexByte(ptr, '#'); i >= 0 {
		ptr = ptr[:i]
	}
	return ptr
}

func (c *schemaCompiler) empty(ptr, keyword, format string, args ...any) error {
	return &SchemaError{Pointer: origin(ptr), Keyword: keyword, Msg: fmt.Sprintf(format, args...), Err: errEmpty}
}

func isEmpty(err error) bool { return errors.Is(err, errEmpty) }

// rule adds a rule with a name made from hint, unique, and returns it.
func (c *schemaCompiler) rule(hint string) *rule {
	var b strings.Builder
	for _, r := range hint {
		if isNameChar(r) && r < 0x80 {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if len(base) > 40 {
		base = strings.Trim(base[len(base)-40:], "-")
	}
	if base == "" || !isNameStart(rune(base[0])) {
		base = "s-" + base
	}
	name := base
	for i := 2; c.names[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	c.names[name] = true
	r := &rule{name: name}
	c.rules = append(c.rules, r)
	return r
}

// ws returns a reference to the white space allowed between tokens.
func (c *schemaCompiler) ws() *expr {
	if c.between == 0 {
		return empty()
	}
	if !c.wsRule {
		c.wsRule = true
		r := c.rule("ws")
		r.body = repeat(chars(" \t\n\r"), 0, c.between)
		return ref(r.name)
	}
	return ref("ws")
}

// compile returns the expression of the JSON values valid against every
// schema of conj (a reference to its rule), or an error wrapping errEmpty
// if there is none. hint names the rule.
func (c *schemaCompiler) compile(conj []snode, hint string) (*expr, error) {
	var keep []snode
	seen := map[string]bool{}
	for _, n := range conj {
		switch {
		case n.v == true:
			continue
		case n.v == false:
			return nil, c.empty(n.ptr, "", "schema false: no value is valid")
		case seen[n.ptr]:
			continue
		}
		seen[n.ptr] = true
		keep = append(keep, n)
	}
	if len(keep) == 0 {
		return c.anyValue(), nil
	}
	var ptrs []string
	for _, n := range keep {
		ptrs = append(ptrs, strconv.Quote(n.ptr)) // quoted: no two sets join the same
	}
	slices.Sort(ptrs)
	key := strings.Join(ptrs, ",")
	if m, ok := c.memo[key]; ok {
		if m.empty != nil {
			return nil, m.empty
		}
		if !m.done {
			m.referenced = true
		}
		return ref(m.name), nil
	}
	r := c.rule(hint)
	if c.ruleOrigin == nil {
		c.ruleOrigin = map[string]string{}
	}
	c.ruleOrigin[r.name] = keep[0].ptr
	m := &memoRule{name: r.name}
	c.memo[key] = m
	alts, dropped, err := c.expand(keep, false)
	if err != nil && !isEmpty(err) {
		return nil, err
	}
	firstEmpty := err
	var exprs []*expr
	for _, a := range alts {
		e, err := c.plain(a, r.name)
		if isEmpty(err) {
			if firstEmpty == nil {
				firstEmpty = err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		exprs = append(exprs, e)
	}
	if len(exprs) == 0 {
		if dropped != nil && !isEmpty(dropped) {
			firstEmpty = dropped // some values cannot be written: say so
		}
		if firstEmpty == nil {
			firstEmpty = c.empty(keep[0].ptr, "", "no value is valid")
		}
		if !isEmpty(firstEmpty) {
			return nil, firstEmpty
		}
		m.empty = firstEmpty
		if m.referenced {
			return nil, c.unsupported(keep[0].ptr, "", "a recursive schema that allows no value (%v)", firstEmpty)
		}
		return nil, firstEmpty
	}
	r.body = alt(exprs...)
	m.done = true
	return ref(r.name), nil
}
