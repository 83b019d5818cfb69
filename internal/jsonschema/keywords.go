package jsonschema

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"unicode/utf8"
)

// invalidError is a document that does not satisfy a keyword; any other
// error is a schema this package cannot use, and stops validation.
type invalidError struct{ msg string }

func (e *invalidError) Error() string { return "jsonschema: " + e.msg }

func invalid(format string, args ...any) error {
	return &invalidError{fmt.Sprintf(format, args...)}
}

func isInvalid(err error) bool {
	var ie *invalidError
	return errors.As(err, &ie)
}

// annotations are what a valid schema evaluated of an object or an array,
// for unevaluatedProperties and unevaluatedItems.
type annotations struct {
	props     map[string]bool
	items     int  // items 0 to items-1
	allItems  bool // every item
	contained map[int]bool
}

func (a *annotations) add(b annotations) {
	for k := range b.props {
		a.prop(k)
	}
	a.items = max(a.items, b.items)
	a.allItems = a.allItems || b.allItems
	for i := range b.contained {
		if a.contained == nil {
			a.contained = map[int]bool{}
		}
		a.contained[i] = true
	}
}

func (a *annotations) prop(k string) {
	if a.props == nil {
		a.props = map[string]bool{}
	}
	a.props[k] = true
}

// maxDepth bounds the nesting of schemas applied to one instance: a $ref
// cycle that reads nothing of the instance.
const maxDepth = 256

type validator struct{ s *Schema }

func (v *validator) validate(n node, inst any, depth int) (annotations, error) {
	var ann annotations
	if depth > maxDepth {
		return ann, fmt.Errorf("jsonschema: schemas nested more than %d deep for one value (a $ref cycle?)", maxDepth)
	}
	switch s := n.v.(type) {
	case bool:
		if !s {
			return ann, invalid("schema false")
		}
		return ann, nil
	case map[string]any:
		n.base = n.inside()
		sub := func(k string, v any) node { return node{v, n.base} }
		if err := v.applicators(n, s, sub, inst, depth, &ann); err != nil {
			return ann, err
		}
		if err := v.assertions(s, inst); err != nil {
			return ann, err
		}
		switch inst := inst.(type) {
		case members:
			if err := v.object(s, sub, inst, depth, &ann); err != nil {
				return ann, err
			}
		case []any:
			if err := v.array(s, sub, inst, depth, &ann); err != nil {
				return ann, err
			}
		}
		return ann, nil
	}
	return ann, fmt.Errorf("jsonschema: a schema must be an object or a boolean, not %T", n.v)
}

// applicators applies the keywords that apply subschemas to the instance
// itself, collecting the annotations of those that pass.
func (v *validator) applicators(n node, s map[string]any, sub func(string, any) node, inst any, depth int, ann *annotations) error {
	if r, ok := s["$ref"].(string); ok {
		target, err := v.s.resolve(n.base, r)
		if err != nil {
			return err
		}
		a, err := v.validate(target, inst, depth+1)
		if err != nil {
			return err
		}
		ann.add(a)
	}
	if subs, ok := s["allOf"].([]any); ok {
		for _, x := range subs {
			a, err := v.validate(sub("allOf", x), inst, depth+1)
			if err != nil {
				return err
			}
			ann.add(a)
		}
	}
	for _, k := range []string{"anyOf", "oneOf"} {
		subs, ok := s[k].([]any)
		if !ok {
			continue
		}
		valid := 0
		for _, x := range subs {
			a, err := v.validate(sub(k, x), inst, depth+1)
			if err != nil && !isInvalid(err) {
				return err
			}
			if err == nil {
				valid++
				ann.add(a)
			}
		}
		if valid == 0 {
			return invalid("%s: no schema is valid", k)
		}
		if k == "oneOf" && valid > 1 {
			return invalid("oneOf: %d schemas are valid", valid)
		}
	}
	if x, ok := s["not"]; ok {
		_, err := v.validate(sub("not", x), inst, depth+1)
		if err == nil {
			return invalid("not: the schema is valid")
		}
		if !isInvalid(err) {
			return err
		}
	}
	if x, ok := s["if"]; ok {
		a, err := v.validate(sub("if", x), inst, depth+1)
		if err != nil && !isInvalid(err) {
			return err
		}
		branch := "then"
		if err == nil {
			ann.add(a)
		} else {
			branch = "else"
		}
		if y, ok := s[branch]; ok {
			a, err := v.validate(sub(branch, y), inst, depth+1)
			if err != nil {
				return err
			}
			ann.add(a)
		}
	}
	if deps, ok := s["dependentSchemas"].(map[string]any); ok {
		if obj, ok := inst.(members); ok {
			for name, x := range deps {
				if obj.has(name) {
					a, err := v.validate(sub("dependentSchemas", x), inst, depth+1)
					if err != nil {
						return err
					}
					ann.add(a)
				}
			}
		}
	}
	return nil
}

