package grammar

import (
	"strings"
)

// A typeSet is a set of JSON Schema types, numbers split into integers
// and the others.
type typeSet uint8

const (
	tNull typeSet = 1 << iota
	tBool
	tObject
	tArray
	tString
	tInt    // numbers of integer value
	tFrac   // numbers of other values
	tNumber = tInt | tFrac
	tAll    = tNull | tBool | tObject | tArray | tString | tNumber
)

var typeNames = map[string]typeSet{
	"null": tNull, "boolean": tBool, "object": tObject, "array": tArray, "string": tString,
	"number": tNumber, "integer": tInt,
}

func (t typeSet) String() string {
	var names []string
	for _, n := range []string{"null", "boolean", "object", "array", "string", "number", "integer"} {
		bits := typeNames[n]
		if t&bits == bits && (n != "integer" || t&tNumber != tNumber) {
			names = append(names, n)
		}
	}
	if t&tNumber == tFrac {
		names = append(names, "non-integer number")
	}
	return strings.Join(names, ", ")
}

// plain returns the expression of the values valid against every element
// of a, or an error wrapping errEmpty if there is none.
func (c *schemaCompiler) plain(a alternative, hint string) (*expr, error) {
	if len(a) == 0 {
		return c.anyValue(), nil
	}
	preferred := c.altTypes(a, true)
	e, err := c.plainTypes(a, hint, preferred)
	if others := c.altTypes(a, false) &^ preferred; isEmpty(err) && others != 0 {
		// The types the keywords imply allow nothing: the others may.
		if e, err2 := c.plainTypes(a, hint, others); err2 == nil || !isEmpty(err2) {
			return e, err2
		}
	}
	return e, err
}

// plainTypes is plain for the values of the given types.
func (c *schemaCompiler) plainTypes(a alternative, hint string, types typeSet) (*expr, error) {
	if vals, finite := c.altValues(a); finite {
		var alts []*expr
		for _, v := range vals {
			if types&typeOfValue(v) != 0 && c.checkAlt(v, a) == yes {
				alts = append(alts, lit(encodeJSON(v)))
			}
		}
		if alts == nil {
			return nil, c.empty(a.ptrOf(c.valuesKeyword(a)), c.valuesKeyword(a), "no value of const or enum is valid against the rest of the schema")
		}
		return alt(alts...), nil
	}
	var alts []*expr
	var firstEmpty error
	try := func(e *expr, err error) error {
		switch {
		case isEmpty(err):
			if firstEmpty == nil {
				firstEmpty = err
			}
		case err != nil:
			return err
		default:
			alts = append(alts, e)
		}
		return nil
	}
	excl := c.excludedValues(a)
	if types&tNull != 0 && !containsValue(excl, nil) {
		alts = append(alts, lit("null"))
	}
	if types&tBool != 0 {
		for _, b := range []bool{true, false} {
			if !containsValue(excl, b) {
				alts = append(alts, lit(encodeJSON(b)))
			}
		}
	}
	if types&tString != 0 {
		e, err := c.stringType(a, excl)
		if e != nil {
			e = seq(lit(`"`), e, lit(`"`))
		}
		if err := try(e, err); err != nil {
			return nil, err
		}
	}
	if types&tNumber != 0 {
		if err := try(c.numberType(a, types, excl)); err != nil {
			return nil, err
		}
	}
	if types&tObject != 0 {
		if err := try(c.objectType(a, hint, excl)); err != nil {
			return nil, err
		}
	}
	if types&tArray != 0 {
		if err := try(c.arrayType(a, hint, excl)); err != nil {
			return nil, err
		}
	}
	if alts == nil {
		if firstEmpty == nil {
			firstEmpty = c.empty(a.ptrOf("type"), "type", "no type is left: no value is valid")
		}
		return nil, firstEmpty
	}
	return alt(alts...), nil
}

// valuesKeyword returns the keyword const or enum of a, for errors.
func (c *schemaCompiler) valuesKeyword(a alternative) string {
	for _, e := range a {
		if e.has("enum") {
			return "enum"
		}
	}
	return "const"
}

// altTypes returns the types a allows: those its elements name, and with
// infer, when no schema of the document names types, those its keywords
// imply (properties: object, maxLength: string...), if any.
func (c *schemaCompiler) altTypes(a alternative, infer bool) typeSet {
	types := tAll
	named := false
	var implied typeSet
	for _, e := range a {
		switch v := e.n.v.(type) {
		case typeSet:
			types &= v
		case *jsonObject:
			if _, ok := v.vals["type"]; ok {
				if t, err := c.typeOf(e.n, v); err == nil {
					types &= t
					named = named || e.real()
				}
			}
			if e.real() {
				for _, k := range v.keys {
					implied |= typeKeywords[k]
				}
			}
		}
	}
	if infer && !named && implied != 0 {
		types &= implied
	}
	return types
}

