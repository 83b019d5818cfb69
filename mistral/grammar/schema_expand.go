package grammar

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// An elem is one plain schema of an alternative: a schema object whose
// keywords apply to the value itself, its in-place applicators already
// expanded, or a synthetic typeSet or excluded.
type elem struct {
	n snode
	// anc are the indexes, in the alternative, of the elements it was
	// reached from through in-place applicators: those whose
	// unevaluatedProperties and unevaluatedItems see its annotations.
	anc []int
	// annot: its annotations count (false under not, and for the
	// schemas made by negation).
	annot bool
}

func (e elem) obj() *jsonObject { o, _ := e.n.v.(*jsonObject); return o }

// has reports whether the element is a schema object with keyword k.
func (e elem) has(k string) bool {
	o := e.obj()
	if o == nil {
		return false
	}
	_, ok := o.vals[k]
	return ok
}

// real reports whether the element is a schema of the document (not one
// the compiler made): its keywords imply its types.
func (e elem) real() bool { return !isSynthetic(e.n) }

// isSynthetic reports whether n is a schema the compiler made.
func isSynthetic(n snode) bool { return n.ptr != "" && n.ptr[0] == '!' }

// An alternative is a conjunction of plain schemas.
type alternative []elem

// ptrOf returns the pointer of the first element with keyword k, else of
// the first element, for errors.
func (a alternative) ptrOf(k string) string {
	for _, e := range a {
		if k != "" && e.has(k) {
			return e.n.ptr
		}
	}
	if len(a) > 0 {
		return a[0].n.ptr
	}
	return ""
}

// subtree reports whether element i of a is element s or reached from it.
func (a alternative) subtree(s, i int) bool { return i == s || slices.Contains(a[i].anc, s) }

// An expandItem is a schema that expand still has to apply to an
// alternative being built, or a choice between lists of them.
type expandItem struct {
	n     snode
	anc   []int
	annot bool
	depth int
	path  []string // the schema objects it was reached from, for cycles
	// choice: when not nil, the item is a choice between these lists of
	// items (anyOf, oneOf, if/then/else, not...), named by keyword at n.
	choice  [][]expandItem
	keyword string
}

