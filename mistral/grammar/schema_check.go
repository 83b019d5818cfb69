package grammar

import (
	"encoding/json"
	"math/big"
	"strconv"
	"unicode/utf8"
)

// tri is the answer of a check: no, yes, or unknown when the compiler
// cannot tell (a format it writes only part of, unevaluatedProperties).
type tri int8

const (
	no tri = iota
	yes
	unknown
)

func triOf(b bool) tri {
	if b {
		return yes
	}
	return no
}

func (t tri) not() tri {
	switch t {
	case yes:
		return no
	case no:
		return yes
	}
	return unknown
}

// and returns t and u, deciding no as soon as one is no.
func (t tri) and(u tri) tri {
	switch {
	case t == no || u == no:
		return no
	case t == yes && u == yes:
		return yes
	}
	return unknown
}

func (t tri) or(u tri) tri { return t.not().and(u.not()).not() }

// checkAlt checks the value v of a schema (a constant of the document)
// against every element of a.
func (c *schemaCompiler) checkAlt(v any, a alternative) tri {
	r := yes
	for _, e := range a {
		if r = r.and(c.check(v, e.n, 0)); r == no {
			return no
		}
	}
	return r
}

// check checks the value v, a constant of the schema document (const,
// enum, a property name), against the schema n, as a validator would.
func (c *schemaCompiler) check(v any, n snode, depth int) tri {
	if c.checks++; c.checks > maxChecks || depth > maxExpandDepth {
		return unknown
	}
	switch s := n.v.(type) {
	case bool:
		return triOf(s)
	case negation:
		return c.check(v, s.of, depth+1).not()
	case typeSet:
		return triOf(s&typeOfValue(v) != 0)
	case excluded:
		for _, x := range s.values {
			if jsonEqual(x, v) {
				return no
			}
		}
		return yes
	case *jsonObject:
		return c.checkObject(v, n, s, depth)
	}
	return unknown
}

func (c *schemaCompiler) checkObject(v any, n snode, s *jsonObject, depth int) tri {
	r := yes
	sub := func(t tri) bool { r = r.and(t); return r == no }
	child := func(path ...string) snode { return c.child(n, path...) }
	for _, k := range s.keys {
		kv := s.vals[k]
		switch k {
		case "$ref":
			target, err := c.resolve(n, kv)
			if err != nil {
				return unknown
			}
			if sub(c.check(v, target, depth+1)) {
				return no
			}
		case "allOf", "anyOf", "oneOf":
			subs, _ := kv.([]any)
			var results []tri
			for i := range subs {
				results = append(results, c.check(v, child(k, strconv.Itoa(i)), depth+1))
			}
			if sub(combine(k, results)) {
				return no
			}
		case "not":
			if sub(c.check(v, child(k), depth+1).not()) {
				return no
			}
		case "if":
			cond := c.check(v, child("if"), depth+1)
			then, els := yes, yes
			if _, ok := s.vals["then"]; ok {
				then = c.check(v, child("then"), depth+1)
			}
			if _, ok := s.vals["else"]; ok {
				els = c.check(v, child("else"), depth+1)
			}
			if sub(cond.and(then).or(cond.not().and(els))) {
				return no
			}
		case "type":
			ts, err := c.typeOf(n, s)
			if err != nil {
				return unknown
			}
			if sub(triOf(ts&typeOfValue(v) != 0)) {
				return no
			}
		case "const":
			if sub(triOf(jsonEqual(kv, v))) {
				return no
			}
		case "enum":
			vs, _ := kv.([]any)
			in := false
			for _, x := range vs {
				in = in || jsonEqual(x, v)
			}
			if sub(triOf(in)) {
				return no
			}
		case "unevaluatedProperties", "unevaluatedItems":
			// What is unevaluated depends on the annotations of the
			// other keywords: not worked out here.
			if t := typeKeywords[k]; typeOfValue(v) == t && kv != true {
				r = r.and(unknown)
			}
		default:
			if sub(c.checkKeyword(v, n, s, k, depth)) {
				return no
			}
		}
	}
	return r
}

// combine decides allOf, anyOf or oneOf from the checks of their schemas.
func combine(k string, results []tri) tri {
	switch k {
	case "allOf":
		r := yes
		for _, t := range results {
			r = r.and(t)
		}
		return r
	case "anyOf":
		r := no
		for _, t := range results {
			r = r.or(t)
		}
		return r
	}
	yesCount, unknownCount := 0, 0
	for _, t := range results {
		switch t {
		case yes:
			yesCount++
		case unknown:
			unknownCount++
		}
	}
	switch {
	case yesCount > 1:
		return no
	case unknownCount > 0:
		return unknown
	}
	return triOf(yesCount == 1)
}

// checkKeyword checks v against one keyword of s that constrains a type.
func (c *schemaCompiler) checkKeyword(v any, n snode, s *jsonObject, k string, depth int) tri {
	switch x := v.(type) {
	case json.Number:
		return checkNumber(x, s, k)
	case string:
		return c.checkString(x, s, k)
	case []any:
		return c.checkArray(x, n, s, k, depth)
	case *jsonObject:
		return c.checkProperties(x, n, s, k, depth)
	}
	return yes
}

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

// typeOfValue returns the type of a value of the schema document.
func typeOfValue(v any) typeSet {
	switch jsonType(v) {
	case "null":
		return tNull
	case "boolean":
		return tBool
	case "integer":
		return tInt
	case "number":
		return tFrac
	case "string":
		return tString
	case "array":
		return tArray
	}
	return tObject
}

// jsonEqual compares two values of the schema document as JSON Schema
// does: numbers by value, objects whatever the order of their keys.
func jsonEqual(a, b any) bool {
	switch a := a.(type) {
	case json.Number:
		b, ok := b.(json.Number)
		if !ok {
			return false
		}
		x, okx := new(big.Rat).SetString(string(a))
		y, oky := new(big.Rat).SetString(string(b))
		return okx && oky && x.Cmp(y) == 0
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !jsonEqual(a[i], b[i]) {
				return false
			}
		}
		return true
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
	case string, bool, nil:
		return a == b
	}
	return false
}
