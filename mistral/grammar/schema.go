package grammar

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// SchemaOptions shape the grammar of JSONSchema. The zero value allows up
// to DefaultMaxSpace white space characters before the document and
// between its tokens.
type SchemaOptions struct {
	// MaxSpace is the most white space characters allowed before the
	// document and between two of its tokens. Zero means DefaultMaxSpace.
	MaxSpace int
	// Compact allows no white space, except before the document.
	Compact bool
}

// JSONSchema compiles a JSON Schema into the grammar of the JSON documents
// it describes: every sentence of the grammar is valid against the
// schema. The package documentation lists the keywords it supports and how
// it reads them; any other keyword is an error (*SchemaError wrapping
// ErrUnsupported) naming it and where it is, except the purely descriptive
// ones, which are ignored: title, description, examples, default,
// $schema, $id, $comment, readOnly, writeOnly and deprecated.
func JSONSchema(schema []byte, opt SchemaOptions) (*Grammar, error) {
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, &SchemaError{Msg: "invalid JSON: " + err.Error()}
	}
	before, between := JSONOptions{MaxSpace: opt.MaxSpace, Compact: opt.Compact}.space()
	c := &schemaCompiler{doc: doc, refs: map[string]string{}, names: map[string]bool{}, between: between}
	c.rule("root") // reserve the name
	body, err := c.schema(doc, "", "doc")
	if err != nil {
		return nil, err
	}
	c.rules[0].body = seq(repeat(chars(" \t\n\r"), 0, before), body)
	return newGrammar(c.used(), "root")
}

// used returns the rules reachable from the root, which is first.
func (c *schemaCompiler) used() []*rule {
	index := map[string]*rule{}
	for _, r := range c.rules {
		index[r.name] = r
	}
	reached := map[string]bool{c.rules[0].name: true}
	work := []*rule{c.rules[0]}
	for len(work) > 0 {
		r := work[len(work)-1]
		work = work[:len(work)-1]
		r.body.walk(func(e *expr) {
			if e.kind == exprRef && !reached[e.text] {
				reached[e.text] = true
				work = append(work, index[e.text])
			}
		})
	}
	var out []*rule
	for _, r := range c.rules {
		if reached[r.name] {
			out = append(out, r)
		}
	}
	return out
}

// schemaCompiler turns a schema into rules.
type schemaCompiler struct {
	doc     any
	rules   []*rule
	names   map[string]bool   // rule names taken
	refs    map[string]string // JSON pointer of a $ref target → its rule
	between int               // white space allowed between tokens
	wsRule  bool              // rule ws is defined
	anyName string            // the rule of any JSON value, once defined
}

