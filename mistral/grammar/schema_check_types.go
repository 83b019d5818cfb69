package grammar

import (
	"encoding/json"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// checkNumber checks the number x against keyword k of s.
func checkNumber(x json.Number, s *jsonObject, k string) tri {
	r, ok := new(big.Rat).SetString(string(x))
	if !ok {
		return unknown
	}
	bound := func(key string) (*big.Rat, bool) {
		b, ok := s.vals[key].(json.Number)
		if !ok {
			return nil, false
		}
		q, ok := new(big.Rat).SetString(string(b))
		return q, ok
	}
	switch k {
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		if flag, ok := s.vals[k].(bool); ok { // draft 4
			if !flag {
				return yes
			}
			k = map[string]string{"exclusiveMinimum": "minimum", "exclusiveMaximum": "maximum"}[k]
			b, ok := bound(k)
			if !ok {
				return unknown
			}
			cmp := r.Cmp(b)
			return triOf(k == "minimum" && cmp > 0 || k == "maximum" && cmp < 0)
		}
		b, ok := bound(k)
		if !ok {
			return unknown
		}
		cmp := r.Cmp(b)
		switch k {
		case "minimum":
			return triOf(cmp >= 0)
		case "maximum":
			return triOf(cmp <= 0)
		case "exclusiveMinimum":
			return triOf(cmp > 0)
		}
		return triOf(cmp < 0)
	case "multipleOf":
		m, ok := bound(k)
		if !ok || m.Sign() <= 0 {
			return unknown
		}
		return triOf(new(big.Rat).Quo(r, m).IsInt())
	}
	return yes
}

// checkString checks the string x against keyword k of s.
func (c *schemaCompiler) checkString(x string, s *jsonObject, k string) tri {
	switch k {
	case "minLength", "maxLength":
		m, ok := countValue(s.vals[k])
		if !ok {
			return unknown
		}
		n := utf8.RuneCountInString(x)
		return triOf(k == "minLength" && n >= m || k == "maxLength" && n <= m)
	case "pattern":
		p, _ := s.vals[k].(string)
		re, err := ecmaPattern(p)
		if err != nil {
			return unknown
		}
		return triOf(re.MatchString(x))
	case "format":
		f, _ := s.vals[k].(string)
		e, ok := formatExpr(f)
		if !ok {
			return unknown
		}
		// The grammar of a format holds only valid strings, not all.
		if exprMatches(e, x) {
			return yes
		}
		return unknown
	}
	return yes
}

// checkArray checks the array x against keyword k of s, at n.
func (c *schemaCompiler) checkArray(x []any, n snode, s *jsonObject, k string, depth int) tri {
	switch k {
	case "minItems", "maxItems":
		m, ok := countValue(s.vals[k])
		if !ok {
			return unknown
		}
		return triOf(k == "minItems" && len(x) >= m || k == "maxItems" && len(x) <= m)
	case "uniqueItems":
		if s.vals[k] != true {
			return yes
		}
		for i := range x {
			for j := range i {
				if jsonEqual(x[i], x[j]) {
					return no
				}
			}
		}
		return yes
	case "prefixItems", "items":
		prefix, _ := s.vals["prefixItems"].([]any)
		r := yes
		for i, e := range x {
			switch {
			case k == "prefixItems" && i < len(prefix):
				r = r.and(c.check(e, c.child(n, k, strconv.Itoa(i)), depth+1))
			case k == "items" && i >= len(prefix):
				r = r.and(c.check(e, c.child(n, k), depth+1))
			}
		}
		return r
	case "contains", "minContains", "maxContains":
		if k != "contains" {
			return yes // checked with contains
		}
		lo, hi := 1, len(x)
		if m, ok := countValue(s.vals["minContains"]); ok {
			lo = m
		}
		if m, ok := countValue(s.vals["maxContains"]); ok {
			hi = m
		}
		matched, unsure := 0, 0
		for _, e := range x {
			switch c.check(e, c.child(n, k), depth+1) {
			case yes:
				matched++
			case unknown:
				unsure++
			}
		}
		switch {
		case matched+unsure < lo || matched > hi:
			return no
		case unsure > 0:
			return unknown
		}
		return yes
	}
	return yes
}

// checkProperties checks the object x against keyword k of s, at n.
func (c *schemaCompiler) checkProperties(x *jsonObject, n snode, s *jsonObject, k string, depth int) tri {
	switch k {
	case "minProperties", "maxProperties":
		m, ok := countValue(s.vals[k])
		if !ok {
			return unknown
		}
		return triOf(k == "minProperties" && len(x.keys) >= m || k == "maxProperties" && len(x.keys) <= m)
	case "required":
		return triOf(hasAll(x, s.vals[k]))
	case "dependentRequired":
		deps, _ := s.vals[k].(*jsonObject)
		if deps == nil {
			return unknown
		}
		for _, name := range deps.keys {
			if _, ok := x.vals[name]; ok && !hasAll(x, deps.vals[name]) {
				return no
			}
		}
		return yes
	case "dependentSchemas":
		deps, _ := s.vals[k].(*jsonObject)
		if deps == nil {
			return unknown
		}
		r := yes
		for _, name := range deps.keys {
			if _, ok := x.vals[name]; ok {
				r = r.and(c.check(x, c.child(n, k, name), depth+1))
			}
		}
		return r
	case "propertyNames":
		r := yes
		for _, name := range x.keys {
			r = r.and(c.check(name, c.child(n, k), depth+1))
		}
		return r
	case "properties", "patternProperties", "additionalProperties":
		props, _ := s.vals["properties"].(*jsonObject)
		patterns, _ := s.vals["patternProperties"].(*jsonObject)
		_, hasAddl := s.vals["additionalProperties"]
		// The three are checked together, at the first of them.
		if k == "patternProperties" && props != nil || k == "additionalProperties" && (props != nil || patterns != nil) {
			return yes
		}
		r := yes
		for _, name := range x.keys {
			matched := false
			if props != nil {
				if _, ok := props.vals[name]; ok {
					matched = true
					r = r.and(c.check(x.vals[name], c.child(n, "properties", name), depth+1))
				}
			}
			if patterns != nil {
				for _, p := range patterns.keys {
					re, err := ecmaPattern(p)
					if err != nil {
						return unknown
					}
					if re.MatchString(name) {
						matched = true
						r = r.and(c.check(x.vals[name], c.child(n, "patternProperties", p), depth+1))
					}
				}
			}
			if !matched && hasAddl {
				r = r.and(c.check(x.vals[name], c.child(n, "additionalProperties"), depth+1))
			}
		}
		return r
	}
	return yes
}

// hasAll reports whether object x has every name of the array names.
func hasAll(x *jsonObject, names any) bool {
	list, _ := names.([]any)
	for _, r := range list {
		name, _ := r.(string)
		if _, ok := x.vals[name]; !ok {
			return false
		}
	}
	return true
}
