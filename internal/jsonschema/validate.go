// Package jsonschema validates JSON documents against the subset of JSON
// Schema that package grammar compiles, for tests: it is written from the
// specification, independently of the compiler, to check what constrained
// generation produces.
package jsonschema

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Validate reports whether doc is one JSON value valid against schema.
// Every member of the document's objects is validated, a repeated name
// included (JSON allows repeats; a decoder that keeps the last one would
// hide the others).
func Validate(schema, doc []byte) error {
	s, err := decode(schema)
	if err != nil {
		return fmt.Errorf("jsonschema: schema: %w", err)
	}
	v, err := decodeDoc(doc)
	if err != nil {
		return fmt.Errorf("jsonschema: document: %w", err)
	}
	return validate(s, s, v)
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
	if d.More() {
		return nil, fmt.Errorf("more than one value")
	}
	return v, nil
}

func validate(root, s, v any) error {
	switch s := s.(type) {
	case bool:
		if !s {
			return fmt.Errorf("schema false")
		}
		return nil
	case map[string]any:
		return validateObject(root, s, v)
	}
	return fmt.Errorf("bad schema %T", s)
}

func validateObject(root any, s map[string]any, v any) error {
	if r, ok := s["$ref"]; ok {
		target := root
		for _, tok := range strings.Split(strings.TrimPrefix(r.(string), "#"), "/")[1:] {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			target = target.(map[string]any)[tok]
		}
		if err := validate(root, target, v); err != nil {
			return fmt.Errorf("$ref %s: %w", r, err)
		}
	}
	if subs, ok := s["allOf"]; ok {
		for _, sub := range subs.([]any) {
			if err := validate(root, sub, v); err != nil {
				return err
			}
		}
	}
	if subs, ok := s["anyOf"]; ok {
		var errs []string
		for _, sub := range subs.([]any) {
			if err := validate(root, sub, v); err != nil {
				errs = append(errs, err.Error())
			}
		}
		if len(errs) == len(subs.([]any)) {
			return fmt.Errorf("anyOf: %s", strings.Join(errs, "; "))
		}
	}
	if subs, ok := s["oneOf"]; ok {
		n := 0
		for _, sub := range subs.([]any) {
			if validate(root, sub, v) == nil {
				n++
			}
		}
		if n == 0 {
			return fmt.Errorf("oneOf: no branch valid")
		}
	}
	if t, ok := s["type"]; ok {
		var types []any
		if name, ok := t.(string); ok {
			types = []any{name}
		} else {
			types = t.([]any)
		}
		if !slices.ContainsFunc(types, func(t any) bool { return hasType(v, t.(string)) }) {
			return fmt.Errorf("type: %v is not %v", v, types)
		}
	}
	if c, ok := s["const"]; ok && !equal(c, v) {
		return fmt.Errorf("const: %v", v)
	}
	if e, ok := s["enum"]; ok && !slices.ContainsFunc(e.([]any), func(e any) bool { return equal(e, v) }) {
		return fmt.Errorf("enum: %v", v)
	}
	switch v := v.(type) {
	case members:
		return validateProperties(root, s, v)
	case []any:
		if n, ok := s["minItems"]; ok && len(v) < toInt(n) {
			return fmt.Errorf("minItems: %d", len(v))
		}
		if n, ok := s["maxItems"]; ok && len(v) > toInt(n) {
			return fmt.Errorf("maxItems: %d", len(v))
		}
		if items, ok := s["items"]; ok {
			for i, e := range v {
				if err := validate(root, items, e); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
			}
		}
	case string:
		n := utf8.RuneCountInString(v)
		if m, ok := s["minLength"]; ok && n < toInt(m) {
			return fmt.Errorf("minLength: %q", v)
		}
		if m, ok := s["maxLength"]; ok && n > toInt(m) {
			return fmt.Errorf("maxLength: %q", v)
		}
		if p, ok := s["pattern"]; ok && !regexp.MustCompile(p.(string)).MatchString(v) {
			return fmt.Errorf("pattern %s: %q", p, v)
		}
		if f, ok := s["format"]; ok {
			if err := checkFormat(f.(string), v); err != nil {
				return fmt.Errorf("format %s: %q: %w", f, v, err)
			}
		}
	case json.Number:
		x := toRat(v)
		for _, b := range []struct {
			k  string
			ok func(c int) bool
		}{
			{"minimum", func(c int) bool { return c >= 0 }},
			{"maximum", func(c int) bool { return c <= 0 }},
			{"exclusiveMinimum", func(c int) bool { return c > 0 }},
			{"exclusiveMaximum", func(c int) bool { return c < 0 }},
		} {
			bv, ok := s[b.k]
			if !ok {
				continue
			}
			if flag, isBool := bv.(bool); isBool { // draft 4
				if !flag {
					continue
				}
				lim := "minimum"
				if b.k == "exclusiveMaximum" {
					lim = "maximum"
				}
				bv = s[lim]
			}
			if !b.ok(x.Cmp(toRat(bv.(json.Number)))) {
				return fmt.Errorf("%s: %s", b.k, v)
			}
		}
	}
	return nil
}

