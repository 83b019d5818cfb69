package grammar

import (
	"encoding/json"
	"math/big"
	"slices"
	"strconv"
)

// negate returns alternatives, each a conjunction of schemas, whose values
// all fail n: a value fails a schema when it fails one of its keywords, so
// each keyword that can be inverted gives alternatives (a value of another
// type, a number below minimum, an object without a required property...).
// Keywords that cannot be inverted (pattern, format, uniqueItems...) give
// none: the result may leave out values that fail n, never includes one
// that passes.
func (c *schemaCompiler) negate(n snode) ([][]snode, error) {
	switch v := n.v.(type) {
	case bool:
		if v {
			return nil, nil
		}
		return [][]snode{{{v: true, ptr: "!true"}}}, nil
	case negation:
		return [][]snode{{v.of}}, nil
	case typeSet:
		return [][]snode{{{v: tAll &^ v, ptr: "!" + n.ptr}}}, nil
	case excluded:
		return [][]snode{{c.synthetic(n.ptr+"#values", n.base, "enum", v.values)}}, nil
	case *jsonObject:
	default:
		return nil, c.fail(n.ptr, "", "a schema must be an object or a boolean, not %s", jsonType(n.v))
	}
	o := n.v.(*jsonObject)
	var out [][]snode
	var kept []string // keywords that cannot be inverted
	add := func(conj ...snode) { out = append(out, conj) }
	name := func(k string, i int) string { return n.ptr + "#" + k + "/" + strconv.Itoa(i) }
	neg := func(s snode) snode { return snode{v: negation{s}, ptr: "!" + s.ptr, base: s.base} }
	typed := func(k string, i int, t string, kv ...any) {
		add(c.synthetic(name(k, i), n.base, append([]any{"type", t}, kv...)...))
	}
	for _, k := range o.keys {
		v := o.vals[k]
		switch k {
		case "type":
			ts, err := c.typeOf(n, o)
			if err != nil {
				return nil, err
			}
			add(snode{v: tAll &^ ts, ptr: "!" + n.ptr + "#type"})
		case "const":
			add(snode{v: excluded{[]any{v}}, ptr: "!" + n.ptr + "#const"})
		case "enum":
			if vs, ok := v.([]any); ok {
				add(snode{v: excluded{vs}, ptr: "!" + n.ptr + "#enum"})
			}
		case "minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum":
			num, ok := v.(json.Number)
			if !ok {
				continue // draft 4 booleans: the bound itself inverts
			}
			inverse := map[string]string{"minimum": "exclusiveMaximum", "exclusiveMinimum": "maximum",
				"maximum": "exclusiveMinimum", "exclusiveMaximum": "minimum"}[k]
			if b, ok := o.vals["exclusive"+upperFirst(k)].(bool); ok && b {
				inverse = map[string]string{"minimum": "maximum", "maximum": "minimum"}[k]
			}
			typed(k, 0, "number", inverse, num)
		case "minLength", "minItems", "minProperties":
			if m, ok := countValue(v); ok && m > 0 {
				typed(k, 0, map[string]string{"minLength": "string", "minItems": "array", "minProperties": "object"}[k],
					"max"+k[3:], json.Number(strconv.Itoa(m-1)))
			}
		case "maxLength", "maxItems", "maxProperties":
			if m, ok := countValue(v); ok {
				typed(k, 0, map[string]string{"maxLength": "string", "maxItems": "array", "maxProperties": "object"}[k],
					"min"+k[3:], json.Number(strconv.Itoa(m+1)))
			}
		case "required":
			req, _ := v.([]any)
			for i, r := range req {
				if s, ok := r.(string); ok {
					typed(k, i, "object", "properties", object(s, false))
				}
			}
		case "properties":
			props, _ := v.(*jsonObject)
			if props == nil {
				continue
			}
			for i, p := range props.keys {
				typed(k, i, "object", "required", []any{p}, "properties", object(p, negation{c.child(n, k, p)}))
			}
		case "dependentRequired":
			deps, _ := v.(*jsonObject)
			if deps == nil {
				continue
			}
			i := 0
			for _, p := range deps.keys {
				req, _ := deps.vals[p].([]any)
				for _, r := range req {
					if s, ok := r.(string); ok {
						typed(k, i, "object", "required", []any{p}, "properties", object(s, false))
						i++
					}
				}
			}
		case "dependentSchemas":
			deps, _ := v.(*jsonObject)
			if deps == nil {
				continue
			}
			for i, p := range deps.keys {
				req := c.synthetic(name(k, i), n.base, "type", "object", "required", []any{p})
				add(req, neg(c.child(n, k, p)))
			}
		case "items":
			if _, prefix := o.vals["prefixItems"]; !prefix {
				typed(k, 0, "array", "contains", negation{c.child(n, k)})
			}
		case "prefixItems":
			subs, _ := v.([]any)
			for i := range subs {
				prefix := make([]any, i+1)
				for j := range i {
					prefix[j] = true
				}
				prefix[i] = negation{c.child(n, k, strconv.Itoa(i))}
				typed(k, i, "array", "minItems", json.Number(strconv.Itoa(i+1)), "prefixItems", prefix)
			}
		case "contains":
			_, minC := o.vals["minContains"]
			_, maxC := o.vals["maxContains"]
			if !minC && !maxC {
				typed(k, 0, "array", "items", negation{c.child(n, k)})
			}
		case "$ref":
			target, err := c.resolve(n, v)
			if err != nil {
				return nil, err
			}
			add(neg(target))
		case "allOf":
			subs, _ := v.([]any)
			for i := range subs {
				add(neg(c.child(n, k, strconv.Itoa(i))))
			}
		case "anyOf", "oneOf":
			// None valid: for oneOf, some of the values that fail it.
			subs, _ := v.([]any)
			var conj []snode
			for i := range subs {
				conj = append(conj, neg(c.child(n, k, strconv.Itoa(i))))
			}
			add(conj...)
		case "not":
			add(c.child(n, k))
		case "if":
			cond := c.child(n, "if")
			if _, ok := o.vals["then"]; ok {
				add(cond, neg(c.child(n, "then")))
			}
			if _, ok := o.vals["else"]; ok {
				add(neg(cond), neg(c.child(n, "else")))
			}
		case "then", "else", "minContains", "maxContains":
		default:
			if !slices.Contains(descriptiveKeywords, k) {
				kept = append(kept, k)
			}
		}
	}
	if len(kept) > 0 {
		// Values that fail only these keywords exist, but are not
		// written: if nothing else is left, that is the reason.
		err := c.unsupported(n.ptr, kept[0], "not: the values that fail %s cannot be written", kept[0])
		add(snode{v: unwritable{err}, ptr: "!" + n.ptr + "#unwritable"})
	}
	return out, nil
}

