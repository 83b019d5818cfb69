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

// validate applies schema n to inst, returning what it evaluated of
// inst when it is valid.
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

// numberAssertions checks the number x against the bounds and multipleOf
// of s.
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

// stringAssertions checks str against the lengths, pattern and format of
// s.
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
