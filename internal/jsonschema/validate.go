// Package jsonschema validates JSON documents against JSON Schema (draft
// 2020-12), for tests: it is written from the specification,
// independently of package grammar's compiler, to check what constrained
// generation produces. The JSON Schema Test Suite checks it in turn.
//
// It implements the applicator, validation, unevaluated and format
// vocabularies: every keyword of draft 2020-12 except $dynamicRef and
// $dynamicAnchor (an error wrapping ErrUnsupported), with $ref resolved
// within the schema document ($id, $anchor, JSON pointers; other
// documents are an error wrapping ErrUnsupported). It is stricter than the
// specification's defaults in three ways, as a check of generated output
// should be: format is an assertion (date, time, date-time, duration,
// email, idn-email, hostname, idn-hostname, ipv4, ipv6, uri,
// uri-reference, iri, iri-reference, uri-template, json-pointer,
// relative-json-pointer, uuid, regex); every member of an object is
// validated, a repeated name included (a decoder that keeps one of them
// would hide the others), and an object with a repeated name equals no
// const or enum value; $schema is ignored, every vocabulary applies.
// Patterns are ECMA 262 regular expressions, read with Go's regexp after
// translating the classes where the two differ (., \s, \S).
package jsonschema

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
)

// ErrUnsupported is wrapped by the errors of Compile for a schema this
// package cannot read ($dynamicRef, references to other documents).
var ErrUnsupported = errors.New("jsonschema: unsupported")

// Validate reports whether doc is one JSON value valid against schema.
func Validate(schema, doc []byte) error {
	s, err := Compile(schema)
	if err != nil {
		return err
	}
	return s.Validate(doc)
}

// A Schema is a compiled schema document. It is immutable and safe for
// concurrent use.
type Schema struct {
	root     node
	resource map[string]node // absolute URI without fragment → schema
	anchors  map[string]node // absolute URI with #anchor → schema
}

// node is a schema (bool or map[string]any) with the base URI of the
// schema holding it, against which its own $id resolves.
type node struct {
	v    any
	base *url.URL
}

// defaultBase is the base URI of a schema without $id.
var defaultBase, _ = url.Parse("https://gomistral.invalid/schema.json")

// Compile reads a schema document.
func Compile(schema []byte) (*Schema, error) {
	v, err := decode(schema)
	if err != nil {
		return nil, fmt.Errorf("jsonschema: schema: %w", err)
	}
	s := &Schema{resource: map[string]node{}, anchors: map[string]node{}}
	s.root = node{v, defaultBase}
	if err := s.index(v, defaultBase); err != nil {
		return nil, err
	}
	if n, ok := s.resource[defaultBase.String()]; ok {
		s.root = n
	} else {
		s.resource[defaultBase.String()] = s.root
	}
	return s, nil
}

// Subschema keywords, by the shape of their value.
var (
	schemaKeywords = []string{"additionalProperties", "contains", "else", "if", "items", "not", "propertyNames",
		"then", "unevaluatedItems", "unevaluatedProperties", "contentSchema"}
	schemaListKeywords = []string{"allOf", "anyOf", "oneOf", "prefixItems"}
	schemaMapKeywords  = []string{"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"}
)

