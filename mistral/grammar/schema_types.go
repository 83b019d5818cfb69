package grammar

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
)

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
		class(anyChar.minus(newClass(runeRange{0, 0x1F}, runeRange{'"', '"'}, runeRange{'\\', '\\'}))),
		seq(lit(`\`), alt(chars(`"\/bfnrt`), u)))
}

// jsonNumber returns the expression of a JSON number.
func jsonNumber() *expr {
	digit := chars("", "0-9")
	return seq(
		opt(lit("-")),
		alt(lit("0"), seq(chars("", "1-9"), repeat(digit, 0, maxIntDigits-1))),
		opt(seq(lit("."), plus(digit))),
		opt(seq(chars("eE"), opt(chars("+-")), repeat(digit, 1, maxExpDigits))))
}

// str returns the expression of the strings of a schema of type string.
func (c *schemaCompiler) str(s *jsonObject, ptr string) (*expr, error) {
	_, hasPattern := s.get("pattern")
	_, hasFormat := s.get("format")
	_, hasMin := s.get("minLength")
	_, hasMax := s.get("maxLength")
	switch {
	case hasPattern && (hasFormat || hasMin || hasMax):
		return nil, c.unsupported(ptr, "pattern", "not supported beside format, minLength or maxLength")
	case hasFormat && (hasMin || hasMax):
		return nil, c.unsupported(ptr, "format", "not supported beside minLength or maxLength")
	case hasPattern:
		p, ok := s.vals["pattern"].(string)
		if !ok {
			return nil, c.fail(ptr, "pattern", "must be a string")
		}
		e, err := patternExpr(p)
		if err != nil {
			return nil, c.unsupported(ptr, "pattern", "%v", err)
		}
		return seq(lit(`"`), e, lit(`"`)), nil
	case hasFormat:
		f, ok := s.vals["format"].(string)
		if !ok {
			return nil, c.fail(ptr, "format", "must be a string")
		}
		e, ok := formatExpr(f)
		if !ok {
			return nil, c.unsupported(ptr, "format", "format %q not supported (supported: %s)", f, formatNames())
		}
		return seq(lit(`"`), e, lit(`"`)), nil
	}
	lo, hi, err := c.counts(s, ptr, "minLength", "maxLength")
	if err != nil {
		return nil, err
	}
	if lo == 0 && hi == unbounded {
		return jsonString(false), nil
	}
	return seq(lit(`"`), repeat(jsonChar(true), lo, hi), lit(`"`)), nil
}

// counts reads a pair of keywords such as minItems and maxItems: counts
// from 0 to MaxRepeat, or no maximum (unbounded).
func (c *schemaCompiler) counts(s *jsonObject, ptr, minKey, maxKey string) (lo, hi int, err error) {
	read := func(k string, dflt int) (int, error) {
		v, ok := s.get(k)
		if !ok {
			return dflt, nil
		}
		n, ok := v.(json.Number)
		f, err := n.Float64()
		if !ok || err != nil || f < 0 || f != math.Trunc(f) {
			return 0, c.fail(ptr, k, "must be a non-negative integer")
		}
		if f > MaxRepeat {
			return 0, c.unsupported(ptr, k, "%v is more than the %d supported", n, MaxRepeat)
		}
		return int(f), nil
	}
	if lo, err = read(minKey, 0); err != nil {
		return 0, 0, err
	}
	if hi, err = read(maxKey, unbounded); err != nil {
		return 0, 0, err
	}
	if hi != unbounded && hi < lo {
		return 0, 0, c.fail(ptr, maxKey, "%d is below %s %d: no value is valid", hi, minKey, lo)
	}
	return lo, hi, nil
}

// array returns the expression of the arrays of a schema of type array.
func (c *schemaCompiler) array(s *jsonObject, ptr, name string) (*expr, error) {
	if u, ok := s.get("uniqueItems"); ok && u != false {
		return nil, c.unsupported(ptr, "uniqueItems", "true is not supported")
	}
	if _, ok := s.get("prefixItems"); ok {
		return nil, c.unsupported(ptr, "prefixItems", "keyword not supported")
	}
	lo, hi, err := c.counts(s, ptr, "minItems", "maxItems")
	if err != nil {
		return nil, err
	}
	var item *expr
	if items, ok := s.get("items"); !ok {
		item = c.anyValue()
	} else {
		if _, tuple := items.([]any); tuple {
			return nil, c.unsupported(ptr, "items", "an array of schemas (tuple validation) is not supported")
		}
		if items == false {
			hi = 0
		} else if item, err = c.schema(items, ptr+"/items", name+"-item"); err != nil {
			return nil, err
		}
	}
	if hi == 0 {
		if lo > 0 {
			return nil, c.fail(ptr, "minItems", "items false allows no item")
		}
		return seq(lit("["), c.ws(), lit("]")), nil
	}
	r := c.rule(name)
	ws := c.ws()
	moreMax := unbounded
	if hi != unbounded {
		moreMax = hi - 1
	}
	more := repeat(seq(lit(","), ws, item, ws), max(lo-1, 0), moreMax)
	items := seq(item, ws, more)
	if lo == 0 {
		items = opt(items)
	}
	r.body = seq(lit("["), ws, items, lit("]"))
	return ref(r.name), nil
}

// objectType returns the expression of the objects of a schema of type
// object: its properties in the order of the schema, the required ones
// always, the others perhaps; then, if additionalProperties allows them,
// other properties, whose names are none of those of properties.
func (c *schemaCompiler) objectType(s *jsonObject, ptr, name string) (*expr, error) {
	type prop struct {
		name     string
		value    *expr
		required bool
	}
	var props []prop
	if v, ok := s.get("properties"); ok {
		ps, ok := v.(*jsonObject)
		if !ok {
			return nil, c.fail(ptr, "properties", "must be an object")
		}
		for _, k := range ps.keys {
			e, err := c.schema(ps.vals[k], ptr+"/properties/"+escapePointer(k), name+"-"+k)
			if err != nil {
				return nil, err
			}
			props = append(props, prop{name: k, value: e})
		}
	}
	// Additional properties: allowed when the schema says so, or when it
	// lists no properties at all.
	_, listed := s.get("properties")
	var extra *expr
	addl, hasAddl := s.get("additionalProperties")
	addlFalse := hasAddl && addl == false
	switch {
	case !hasAddl && !listed:
		extra = c.anyValue()
	case !hasAddl, addlFalse:
	default:
		e, err := c.schema(addl, ptr+"/additionalProperties", name+"-extra")
		if err != nil {
			return nil, err
		}
		extra = e
	}
	if v, ok := s.get("required"); ok {
		req, ok := v.([]any)
		if !ok {
			return nil, c.fail(ptr, "required", "must be an array of strings")
		}
		for _, rv := range req {
			k, ok := rv.(string)
			if !ok {
				return nil, c.fail(ptr, "required", "must be an array of strings")
			}
			i := slices.IndexFunc(props, func(p prop) bool { return p.name == k })
			switch {
			case i >= 0:
				props[i].required = true
			case extra != nil:
				props = append(props, prop{name: k, value: extra, required: true})
			case addlFalse:
				return nil, c.fail(ptr, "required", "%q is not in properties, and additionalProperties is false", k)
			default: // allowed as an additional property
				props = append(props, prop{name: k, value: c.anyValue(), required: true})
			}
		}
	}

	ws := c.ws()
	member := func(key, value *expr) *expr { return seq(key, ws, lit(":"), ws, value, ws) }
	var names []string
	for _, p := range props {
		names = append(names, p.name)
	}
	var extraMember *expr
	if extra != nil {
		extraMember = member(seq(lit(`"`), stringNotIn(names), lit(`"`)), extra)
	}

	// rest[k]: what may follow once a member is written and properties k
	// onwards are still to come: each with a comma before it.
	obj := c.rule(name)
	rest := make([]*expr, len(props)+1)
	rest[len(props)] = empty()
	if extraMember != nil {
		rest[len(props)] = star(seq(lit(","), ws, extraMember))
	}
	for k := len(props) - 1; k >= 0; k-- {
		m := seq(lit(","), ws, member(lit(encodeJSON(props[k].name)), props[k].value))
		if !props[k].required {
			m = opt(m)
		}
		rest[k] = seq(m, rest[k+1])
		if k > 0 && len(props)-k > 2 { // share long tails in a rule
			r := c.rule(fmt.Sprintf("%s-from-%d", obj.name, k))
			r.body = rest[k]
			rest[k] = ref(r.name)
		}
	}
	// The first member is some property up to the first required one, or,
	// when all are optional, an additional property, or none at all.
	var first []*expr
	allOptional := true
	for k, p := range props {
		first = append(first, seq(member(lit(encodeJSON(p.name)), p.value), rest[k+1]))
		if p.required {
			allOptional = false
			break
		}
	}
	if allOptional {
		if extraMember != nil {
			first = append(first, seq(extraMember, rest[len(props)]))
		}
		first = append(first, empty())
	}
	obj.body = seq(lit("{"), ws, alt(first...), lit("}"))
	return ref(obj.name), nil
}

// stringNotIn returns the expression of the contents of JSON strings that
// are none of names: strings without escapes, so that no escape can spell
// one of the names in another way.
func stringNotIn(names []string) *expr {
	plain := anyChar.minus(newClass(runeRange{0, 0x1F}, runeRange{'"', '"'}, runeRange{'\\', '\\'}))
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
	var build func(t *trieNode) *expr
	build = func(t *trieNode) *expr {
		var alts []*expr
		if !t.end {
			alts = append(alts, empty())
		}
		var taken []runeRange
		for _, r := range t.keys {
			taken = append(taken, runeRange{r, r})
			if plain.contains(r) {
				alts = append(alts, seq(lit(string(r)), build(t.kids[r])))
			}
		}
		if other := plain.minus(newClass(taken...)); len(other) > 0 {
			alts = append(alts, seq(class(other), star(class(plain))))
		}
		return alt(alts...)
	}
	return build(root)
}

// escapePointer escapes a key for a JSON pointer.
func escapePointer(k string) string {
	out := make([]byte, 0, len(k))
	for i := 0; i < len(k); i++ {
		switch k[i] {
		case '~':
			out = append(out, "~0"...)
		case '/':
			out = append(out, "~1"...)
		default:
			out = append(out, k[i])
		}
	}
	return string(out)
}