// expand turns a conjunction of schemas into alternatives of plain
// schemas: allOf and $ref apply in place, anyOf, oneOf, if/then/else,
// dependentRequired, dependentSchemas and not multiply the alternatives.
// Alternatives that allow no value, or none this package can write, are
// dropped, dropped saying why; if none is left, that is the error. At most
// maxAlternatives are made, and 16 times as many tried.
//
// With over, the alternatives hold every valid value, and perhaps others:
// negations (not, the else of if, the other branches of oneOf) are left
// out. That is what proofs that two schemas share no value need.
func (c *schemaCompiler) expand(conj []snode, over bool) (alts []alternative, dropped, err error) {
	var work []expandItem // a stack: the next item is the last
	for _, n := range slices.Backward(conj) {
		work = append(work, expandItem{n: n, annot: true})
	}
	var out []alternative
	tried := 0
	// firstEmpty is why alternatives were dropped: a schema false, or a
	// negation this package cannot write (which wins, being the more
	// useful to hear of).
	var firstEmpty error
	note := func(err error) {
		if firstEmpty == nil || isEmpty(firstEmpty) && !isEmpty(err) {
			firstEmpty = err
		}
	}
	// rec expands work into the alternative a, whose values are of types
	// (those its elements name; none left: it is dropped at once).
	var rec func(a alternative, work []expandItem, types typeSet) error
	rec = func(a alternative, work []expandItem, types typeSet) error {
		for len(work) > 0 {
			it := work[len(work)-1]
			work = work[:len(work)-1]
			if it.depth > maxExpandDepth {
				return c.unsupported(it.n.ptr, "$ref", "schemas nested more than %d deep without reading the value", maxExpandDepth)
			}
			if it.choice != nil {
				for _, opt := range it.choice {
					w := slices.Clip(work)
					for _, x := range slices.Backward(opt) {
						w = append(w, x)
					}
					if err := rec(slices.Clip(a), w, types); err != nil {
						return err
					}
					if tried++; len(out) > maxAlternatives || tried > 16*maxAlternatives {
						return c.unsupported(it.n.ptr, it.keyword, "more than %d combinations of alternatives", maxAlternatives)
					}
				}
				return nil
			}
			switch v := it.n.v.(type) {
			case bool:
				if !v {
					note(c.empty(it.n.ptr, "", "schema false: no value is valid"))
					return nil
				}
			case unwritable:
				if !over {
					note(v.err)
					return nil
				}
			case typeSet:
				if types &= v; types == 0 {
					note(c.empty(it.n.ptr, "type", "no type is left: no value is valid"))
					return nil
				}
				a = append(slices.Clip(a), elem{n: it.n, anc: it.anc, annot: it.annot})
			case excluded:
				a = append(slices.Clip(a), elem{n: it.n, anc: it.anc, annot: it.annot})
			case negation:
				if over {
					continue
				}
				alts, err := c.negate(v.of)
				if err != nil {
					// Values that fail this schema cannot be written:
					// drop the alternative, and say why if none is left.
					note(err)
					return nil
				}
				var opts [][]expandItem
				for _, conj := range alts {
					var opt []expandItem
					for _, n := range conj {
						opt = append(opt, expandItem{n: n, anc: it.anc, depth: it.depth + 1, path: it.path})
					}
					opts = append(opts, opt)
				}
				if len(opts) == 0 {
					note(c.empty(v.of.ptr, "not", "no value fails the schema"))
					return nil
				}
				work = append(slices.Clip(work), expandItem{n: it.n, choice: opts, keyword: "not", depth: it.depth})
			case *jsonObject:
				if slices.Contains(it.path, it.n.ptr) {
					// The schema applies itself to the same value.
					note(c.unsupported(it.n.ptr, "$ref", "the schema refers to itself without reading any of the value (left recursion)"))
					return nil
				}
				items, err := c.applicators(it, len(a), over)
				if err != nil {
					return err
				}
				if _, ok := v.vals["type"]; ok {
					if t, err := c.typeOf(it.n, v); err == nil {
						if types &= t; types == 0 {
							note(c.empty(it.n.ptr, "type", "no type is left: no value is valid"))
							return nil
						}
					}
				}
				a = append(slices.Clip(a), elem{n: it.n, anc: it.anc, annot: it.annot})
				work = slices.Clip(work)
				for _, x := range slices.Backward(items) {
					work = append(work, x)
				}
			default:
				return c.fail(it.n.ptr, "", "a schema must be an object or a boolean, not %s", jsonType(v))
			}
		}
		out = append(out, a)
		return nil
	}
	if err := rec(nil, work, tAll); err != nil {
		return nil, nil, err
	}
	if len(out) == 0 {
		if firstEmpty == nil {
			firstEmpty = c.empty(conj[0].ptr, "", "no value is valid")
		}
		return nil, nil, firstEmpty
	}
	return out, firstEmpty, nil
}

// applicators returns the work items of the in-place applicators of the
// schema object of it, which becomes element id of its alternative.
func (c *schemaCompiler) applicators(it expandItem, id int, over bool) ([]expandItem, error) {
	n := it.n
	o := n.v.(*jsonObject)
	if err := c.checkKeywords(n, o); err != nil {
		return nil, err
	}
	anc := append(slices.Clip(it.anc), id)
	path := append(slices.Clip(it.path), n.ptr)
	item := func(s snode, annot bool) expandItem {
		return expandItem{n: s, anc: anc, annot: it.annot && annot, depth: it.depth + 1, path: path}
	}
	var items []expandItem
	if r, ok := o.vals["$ref"]; ok {
		target, err := c.resolve(n, r)
		if err != nil {
			return nil, err
		}
		items = append(items, item(target, true))
	}
	if v, ok := o.vals["allOf"]; ok {
		subs, ok := v.([]any)
		if !ok || len(subs) == 0 {
			return nil, c.fail(n.ptr, "allOf", "must be a non-empty array of schemas")
		}
		for i := range subs {
			items = append(items, item(c.child(n, "allOf", strconv.Itoa(i)), true))
		}
	}
	if v, ok := o.vals["anyOf"]; ok {
		subs, ok := v.([]any)
		if !ok || len(subs) == 0 {
			return nil, c.fail(n.ptr, "anyOf", "must be a non-empty array of schemas")
		}
		var opts [][]expandItem
		for i := range subs {
			opts = append(opts, []expandItem{item(c.child(n, "anyOf", strconv.Itoa(i)), true)})
		}
		items = append(items, expandItem{n: n, choice: opts, keyword: "anyOf", depth: it.depth})
	}
	if _, ok := o.vals["oneOf"]; ok {
		opts, err := c.oneOf(n, item, over)
		if err != nil {
			return nil, err
		}
		items = append(items, expandItem{n: n, choice: opts, keyword: "oneOf", depth: it.depth})
	}
	if _, ok := o.vals["not"]; ok {
		sub := c.child(n, "not")
		neg := snode{v: negation{sub}, ptr: "!" + sub.ptr, base: sub.base}
		items = append(items, item(neg, false))
	}
	if _, ok := o.vals["if"]; ok {
		cond := c.child(n, "if")
		notCond := snode{v: negation{cond}, ptr: "!" + cond.ptr, base: cond.base}
		then, els := []expandItem{item(cond, true)}, []expandItem{item(notCond, false)}
		if _, ok := o.vals["then"]; ok {
			then = append(then, item(c.child(n, "then"), true))
		}
		if _, ok := o.vals["else"]; ok {
			els = append(els, item(c.child(n, "else"), true))
		}
		items = append(items, expandItem{n: n, choice: [][]expandItem{then, els}, keyword: "if", depth: it.depth})
	}
	for _, k := range []string{"dependentRequired", "dependentSchemas"} {
		v, ok := o.vals[k]
		if !ok {
			continue
		}
		deps, ok := v.(*jsonObject)
		if !ok {
			return nil, c.fail(n.ptr, k, "must be an object")
		}
		for _, name := range deps.keys {
			// Either the property is absent, or it is present and
			// what depends on it holds.
			absent := c.synthetic(n.ptr+"#"+k+"/"+escapePointer(name)+"/absent", n.base,
				"properties", object(name, false))
			// Present: an object (the keyword applies to nothing else).
			req := []any{name}
			if k == "dependentRequired" {
				more, ok := deps.vals[name].([]any)
				if !ok || !allStrings(more) {
					return nil, c.fail(n.ptr, k, "%q: must be an array of strings", name)
				}
				req = append(req, more...)
			}
			present := []expandItem{item(c.synthetic(n.ptr+"#"+k+"/"+escapePointer(name)+"/present", n.base,
				"type", "object", "required", req), false)}
			if k == "dependentSchemas" {
				present = append(present, item(c.child(n, k, name), true))
			}
			items = append(items, expandItem{n: n, choice: [][]expandItem{{item(absent, false)}, present}, keyword: k, depth: it.depth})
		}
	}
	return items, nil
}