// altValues returns the values const and enum allow in a, unless excluded,
// and whether there is such a keyword (else any value may do).
func (c *schemaCompiler) altValues(a alternative) ([]any, bool) {
	var vals []any
	finite := false
	for _, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		var mine []any
		if v, ok := o.vals["const"]; ok {
			mine = []any{v}
		} else if v, ok := o.vals["enum"]; ok {
			mine, _ = v.([]any)
		} else {
			continue
		}
		if !finite {
			finite = true
			for _, v := range mine {
				if !containsValue(vals, v) {
					vals = append(vals, v)
				}
			}
			continue
		}
		var kept []any
		for _, v := range vals {
			if containsValue(mine, v) {
				kept = append(kept, v)
			}
		}
		vals = kept
	}
	if !finite {
		return nil, false
	}
	excl := c.excludedValues(a)
	var out []any
	for _, v := range vals {
		if !containsValue(excl, v) {
			out = append(out, v)
		}
	}
	return out, true
}

// excludedValues returns the values the excluded elements of a refuse.
func (c *schemaCompiler) excludedValues(a alternative) []any {
	var out []any
	for _, e := range a {
		if x, ok := e.n.v.(excluded); ok {
			out = append(out, x.values...)
		}
	}
	return out
}

func containsValue(vs []any, v any) bool {
	for _, x := range vs {
		if jsonEqual(x, v) {
			return true
		}
	}
	return false
}

// finiteValues returns the values valid against every schema of conj,
// when they are few and known (const, enum, booleans and null): only
// values known to be valid, or with over every value that may be.
func (c *schemaCompiler) finiteValues(conj []snode, over bool) ([]any, bool) {
	alts, _, err := c.expand(conj, over)
	if err != nil {
		return nil, isEmpty(err)
	}
	var out []any
	for _, a := range alts {
		types := c.altTypes(a, !over) // inferring types leaves values out
		vals, finite := c.altValues(a)
		if !finite {
			if types&^(tNull|tBool) != 0 {
				return nil, false
			}
			vals = []any{nil, true, false}
		}
		for _, v := range vals {
			r := c.checkAlt(v, a)
			if types&typeOfValue(v) != 0 && (r == yes || over && r == unknown) && !containsValue(out, v) {
				out = append(out, v)
			}
		}
	}
	return out, true
}

// anyValue returns a reference to the rule of any JSON value, defining the
// rules of JSON the first time.
func (c *schemaCompiler) anyValue() *expr {
	if c.anyName == "" {
		ws := c.ws()
		value, object, array := c.rule("value"), c.rule("object"), c.rule("array")
		value.body = alt(ref(object.name), ref(array.name), jsonString(false), jsonNumber(), lit("true"), lit("false"), lit("null"))
		member := seq(jsonString(false), ws, lit(":"), ws, ref(value.name), ws)
		object.body = seq(lit("{"), ws, opt(seq(member, star(seq(lit(","), ws, member)))), lit("}"))
		array.body = seq(lit("["), ws, opt(seq(ref(value.name), ws, star(seq(lit(","), ws, ref(value.name), ws)))), lit("]"))
		c.anyName = value.name
	}
	return ref(c.anyName)
}

// jsonString returns the expression of a JSON string. With counted, its
// characters are those of jsonChar(true).
func jsonString(counted bool) *expr {
	return seq(lit(`"`), star(jsonChar(counted)), lit(`"`))
}