// assertions checks the keywords on the instance's own value.
func (v *validator) assertions(s map[string]any, inst any) error {
	if t, ok := s["type"]; ok {
		var types []any
		if name, ok := t.(string); ok {
			types = []any{name}
		} else if types, ok = t.([]any); !ok {
			return fmt.Errorf("jsonschema: type must be a string or an array")
		}
		if !slices.ContainsFunc(types, func(t any) bool { return hasType(inst, t) }) {
			return invalid("type: the value is not %v", types)
		}
	}
	if c, ok := s["const"]; ok && !equal(c, inst) {
		return invalid("const")
	}
	if e, ok := s["enum"]; ok {
		values, ok := e.([]any)
		if !ok {
			return fmt.Errorf("jsonschema: enum must be an array")
		}
		if !slices.ContainsFunc(values, func(e any) bool { return equal(e, inst) }) {
			return invalid("enum")
		}
	}
	switch inst := inst.(type) {
	case json.Number:
		return numberAssertions(s, toRat(inst))
	case string:
		return stringAssertions(s, inst)
	}
	return nil
}

// draft4Bound is the bound a draft 4 boolean exclusiveMinimum or
// exclusiveMaximum makes exclusive.
var draft4Bound = map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}

func numberAssertions(s map[string]any, x *big.Rat) error {
	limit := func(k string) (*big.Rat, bool, error) {
		bv, ok := s[k]
		if !ok {
			return nil, false, nil
		}
		if flag, isBool := bv.(bool); isBool { // draft 4: exclusiveMinimum true makes minimum exclusive
			if !flag {
				return nil, false, nil
			}
			if bv, ok = s[draft4Bound[k]]; !ok {
				return nil, false, nil
			}
		}
		n, ok := bv.(json.Number)
		if !ok {
			return nil, false, fmt.Errorf("jsonschema: %s must be a number", k)
		}
		return toRat(n), true, nil
	}
	for _, b := range []struct {
		k  string
		ok func(c int) bool
	}{
		{"minimum", func(c int) bool { return c >= 0 }},
		{"maximum", func(c int) bool { return c <= 0 }},
		{"exclusiveMinimum", func(c int) bool { return c > 0 }},
		{"exclusiveMaximum", func(c int) bool { return c < 0 }},
	} {
		r, ok, err := limit(b.k)
		if err != nil {
			return err
		}
		if ok && !b.ok(x.Cmp(r)) {
			return invalid("%s %s: %s", b.k, r.RatString(), x.RatString())
		}
	}
	if m, ok := s["multipleOf"].(json.Number); ok {
		q := new(big.Rat).Quo(x, toRat(m))
		if !q.IsInt() {
			return invalid("multipleOf %s: %s", m, x.RatString())
		}
	}
	return nil
}

func stringAssertions(s map[string]any, str string) error {
	n := utf8.RuneCountInString(str)
	if m, ok := s["minLength"]; ok && n < toInt(m) {
		return invalid("minLength: %q", str)
	}
	if m, ok := s["maxLength"]; ok && n > toInt(m) {
		return invalid("maxLength: %q", str)
	}
	if p, ok := s["pattern"].(string); ok {
		re, err := ecmaRegexp(p)
		if err != nil {
			return fmt.Errorf("jsonschema: pattern %q: %w", p, err)
		}
		if !re.MatchString(str) {
			return invalid("pattern %s: %q", p, str)
		}
	}
	if f, ok := s["format"].(string); ok {
		if err := checkFormat(f, str); err != nil {
			if isInvalid(err) {
				return invalid("format %s: %q: %v", f, str, err)
			}
			return err
		}
	}
	return nil
}