// unwritable is a schema whose values this package cannot write: an
// alternative holding it is dropped, err saying why.
type unwritable struct{ err error }

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// countValue reads a count keyword: a non-negative integer (2.0 too),
// saturated at 2^31.
func countValue(v any) (int, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	r, ok := new(big.Rat).SetString(string(n))
	if !ok || !r.IsInt() || r.Sign() < 0 {
		return 0, false
	}
	if !r.Num().IsInt64() || r.Num().Int64() > 1<<31 {
		return 1 << 31, true
	}
	return int(r.Num().Int64()), true
}

// oneOf returns the options of keyword oneOf of n: its branches, for the
// values of the types on which no two of them can hold the same value
// (different types, different constants, a required property whose
// constants differ); for the other types, each branch with the negation
// of the others, so that a value written in one fails the others.
// Branches false are dropped.
func (c *schemaCompiler) oneOf(n snode, item func(snode, bool) expandItem, over bool) ([][]expandItem, error) {
	o := n.v.(*jsonObject)
	subs, ok := o.vals["oneOf"].([]any)
	if !ok || len(subs) == 0 {
		return nil, c.fail(n.ptr, "oneOf", "must be a non-empty array of schemas")
	}
	var branches []snode
	for i := range subs {
		if b := c.child(n, "oneOf", strconv.Itoa(i)); b.v != false {
			branches = append(branches, b)
		}
	}
	if len(branches) == 0 {
		return nil, c.empty(n.ptr, "oneOf", "every schema is false: no value is valid")
	}
	var opts [][]expandItem
	if over {
		for _, b := range branches {
			opts = append(opts, []expandItem{item(b, true)})
		}
		return opts, nil
	}
	// The types on which the branches are disjoint.
	expansions := make([][]alternative, len(branches))
	types := tAll
	for i, b := range branches {
		alts, _, err := c.expand([]snode{b}, true)
		if err != nil && !isEmpty(err) {
			types = 0 // the branch's own error comes when it is compiled
		}
		expansions[i] = alts
		for j := range i {
			types &= c.disjointTypes(expansions[i], expansions[j])
		}
	}
	typed := func(t typeSet) expandItem {
		return item(snode{v: t, ptr: "!" + n.ptr + "#oneOf/" + strconv.Itoa(int(t))}, false)
	}
	for i, b := range branches {
		switch {
		case types == tAll:
			opts = append(opts, []expandItem{item(b, true)})
			continue
		case types != 0:
			opts = append(opts, []expandItem{typed(types), item(b, true)})
		}
		// The other types, the type first so that alternatives of another
		// type are dropped before the negations multiply them.
		opt := []expandItem{typed(tAll &^ types), item(b, true)}
		for j, other := range branches {
			if j != i {
				opt = append(opt, item(snode{v: negation{other}, ptr: "!" + other.ptr, base: other.base}, false))
			}
		}
		opts = append(opts, opt)
	}
	return opts, nil
}