// jsonChar returns the expression of one character of a JSON string: any
// character but ", \ and the controls, or an escape. With counted, \u
// escapes of surrogates are left out, so that each jsonChar is one
// character of the decoded string, as minLength and maxLength count them.
func jsonChar(counted bool) *expr {
	hex := chars("", "0-9", "a-f", "A-F")
	u := seq(lit("u"), hex, hex, hex, hex)
	if counted {
		u = seq(lit("u"), alt(
			seq(chars("", "0-9", "a-c", "A-C", "e-f", "E-F"), hex, hex, hex),
			seq(chars("dD"), chars("", "0-7"), hex, hex)))
	}
	return alt(
		class(plainChars),
		seq(lit(`\`), alt(chars(`"\/bfnrt`), u)))
}

// plainChars are the characters a JSON string holds without escape.
var plainChars = anyChar.minus(newClass(runeRange{0, 0x1F}, runeRange{'"', '"'}, runeRange{'\\', '\\'}))

// jsonNumber returns the expression of a JSON number.
func jsonNumber() *expr {
	digit := chars("", "0-9")
	return seq(
		opt(lit("-")),
		alt(lit("0"), seq(chars("", "1-9"), repeat(digit, 0, maxIntDigits-1))),
		opt(seq(lit("."), plus(digit))),
		opt(seq(chars("eE"), opt(chars("+-")), repeat(digit, 1, maxExpDigits))))
}

// stringType returns the expression of the contents of the strings a
// allows, except the values in excl.
func (c *schemaCompiler) stringType(a alternative, excl []any) (*expr, error) {
	lo, hi, at, err := c.mergedCounts(a, "minLength", "maxLength")
	if err != nil {
		return nil, err
	}
	pattern, patternAt, err := c.oneString(a, "pattern")
	if err != nil {
		return nil, err
	}
	format, formatAt, err := c.oneString(a, "format")
	if err != nil {
		return nil, err
	}
	var strs []string
	for _, v := range excl {
		if s, ok := v.(string); ok {
			strs = append(strs, s)
		}
	}
	lengths := lo > 0 || hi != unbounded
	switch {
	case pattern != "" && (format != "" || lengths):
		return nil, c.unsupported(patternAt, "pattern", "not supported beside format, minLength or maxLength")
	case format != "" && lengths:
		return nil, c.unsupported(formatAt, "format", "not supported beside minLength or maxLength")
	case (pattern != "" || format != "") && len(strs) > 0:
		return nil, c.empty(at, "", "strings of a pattern or format other than some values: not written")
	case pattern != "":
		e, err := patternExpr(pattern)
		if err != nil {
			return nil, c.unsupported(patternAt, "pattern", "%v", err)
		}
		return e, nil
	case format != "":
		e, ok := formatExpr(format)
		if !ok {
			return nil, c.unsupported(formatAt, "format", "format %q not supported (supported: %s)", format, formatNames())
		}
		return e, nil
	case len(strs) > 0:
		if e := stringNotIn(strs, lo, hi); e != nil {
			return e, nil
		}
		return nil, c.empty(at, "", "no string is left")
	case lengths:
		return repeat(jsonChar(true), lo, hi), nil
	}
	return star(jsonChar(false)), nil
}

// oneString reads keyword k, a string, in the elements of a: the one value
// they agree on ("" if none has it), and where.
func (c *schemaCompiler) oneString(a alternative, k string) (v, at string, err error) {
	for _, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		x, ok := o.vals[k]
		if !ok {
			continue
		}
		s, ok := x.(string)
		switch {
		case !ok:
			return "", "", c.fail(e.n.ptr, k, "must be a string")
		case v != "" && s != v:
			return "", "", c.unsupported(e.n.ptr, k, "several values of %s for one string are not supported", k)
		}
		v, at = s, e.n.ptr
	}
	return v, at, nil
}

// mergedCounts reads a pair of count keywords such as minLength and
// maxLength in every element of a: the largest minimum and the smallest
// maximum (unbounded if none), each up to MaxRepeat, and the pointer of
// the schema of the last one read.
func (c *schemaCompiler) mergedCounts(a alternative, minKey, maxKey string) (lo, hi int, at string, err error) {
	hi = unbounded
	at = a.ptrOf("")
	for _, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		for _, k := range []string{minKey, maxKey} {
			v, ok := o.vals[k]
			if !ok {
				continue
			}
			n, ok := countValue(v)
			if !ok {
				return 0, 0, "", c.fail(e.n.ptr, k, "must be a non-negative integer")
			}
			switch {
			case k == minKey && n > MaxRepeat:
				return 0, 0, "", c.unsupported(e.n.ptr, k, "%d is more than the %d supported", n, MaxRepeat)
			case k == minKey:
				lo = max(lo, n)
			case hi == unbounded || n < hi:
				hi = min(n, MaxRepeat) // at most MaxRepeat are written
			}
			at = e.n.ptr
		}
	}
	if hi != unbounded && hi < lo {
		return 0, 0, "", c.empty(at, maxKey, "%d is below %s %d: no value is valid", hi, minKey, lo)
	}
	return lo, hi, at, nil
}

// stringNotIn returns the expression of the contents of JSON strings of lo
// to hi characters (hi unbounded: any) that are none of names: strings
// without escapes, so that no escape can spell one of the names another
// way.
func stringNotIn(names []string, lo, hi int) *expr {
	type trieNode struct {
		end  bool
		kids map[rune]*trieNode
		keys []rune
	}
	root := &trieNode{kids: map[rune]*trieNode{}}
	for _, n := range names {
		t := root
		for _, r := range n {
			k, ok := t.kids[r]
			if !ok {
				k = &trieNode{kids: map[rune]*trieNode{}}
				t.kids[r] = k
				t.keys = append(t.keys, r)
			}
			t = k
		}
		t.end = true
	}
	// rest: any plain characters after the first depth, to a length in
	// [lo, hi].
	rest := func(depth int) *expr {
		most := unbounded
		if hi != unbounded {
			most = hi - depth
		}
		return repeat(class(plainChars), max(lo-depth, 0), most)
	}
	var build func(t *trieNode, depth int) *expr
	build = func(t *trieNode, depth int) *expr {
		var alts []*expr
		if !t.end && depth >= lo {
			alts = append(alts, empty())
		}
		if hi == unbounded || depth < hi {
			var taken []runeRange
			for _, r := range t.keys {
				taken = append(taken, runeRange{r, r})
				if plainChars.contains(r) {
					if e := build(t.kids[r], depth+1); e != nil {
						alts = append(alts, seq(lit(string(r)), e))
					}
				}
			}
			if other := plainChars.minus(newClass(taken...)); len(other) > 0 {
				alts = append(alts, seq(class(other), rest(depth+1)))
			}
		}
		if alts == nil {
			return nil
		}
		return alt(alts...)
	}
	return build(root, 0)
}
