package grammar

import (
	"encoding/json"
	"math/big"
	"strconv"
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

// checkObject checks v against every keyword of the schema object s at
// n.
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