func (v *validator) array(s map[string]any, sub func(string, any) node, arr []any, depth int, ann *annotations) error {
	if m, ok := s["minItems"]; ok && len(arr) < toInt(m) {
		return invalid("minItems: %d", len(arr))
	}
	if m, ok := s["maxItems"]; ok && len(arr) > toInt(m) {
		return invalid("maxItems: %d", len(arr))
	}
	if u, ok := s["uniqueItems"].(bool); ok && u {
		for i := range arr {
			for j := range i {
				if sameValue(arr[i], arr[j]) {
					return invalid("uniqueItems: items %d and %d are equal", j, i)
				}
			}
		}
	}
	prefix := 0
	if x, ok := s["items"]; ok {
		if _, tuple := x.([]any); tuple {
			return fmt.Errorf("%w: items as an array (draft 2019 and before)", ErrUnsupported)
		}
	}
	if subs, ok := s["prefixItems"].([]any); ok {
		for i, x := range subs {
			if i >= len(arr) {
				break
			}
			if _, err := v.validate(sub("prefixItems", x), arr[i], depth+1); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		prefix = min(len(subs), len(arr))
		ann.items = max(ann.items, prefix)
	}
	if x, ok := s["items"]; ok {
		for i := prefix; i < len(arr); i++ {
			if _, err := v.validate(sub("items", x), arr[i], depth+1); err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		ann.allItems = true
	}
	if x, ok := s["contains"]; ok {
		count := 0
		for i, e := range arr {
			_, err := v.validate(sub("contains", x), e, depth+1)
			if err != nil && !isInvalid(err) {
				return err
			}
			if err == nil {
				count++
				if ann.contained == nil {
					ann.contained = map[int]bool{}
				}
				ann.contained[i] = true
			}
		}
		lo := 1
		if m, ok := s["minContains"]; ok {
			lo = toInt(m)
		}
		if count < lo {
			return invalid("contains: %d items match, want at least %d", count, lo)
		}
		if m, ok := s["maxContains"]; ok && count > toInt(m) {
			return invalid("maxContains: %d items match", count)
		}
	}
	if x, ok := s["unevaluatedItems"]; ok {
		for i, e := range arr {
			if ann.allItems || i < ann.items || ann.contained[i] {
				continue
			}
			if _, err := v.validate(sub("unevaluatedItems", x), e, depth+1); err != nil {
				return fmt.Errorf("unevaluated item %d: %w", i, err)
			}
		}
		ann.allItems = true
	}
	return nil
}

func (obj members) has(name string) bool {
	return slices.ContainsFunc(obj, func(m member) bool { return m.name == name })
}

func (v *validator) object(s map[string]any, sub func(string, any) node, obj members, depth int, ann *annotations) error {
	names := map[string]bool{}
	for _, m := range obj {
		names[m.name] = true
	}
	if m, ok := s["minProperties"]; ok && len(names) < toInt(m) {
		return invalid("minProperties: %d", len(names))
	}
	if m, ok := s["maxProperties"]; ok && len(obj) > toInt(m) {
		return invalid("maxProperties: %d", len(obj))
	}
	if req, ok := s["required"].([]any); ok {
		for _, k := range req {
			if !names[k.(string)] {
				return invalid("required %q missing", k)
			}
		}
	}
	if deps, ok := s["dependentRequired"].(map[string]any); ok {
		for k, req := range deps {
			if !names[k] {
				continue
			}
			for _, r := range req.([]any) {
				if !names[r.(string)] {
					return invalid("dependentRequired: %q needs %q", k, r)
				}
			}
		}
	}
	if pn, ok := s["propertyNames"]; ok {
		for _, m := range obj {
			if _, err := v.validate(sub("propertyNames", pn), m.name, depth+1); err != nil {
				return fmt.Errorf("property name %q: %w", m.name, err)
			}
		}
	}
	props, _ := s["properties"].(map[string]any)
	patterns, _ := s["patternProperties"].(map[string]any)
	addl, hasAddl := s["additionalProperties"]
	for _, m := range obj {
		matched := false
		if x, ok := props[m.name]; ok {
			matched = true
			if _, err := v.validate(sub("properties", x), m.value, depth+1); err != nil {
				return fmt.Errorf("property %q: %w", m.name, err)
			}
		}
		for p, x := range patterns {
			re, err := ecmaRegexp(p)
			if err != nil {
				return fmt.Errorf("jsonschema: patternProperties %q: %w", p, err)
			}
			if re.MatchString(m.name) {
				matched = true
				if _, err := v.validate(sub("patternProperties", x), m.value, depth+1); err != nil {
					return fmt.Errorf("property %q (pattern %s): %w", m.name, p, err)
				}
			}
		}
		if !matched && hasAddl {
			matched = true
			if _, err := v.validate(sub("additionalProperties", addl), m.value, depth+1); err != nil {
				return fmt.Errorf("additional property %q: %w", m.name, err)
			}
		}
		if matched {
			ann.prop(m.name)
		}
	}
	if x, ok := s["unevaluatedProperties"]; ok {
		for _, m := range obj {
			if ann.props[m.name] {
				continue
			}
			if _, err := v.validate(sub("unevaluatedProperties", x), m.value, depth+1); err != nil {
				return fmt.Errorf("unevaluated property %q: %w", m.name, err)
			}
		}
		for _, m := range obj {
			ann.prop(m.name)
		}
	}
	return nil
}

func hasType(v any, t any) bool {
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

// toInt reads a count keyword, an integer possibly written as 2.0.
func toInt(v any) int {
	n, _ := v.(json.Number)
	r := toRat(n)
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0
	}
	return int(r.Num().Int64())
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

// sameValue compares two values of a document for uniqueItems: objects
// by the last value of each name, as a JSON decoder keeps them.
func sameValue(a, b any) bool { return equal(plain(a), plain(b)) }

// plain turns the objects of a document value into maps, the last member
// of each name winning.
func plain(v any) any {
	switch v := v.(type) {
	case members:
		m := make(map[string]any, len(v))
		for _, e := range v {
			m[e.name] = plain(e.value)
		}
		return m
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = plain(e)
		}
		return out
	}
	return v
}