func validateProperties(root any, s map[string]any, v members) error {
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"]; ok {
		for _, k := range req.([]any) {
			if !slices.ContainsFunc(v, func(m member) bool { return m.name == k.(string) }) {
				return fmt.Errorf("required %q missing", k)
			}
		}
	}
	for _, m := range v {
		k, val := m.name, m.value
		var sub any
		if props != nil {
			sub = props[k]
		}
		if sub == nil {
			ap, ok := s["additionalProperties"]
			if !ok {
				// JSON Schema allows any other property here; package
				// grammar documents that it generates none but the
				// required ones, and this holds it to that.
				req, _ := s["required"].([]any)
				if props != nil && !slices.Contains(req, any(k)) {
					return fmt.Errorf("property %q not in the schema", k)
				}
				continue
			}
			sub = ap
		}
		if err := validate(root, sub, val); err != nil {
			return fmt.Errorf("property %q: %w", k, err)
		}
	}
	return nil
}

func hasType(v any, t string) bool {
	switch t {
	case "integer":
		n, ok := v.(json.Number)
		return ok && toRat(n).IsInt()
	case "number":
		_, ok := v.(json.Number)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "array":
		_, ok := v.([]any)
		return ok
	case "object":
		_, ok := v.(members)
		return ok
	}
	return false
}

func toInt(v any) int {
	n, _ := strconv.Atoi(string(v.(json.Number)))
	return n
}

func toRat(n json.Number) *big.Rat {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return new(big.Rat)
	}
	return r
}

// equal compares a schema's value (const, enum) with a document's as JSON
// Schema does: numbers by value; an object with a repeated name equals
// nothing.
func equal(a, b any) bool {
	if m, ok := b.(members); ok {
		obj := map[string]any{}
		for _, e := range m {
			if _, dup := obj[e.name]; dup {
				return false
			}
			obj[e.name] = e.value
		}
		b = obj
	}
	switch a := a.(type) {
	case json.Number:
		b, ok := b.(json.Number)
		return ok && toRat(a).Cmp(toRat(b)) == 0
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, func(x, y any) bool { return equal(x, y) })
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	}
	return a == b
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func checkFormat(f, v string) error {
	var err error
	switch f {
	case "date":
		_, err = time.Parse(time.DateOnly, v)
	case "time":
		_, err = time.Parse(time.RFC3339Nano, "2000-01-01T"+v)
	case "date-time":
		_, err = time.Parse(time.RFC3339Nano, v)
	case "uuid":
		if !uuidRE.MatchString(v) {
			err = fmt.Errorf("not a UUID")
		}
	case "email":
		var a *mail.Address
		if a, err = mail.ParseAddress(v); err == nil && a.Address != v {
			err = fmt.Errorf("parsed as %q", a.Address)
		}
	case "ipv4":
		if ip := net.ParseIP(v); ip == nil || ip.To4() == nil || strings.Contains(v, ":") {
			err = fmt.Errorf("not an IPv4 address")
		}
	default:
		err = fmt.Errorf("unknown format")
	}
	return err
}
