package grammar

import (
	"encoding/json"
	"fmt"
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

// validate checks the JSON value v (as decodeJSON reads it) against the
// schema s of document root, for the keywords JSONSchema supports. It is
// written from the JSON Schema specification, independently of the
// compiler, to check what the grammars generate.
func validate(root, s, v any) error {
	switch s := s.(type) {
	case bool:
		if !s {
			return fmt.Errorf("schema false")
		}
		return nil
	case *jsonObject:
		return validateObject(root, s, v)
	}
	return fmt.Errorf("bad schema %T", s)
}

func validateObject(root any, s *jsonObject, v any) error {
	get := func(k string) (any, bool) { return s.get(k) }
	if r, ok := get("$ref"); ok {
		target := root
		for _, tok := range strings.Split(strings.TrimPrefix(r.(string), "#"), "/")[1:] {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			target = target.(*jsonObject).vals[tok]
		}
		if err := validate(root, target, v); err != nil {
			return fmt.Errorf("$ref %s: %w", r, err)
		}
	}
	if subs, ok := get("allOf"); ok {
		for _, sub := range subs.([]any) {
			if err := validate(root, sub, v); err != nil {
				return err
			}
		}
	}
	if subs, ok := get("anyOf"); ok {
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
	if subs, ok := get("oneOf"); ok {
		n := 0
		for _, sub := range subs.([]any) {
			if validate(root, sub, v) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("oneOf: %d branches valid", n)
		}
	}
	if t, ok := get("type"); ok {
		var types []any
		if name, ok := t.(string); ok {
			types = []any{name}
		} else {
			types = t.([]any)
		}
		if !slices.ContainsFunc(types, func(t any) bool { return hasType(v, t.(string)) }) {
			return fmt.Errorf("type: %s is not %v", encodeJSON(v), types)
		}
	}
	if c, ok := get("const"); ok && !jsonEqual(c, v) {
		return fmt.Errorf("const: %s", encodeJSON(v))
	}
	if e, ok := get("enum"); ok && !slices.ContainsFunc(e.([]any), func(e any) bool { return jsonEqual(e, v) }) {
		return fmt.Errorf("enum: %s", encodeJSON(v))
	}
	switch v := v.(type) {
	case *jsonObject:
		return validateProperties(root, s, v)
	case []any:
		if n, ok := get("minItems"); ok && len(v) < toInt(n) {
			return fmt.Errorf("minItems: %d", len(v))
		}
		if n, ok := get("maxItems"); ok && len(v) > toInt(n) {
			return fmt.Errorf("maxItems: %d", len(v))
		}
		if items, ok := get("items"); ok {
			for i, e := range v {
				if err := validate(root, items, e); err != nil {
					return fmt.Errorf("item %d: %w", i, err)
				}
			}
		}
	case string:
		n := utf8.RuneCountInString(v)
		if m, ok := get("minLength"); ok && n < toInt(m) {
			return fmt.Errorf("minLength: %q", v)
		}
		if m, ok := get("maxLength"); ok && n > toInt(m) {
			return fmt.Errorf("maxLength: %q", v)
		}
		if p, ok := get("pattern"); ok && !regexp.MustCompile(p.(string)).MatchString(v) {
			return fmt.Errorf("pattern %s: %q", p, v)
		}
		if f, ok := get("format"); ok {
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
			bv, ok := get(b.k)
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
				bv = s.vals[lim]
			}
			if !b.ok(x.Cmp(toRat(bv.(json.Number)))) {
				return fmt.Errorf("%s: %s", b.k, v)
			}
		}
	}
	return nil
}

func validateProperties(root any, s *jsonObject, v *jsonObject) error {
	props, _ := s.vals["properties"].(*jsonObject)
	if req, ok := s.get("required"); ok {
		for _, k := range req.([]any) {
			if _, ok := v.get(k.(string)); !ok {
				return fmt.Errorf("required %q missing", k)
			}
		}
	}
	for _, k := range v.keys {
		var sub any
		if props != nil {
			sub = props.vals[k]
		}
		if sub == nil {
			ap, ok := s.get("additionalProperties")
			if !ok {
				continue
			}
			sub = ap
		}
		if err := validate(root, sub, v.vals[k]); err != nil {
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
	}
	return jsonType(v) == t
}

func toInt(v any) int {
	n, _ := strconv.Atoi(string(v.(json.Number)))
	return n
}

func toRat(n json.Number) *big.Rat {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		panic("bad number " + n)
	}
	return r
}

// jsonEqual compares JSON values as JSON Schema does: numbers by value,
// objects regardless of key order.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		b, ok := b.(json.Number)
		return ok && toRat(a).Cmp(toRat(b)) == 0
	case []any:
		b, ok := b.([]any)
		return ok && slices.EqualFunc(a, b, jsonEqual)
	case *jsonObject:
		b, ok := b.(*jsonObject)
		if !ok || len(a.keys) != len(b.keys) {
			return false
		}
		for _, k := range a.keys {
			bv, ok := b.vals[k]
			if !ok || !jsonEqual(a.vals[k], bv) {
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