// checkKeywords refuses the keywords this package does not know, and the
// keywords that constrain none of the types a schema object names.
func (c *schemaCompiler) checkKeywords(n snode, o *jsonObject) error {
	var types typeSet
	if _, ok := o.vals["type"]; ok {
		t, err := c.typeOf(n, o)
		if err != nil {
			return err
		}
		types = t
	}
	for _, k := range o.keys {
		switch {
		case slices.Contains(descriptiveKeywords, k), slices.Contains(applicatorKeywords, k), slices.Contains(valueKeywords, k):
		case typeKeywords[k] != 0:
			if types != 0 && types&typeKeywords[k] == 0 && !isSynthetic(n) {
				return c.fail(n.ptr, k, "does not apply to type %s", types)
			}
		default:
			return c.unsupported(n.ptr, k, "keyword not supported")
		}
	}
	return nil
}

// synthetic returns a schema object made by the compiler from key-value
// pairs, named "!"+name (the same name, the same schema).
func (c *schemaCompiler) synthetic(name string, base *url.URL, kv ...any) snode {
	if n, ok := c.nodes[name]; ok {
		return n
	}
	n := snode{v: object(kv...), ptr: "!" + name, base: base}
	c.nodes[name] = n
	return n
}

// object returns a *jsonObject from key-value pairs.
func object(kv ...any) *jsonObject {
	o := &jsonObject{vals: map[string]any{}}
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		o.keys = append(o.keys, k)
		o.vals[k] = kv[i+1]
	}
	return o
}

func allStrings(vs []any) bool {
	for _, v := range vs {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// typeOf reads keyword type of o.
func (c *schemaCompiler) typeOf(n snode, o *jsonObject) (typeSet, error) {
	var names []any
	switch t := o.vals["type"].(type) {
	case string:
		names = []any{t}
	case []any:
		names = t
		if len(names) == 0 {
			return 0, c.fail(n.ptr, "type", "empty array: no value is valid")
		}
	default:
		return 0, c.fail(n.ptr, "type", "must be a type name or an array of them")
	}
	var ts typeSet
	seen := map[string]bool{}
	for _, v := range names {
		name, _ := v.(string)
		t, ok := typeNames[name]
		if !ok {
			return 0, c.fail(n.ptr, "type", "unknown type %q", fmt.Sprint(v))
		}
		if seen[name] {
			return 0, c.fail(n.ptr, "type", "%q appears twice", name)
		}
		seen[name] = true
		ts |= t
	}
	return ts, nil
}