// disjointTypes returns the types of which no value can be valid against
// two schemas expanded to as and bs (none: a schema that allows nothing),
// as far as a cheap look at their types, constants and required
// properties shows.
func (c *schemaCompiler) disjointTypes(as, bs []alternative) typeSet {
	types := tAll
	for _, x := range as {
		for _, y := range bs {
			types &= c.altsDisjoint(x, y) | c.altsDisjoint(y, x)
		}
	}
	return types
}

// altsDisjoint returns the types of which x and y hold no value in
// common, looking from x: the types one of them refuses, those of which x
// allows only constants that y refuses, objects when x requires a
// property with constants that y refuses there.
func (c *schemaCompiler) altsDisjoint(x, y alternative) typeSet {
	common := c.altTypes(x, false) & c.altTypes(y, false)
	types := tAll &^ common
	if vals, finite := c.altValues(x); finite {
		for _, t := range []typeSet{tNull, tBool, tObject, tArray, tString, tInt, tFrac} {
			refused := true
			for _, v := range vals {
				if typeOfValue(v) == t && c.checkAlt(v, y) != no {
					refused = false
				}
			}
			if refused {
				types |= t
			}
		}
		return types
	}
	if common&tObject == 0 {
		return types
	}
	// A discriminator: a property x requires, with constant values that
	// y refuses at that property.
	for _, k := range c.required(x) {
		vals, finite := c.finiteValues(c.propertySchemas(x, k), true)
		if !finite {
			continue
		}
		ys := c.propertySchemas(y, k)
		if len(ys) == 0 {
			continue
		}
		refused := true
		for _, v := range vals {
			for _, s := range ys {
				refused = refused && c.check(v, s, 0) == no
			}
		}
		if refused {
			return types | tObject
		}
	}
	return types
}

// required returns the names the elements of a require.
func (c *schemaCompiler) required(a alternative) []string {
	var out []string
	for _, e := range a {
		if o := e.obj(); o != nil {
			req, _ := o.vals["required"].([]any)
			for _, r := range req {
				if s, ok := r.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// propertySchemas returns the schemas keyword properties of the elements
// of a give property k.
func (c *schemaCompiler) propertySchemas(a alternative, k string) []snode {
	var out []snode
	for _, e := range a {
		if o := e.obj(); o != nil {
			if props, ok := o.vals["properties"].(*jsonObject); ok {
				if _, ok := props.vals[k]; ok {
					out = append(out, c.child(e.n, "properties", k))
				}
			}
		}
	}
	return out
}
