package jsonschema

import (
	"fmt"
	"slices"
)

// array applies the array keywords of s to arr, collecting the items they
// evaluate.
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

// has reports whether the object has a member named name.
func (obj members) has(name string) bool {
	return slices.ContainsFunc(obj, func(m member) bool { return m.name == name })
}

// object applies the object keywords of s to obj, collecting the
// properties they evaluate.
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
