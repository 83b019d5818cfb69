package grammar

import (
	"net/url"
	"strconv"
	"strings"
)

// An snode is a schema: a boolean or a *jsonObject of the document, or a
// schema the compiler makes (a negation, a set of types, values to
// exclude, or a *jsonObject of its own). ptr names it uniquely: the JSON
// pointer of a schema of the document, a name starting with ! for those
// the compiler makes. base is the URI its references resolve against.
type snode struct {
	v    any
	ptr  string
	base *url.URL
}

// negation is the schema of the values its schema refuses.
type negation struct{ of snode }

// excluded is the schema of the values equal to none of its values.
type excluded struct{ values []any }

// defaultBase is the base URI of a schema without $id, against which its
// references resolve.
var defaultBase = &url.URL{Scheme: "https", Host: "gomistral.invalid", Path: "/schema.json"}

// Keywords holding subschemas, by the shape of their value: what
// indexDocument walks to find $id and $anchor.
var (
	subschemaKeywords     = []string{"additionalProperties", "contains", "else", "if", "items", "not", "propertyNames", "then", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
	subschemaListKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	subschemaMapKeywords  = []string{"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)

// indexDocument finds the schemas of the document that have an identity
// of their own ($id, $anchor), so that references can reach them.
func (c *schemaCompiler) indexDocument() error {
	c.resources = map[string]snode{}
	c.anchors = map[string]snode{}
	c.root = snode{v: c.doc, ptr: "", base: defaultBase}
	c.root.base = c.baseOf(c.root.v, defaultBase)
	c.resources[defaultBase.String()] = c.root
	return c.indexSchema(c.root)
}

// baseOf returns the base URI inside schema v, whose parent's base is
// base: its $id resolved, or base.
func (c *schemaCompiler) baseOf(v any, base *url.URL) *url.URL {
	o, ok := v.(*jsonObject)
	if !ok {
		return base
	}
	id, ok := o.vals["$id"].(string)
	if !ok {
		return base
	}
	u, err := base.Parse(id)
	if err != nil {
		return base
	}
	u.Fragment, u.RawFragment = "", ""
	return u
}

// indexSchema registers the $id and $anchor of n and of the schemas
// below it.
func (c *schemaCompiler) indexSchema(n snode) error {
	o, ok := n.v.(*jsonObject)
	if !ok {
		return nil
	}
	if id, ok := o.vals["$id"]; ok {
		s, ok := id.(string)
		if _, err := url.Parse(s); !ok || err != nil {
			return c.fail(n.ptr, "$id", "must be a URI reference")
		}
		c.resources[n.base.String()] = n
	}
	for _, k := range []string{"$anchor", "$dynamicAnchor"} {
		if a, ok := o.vals[k].(string); ok {
			u := *n.base
			u.Fragment = a
			c.anchors[u.String()] = n
		}
	}
	if _, ok := o.vals["$dynamicRef"]; ok {
		return c.unsupported(n.ptr, "$dynamicRef", "keyword not supported")
	}
	for _, k := range subschemaKeywords {
		if _, ok := o.vals[k]; ok {
			if err := c.indexSchema(c.child(n, k)); err != nil {
				return err
			}
		}
	}
	for _, k := range subschemaListKeywords {
		if subs, ok := o.vals[k].([]any); ok {
			for i := range subs {
				if err := c.indexSchema(c.child(n, k, strconv.Itoa(i))); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range subschemaMapKeywords {
		if subs, ok := o.vals[k].(*jsonObject); ok {
			for _, name := range subs.keys {
				if err := c.indexSchema(c.child(n, k, name)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// child returns the schema at path under n (keys of objects, indexes of
// arrays), or a node holding nil if there is none.
func (c *schemaCompiler) child(n snode, path ...string) snode {
	v := n.v
	ptr := n.ptr
	for _, p := range path {
		switch x := v.(type) {
		case *jsonObject:
			v = x.vals[p]
		case []any:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(x) {
				v = nil
			} else {
				v = x[i]
			}
		default:
			v = nil
		}
		ptr += "/" + escapePointer(p)
	}
	if neg, ok := v.(negation); ok {
		ptr = "!" + neg.of.ptr
	}
	return snode{v: v, ptr: ptr, base: c.baseOf(v, n.base)}
}

// resolve returns the schema a $ref in n points to: within the document,
// by JSON pointer, $id or $anchor.
func (c *schemaCompiler) resolve(n snode, v any) (snode, error) {
	target, ok := v.(string)
	if !ok {
		return snode{}, c.fail(n.ptr, "$ref", "must be a string")
	}
	u, err := n.base.Parse(target)
	if err != nil {
		return snode{}, c.fail(n.ptr, "$ref", "%q: %v", target, err)
	}
	frag := u.Fragment
	doc := *u
	doc.Fragment, doc.RawFragment = "", ""
	res, ok := c.resources[doc.String()]
	if !ok {
		return snode{}, c.unsupported(n.ptr, "$ref", "%q: only references within the schema are supported", target)
	}
	if frag == "" {
		return res, nil
	}
	if !strings.HasPrefix(frag, "/") {
		a, ok := c.anchors[u.String()]
		if !ok {
			return snode{}, c.fail(n.ptr, "$ref", "%q: no such anchor", target)
		}
		return a, nil
	}
	cur := res
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := cur.v.(type) {
		case *jsonObject:
			if _, ok := x.vals[tok]; !ok {
				return snode{}, c.fail(n.ptr, "$ref", "%q points to nothing", target)
			}
		case []any:
			if i, err := strconv.Atoi(tok); err != nil || i < 0 || i >= len(x) {
				return snode{}, c.fail(n.ptr, "$ref", "%q points to nothing", target)
			}
		default:
			return snode{}, c.fail(n.ptr, "$ref", "%q points to nothing", target)
		}
		cur = c.child(cur, tok)
	}
	return cur, nil
}

// escapePointer escapes a key for a JSON pointer.
func escapePointer(k string) string {
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}