// index registers the resources and anchors under v, a schema whose
// parent's base is base.
func (s *Schema) index(v any, base *url.URL) error {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	if _, ok := m["$dynamicRef"]; ok {
		return fmt.Errorf("%w: $dynamicRef", ErrUnsupported)
	}
	parent := base
	if id, ok := m["$id"].(string); ok {
		u, err := base.Parse(id)
		if err != nil {
			return fmt.Errorf("jsonschema: $id %q: %w", id, err)
		}
		u.Fragment = ""
		base = u
		s.resource[u.String()] = node{v, parent}
	}
	for _, k := range []string{"$anchor", "$dynamicAnchor"} {
		if a, ok := m[k].(string); ok {
			u := *base
			u.Fragment = a
			s.anchors[u.String()] = node{v, parent}
		}
	}
	for _, k := range schemaKeywords {
		if sub, ok := m[k]; ok {
			if err := s.index(sub, base); err != nil {
				return err
			}
		}
	}
	for _, k := range schemaListKeywords {
		if subs, ok := m[k].([]any); ok {
			for _, sub := range subs {
				if err := s.index(sub, base); err != nil {
					return err
				}
			}
		}
	}
	for _, k := range schemaMapKeywords {
		if subs, ok := m[k].(map[string]any); ok {
			for _, sub := range subs {
				if err := s.index(sub, base); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// resolve returns the schema a $ref from a schema with base base points to.
func (s *Schema) resolve(base *url.URL, ref string) (node, error) {
	u, err := base.Parse(ref)
	if err != nil {
		return node{}, fmt.Errorf("jsonschema: $ref %q: %w", ref, err)
	}
	frag := u.Fragment
	doc := *u
	doc.Fragment, doc.RawFragment = "", ""
	n, ok := s.resource[doc.String()]
	if !ok {
		return node{}, fmt.Errorf("%w: $ref %q: another document", ErrUnsupported, ref)
	}
	if frag == "" {
		return n, nil
	}
	if !strings.HasPrefix(frag, "/") {
		a, ok := s.anchors[u.String()]
		if !ok {
			return node{}, fmt.Errorf("jsonschema: $ref %q: no such anchor", ref)
		}
		return a, nil
	}
	cur := n
	for _, tok := range strings.Split(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		inside := cur.inside()
		switch v := cur.v.(type) {
		case map[string]any:
			sub, ok := v[tok]
			if !ok {
				return node{}, fmt.Errorf("jsonschema: $ref %q points to nothing", ref)
			}
			cur = node{sub, inside}
		case []any:
			i := -1
			if _, err := fmt.Sscan(tok, &i); err != nil || i < 0 || i >= len(v) {
				return node{}, fmt.Errorf("jsonschema: $ref %q points to nothing", ref)
			}
			cur = node{v[i], inside}
		default:
			return node{}, fmt.Errorf("jsonschema: $ref %q points to nothing", ref)
		}
	}
	return cur, nil
}

// inside returns the base URI within n: its $id, resolved, or its parent's.
func (n node) inside() *url.URL {
	if m, ok := n.v.(map[string]any); ok {
		if id, ok := m["$id"].(string); ok {
			if u, err := n.base.Parse(id); err == nil {
				u.Fragment = ""
				return u
			}
		}
	}
	return n.base
}

// Validate reports whether doc is one JSON value valid against s.
func (s *Schema) Validate(doc []byte) error {
	v, err := decodeDoc(doc)
	if err != nil {
		return fmt.Errorf("jsonschema: document: %w", err)
	}
	_, err = (&validator{s: s}).validate(s.root, v, 0)
	return err
}

// members is a document's object: its members in order, repeats included.
type members []member

type member struct {
	name  string
	value any
}

// decodeDoc decodes one JSON value: objects as members, numbers as
// json.Number, the rest as encoding/json does.
func decodeDoc(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var value func() (any, error)
	value = func() (any, error) {
		tok, err := d.Token()
		if err != nil {
			return nil, err
		}
		switch tok {
		case json.Delim('{'):
			obj := members{}
			for d.More() {
				k, err := d.Token()
				if err != nil {
					return nil, err
				}
				v, err := value()
				if err != nil {
					return nil, err
				}
				obj = append(obj, member{k.(string), v})
			}
			_, err = d.Token()
			return obj, err
		case json.Delim('['):
			arr := []any{}
			for d.More() {
				v, err := value()
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err = d.Token()
			return arr, err
		}
		return tok, nil
	}
	v, err := value()
	if err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one value")
	}
	return v, nil
}

func decode(b []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("more than one value")
	}
	return v, nil
}
