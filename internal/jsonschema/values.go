package jsonschema

import (
	"encoding/json"
	"math/big"
	"slices"
)

// hasType reports whether a document value is of the type named t.
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