// Keywords by what the compiler does with them.
var (
	descriptiveKeywords = []string{"title", "description", "examples", "default", "$schema", "$id", "$comment", "readOnly", "writeOnly", "deprecated"}
	// Containers of definitions: read when a $ref points into them.
	definitionKeywords = []string{"$defs", "definitions"}
	// Keywords by the type they constrain.
	typeKeywords = map[string][]string{
		"object":  {"properties", "required", "additionalProperties"},
		"array":   {"items", "prefixItems", "minItems", "maxItems", "uniqueItems"},
		"string":  {"minLength", "maxLength", "pattern", "format"},
		"number":  {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
		"integer": {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"},
	}
	otherKeywords = []string{"type", "enum", "const", "anyOf", "oneOf", "allOf", "$ref"}
	schemaTypes   = []string{"null", "boolean", "object", "array", "string", "number", "integer"}
)

func (c *schemaCompiler) fail(ptr, keyword, format string, args ...any) error {
	return &SchemaError{Pointer: ptr, Keyword: keyword, Msg: fmt.Sprintf(format, args...)}
}

func (c *schemaCompiler) unsupported(ptr, keyword, format string, args ...any) error {
	return &SchemaError{Pointer: ptr, Keyword: keyword, Msg: fmt.Sprintf(format, args...), Err: ErrUnsupported}
}

// rule adds a rule with a name made from hint, unique, and returns it.
func (c *schemaCompiler) rule(hint string) *rule {
	var b strings.Builder
	for _, r := range hint {
		if isNameChar(r) && r < 0x80 {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if base == "" || !isNameStart(rune(base[0])) {
		base = "s-" + base
	}
	name := base
	for i := 2; c.names[name]; i++ {
		name = base + "-" + strconv.Itoa(i)
	}
	c.names[name] = true
	r := &rule{name: name}
	c.rules = append(c.rules, r)
	return r
}

// ws returns a reference to the white space allowed between tokens.
func (c *schemaCompiler) ws() *expr {
	if c.between == 0 {
		return empty()
	}
	if !c.wsRule {
		c.wsRule = true
		r := c.rule("ws")
		r.body = repeat(chars(" \t\n\r"), 0, c.between)
		return ref(r.name)
	}
	return ref("ws")
}

// schema returns the expression of the JSON values valid against the
// schema s at JSON pointer ptr; name is a hint for the rules it makes.
func (c *schemaCompiler) schema(s any, ptr, name string) (*expr, error) {
	switch s := s.(type) {
	case bool:
		if !s {
			return nil, c.fail(ptr, "", "schema false: no value is valid")
		}
		return c.anyValue(), nil
	case *jsonObject:
		return c.schemaObject(s, ptr, name)
	}
	return nil, c.fail(ptr, "", "a schema must be an object or a boolean, not %s", jsonType(s))
}

// schemaObject returns the expression of the values valid against the schema
// object s.
func (c *schemaCompiler) schemaObject(s *jsonObject, ptr, name string) (*expr, error) {
	// Sort the keywords out; anything unknown is an error.
	var constraints []string // keywords that constrain the value
	for _, k := range s.keys {
		switch {
		case slices.Contains(descriptiveKeywords, k), slices.Contains(definitionKeywords, k):
			continue
		case slices.Contains(otherKeywords, k):
		default:
			known := false
			for _, ks := range typeKeywords {
				known = known || slices.Contains(ks, k)
			}
			if !known {
				return nil, c.unsupported(ptr, k, "keyword not supported")
			}
		}
		constraints = append(constraints, k)
	}
	alone := func(k string, allowed ...string) error {
		for _, o := range constraints {
			if o != k && !slices.Contains(allowed, o) {
				return c.unsupported(ptr, k, "not supported beside %s", o)
			}
		}
		return nil
	}
	has := func(k string) bool { return slices.Contains(constraints, k) }
	switch {
	case has("$ref"):
		if err := alone("$ref"); err != nil {
			return nil, err
		}
		return c.ref(s.vals["$ref"], ptr)
	case has("allOf"):
		if err := alone("allOf"); err != nil {
			return nil, err
		}
		subs, ok := s.vals["allOf"].([]any)
		if !ok || len(subs) != 1 {
			return nil, c.unsupported(ptr, "allOf", "only allOf with a single schema is supported")
		}
		return c.schema(subs[0], ptr+"/allOf/0", name)
	case has("anyOf") || has("oneOf"):
		k := "anyOf"
		if has("oneOf") {
			k = "oneOf"
		}
		if err := alone(k); err != nil {
			return nil, err
		}
		subs, ok := s.vals[k].([]any)
		if !ok || len(subs) == 0 {
			return nil, c.fail(ptr, k, "must be a non-empty array of schemas")
		}
		var alts []*expr
		for i, sub := range subs {
			e, err := c.schema(sub, fmt.Sprintf("%s/%s/%d", ptr, k, i), fmt.Sprintf("%s-%d", name, i))
			if err != nil {
				return nil, err
			}
			alts = append(alts, e)
		}
		return alt(alts...), nil
	}

	types, err := c.types(s, ptr, constraints)
	if err != nil {
		return nil, err
	}
	if has("const") || has("enum") {
		return c.enum(s, ptr, types, constraints)
	}
	if types == nil {
		return c.anyValue(), nil
	}
	var alts []*expr
	for _, t := range types {
		var e *expr
		var err error
		switch t {
		case "null":
			e = lit("null")
		case "boolean":
			e = alt(lit("true"), lit("false"))
		case "string":
			e, err = c.str(s, ptr)
		case "number", "integer":
			e, err = c.number(s, ptr, t == "integer")
		case "object":
			e, err = c.objectType(s, ptr, name)
		case "array":
			e, err = c.array(s, ptr, name)
		}
		if err != nil {
			return nil, err
		}
		alts = append(alts, e)
	}
	return alt(alts...), nil
}

// types returns the types the schema allows: those of keyword type, or
// those its keywords imply, or nil for any value. A keyword that constrains
// none of them is an error.
func (c *schemaCompiler) types(s *jsonObject, ptr string, constraints []string) ([]string, error) {
	var types []string
	if t, ok := s.get("type"); ok {
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, e := range t {
				name, ok := e.(string)
				if !ok {
					return nil, c.fail(ptr, "type", "must be a type name or an array of them")
				}
				if slices.Contains(types, name) {
					return nil, c.fail(ptr, "type", "%q appears twice", name)
				}
				types = append(types, name)
			}
			if len(types) == 0 {
				return nil, c.fail(ptr, "type", "empty array: no value is valid")
			}
		default:
			return nil, c.fail(ptr, "type", "must be a type name or an array of them")
		}
		for _, t := range types {
			if !slices.Contains(schemaTypes, t) {
				return nil, c.fail(ptr, "type", "unknown type %q", t)
			}
		}
	}
	for _, k := range constraints {
		var applies []string
		for _, t := range schemaTypes {
			if slices.Contains(typeKeywords[t], k) {
				applies = append(applies, t)
			}
		}
		if applies == nil {
			continue
		}
		if _, ok := s.get("type"); !ok {
			if !slices.Contains(types, applies[0]) { // number rather than integer
				types = append(types, applies[0])
			}
			continue
		}
		ok := false
		for _, t := range applies {
			ok = ok || slices.Contains(types, t)
		}
		if !ok {
			return nil, c.fail(ptr, k, "does not apply to type %s", strings.Join(types, ", "))
		}
	}
	return types, nil
}

// enum returns the alternation of the values of const or enum, those of
// the allowed types, each in its compact spelling.
func (c *schemaCompiler) enum(s *jsonObject, ptr string, types, constraints []string) (*expr, error) {
	for _, k := range constraints {
		if k != "const" && k != "enum" && k != "type" {
			return nil, c.unsupported(ptr, k, "not supported beside const or enum")
		}
	}
	var values []any
	if v, ok := s.get("const"); ok {
		values = append(values, v)
	}
	if v, ok := s.get("enum"); ok {
		vs, ok := v.([]any)
		if !ok || len(vs) == 0 {
			return nil, c.fail(ptr, "enum", "must be a non-empty array")
		}
		if _, both := s.get("const"); both {
			return nil, c.unsupported(ptr, "enum", "not supported beside const")
		}
		values = vs
	}
	var alts []*expr
	for _, v := range values {
		t := jsonType(v)
		if types == nil || slices.Contains(types, t) || t == "integer" && slices.Contains(types, "number") {
			alts = append(alts, lit(encodeJSON(v)))
		}
	}
	if alts == nil {
		return nil, c.fail(ptr, "enum", "no value of the allowed types")
	}
	return alt(alts...), nil
}

// ref returns a reference to the rule of the schema a $ref points to,
// compiling it the first time. Only pointers into the same document
// ("#", "#/$defs/name", "#/definitions/name", any JSON pointer) are
// supported.
func (c *schemaCompiler) ref(v any, ptr string) (*expr, error) {
	target, ok := v.(string)
	if !ok {
		return nil, c.fail(ptr, "$ref", "must be a string")
	}
	frag, ok := strings.CutPrefix(target, "#")
	if !ok {
		return nil, c.unsupported(ptr, "$ref", "%q: only references within the schema (#/...) are supported", target)
	}
	if frag, err := url.PathUnescape(frag); err == nil {
		target = frag
	} else {
		return nil, c.fail(ptr, "$ref", "%q: %v", target, err)
	}
	if name, ok := c.refs[target]; ok {
		return ref(name), nil
	}
	node := c.doc
	hint := "doc"
	if target != "" {
		if !strings.HasPrefix(target, "/") {
			return nil, c.unsupported(ptr, "$ref", "%q: anchors are not supported, only JSON pointers", v)
		}
		for _, tok := range strings.Split(target[1:], "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			hint = tok
			switch n := node.(type) {
			case *jsonObject:
				node, ok = n.get(tok)
			case []any:
				i, err := strconv.Atoi(tok)
				ok = err == nil && i >= 0 && i < len(n)
				if ok {
					node = n[i]
				}
			default:
				ok = false
			}
			if !ok {
				return nil, c.fail(ptr, "$ref", "%q points to nothing", v)
			}
		}
	}
	r := c.rule(hint)
	c.refs[target] = r.name
	body, err := c.schema(node, target, r.name)
	if err != nil {
		return nil, err
	}
	r.body = body
	return ref(r.name), nil
}
