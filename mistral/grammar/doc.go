// Package grammar constrains generation to a grammar: at each step it
// tells which tokens of the vocabulary may come next, so that a sampler
// can mask the others, and it follows the tokens chosen. It provides the
// grammar of JSON (JSON), compiles JSON Schema (JSONSchema), and reads a
// small notation for any other structure (Parse). It is pure Go.
//
// # Using it in generation
//
// Prepare the vocabulary once per tokenizer, and an Index once per grammar
// and vocabulary; both are immutable and shared. Each generation gets its
// own Matcher:
//
//	toks := grammar.FromTokenizer(tok)               // once per tokenizer
//	g, err := grammar.JSONSchema(schema, grammar.SchemaOptions{})
//	ix := grammar.NewIndex(g, toks)                  // once per grammar
//	m := ix.NewMatcher()                             // once per generation
//	mask := grammar.NewMask(toks.Len())
//
// In the sampler, before any other stage, remove the tokens the grammar
// refuses, and allow EOS only when the text is complete:
//
//	m.Allowed(mask)
//	if m.Complete() {
//		mask.Set(eos)
//	}
//	c.DeleteFunc(func(id int32, _ float32) bool { return !mask.Has(id) })
//
// After sampling, feed the token to the Matcher, and stop when the grammar
// says the text is finished:
//
//	if id == eos { break }                 // only sampled when m.Complete()
//	if err := m.Accept(id); err != nil { ... } // cannot fail for a masked token
//	if m.Done() { break }                  // complete, and nothing may follow
//
// If the mask is empty and the text is not complete, generation cannot go
// on: the vocabulary cannot spell any continuation (a vocabulary with
// byte-fallback tokens, such as Mistral's, always can), or the grammar is
// too ambiguous (more than MaxStates parses at once); report an error.
// Matcher.Allows tests one token cheaply, for samplers that pick first and
// compute the mask only when the grammar refuses the pick.
//
// # Cost
//
// An Index computes, lazily and once for all the Matchers that share it,
// which tokens fit at each position of the grammar whatever the rules under
// way; a mask is then a union of precomputed bit sets and a test of the
// few tokens that run past the end of a rule. The first visit to a position
// costs a walk of the token trie (2 to 3 ms for Mistral's 32,000 tokens
// inside a string, much less where few tokens fit), later ones a few
// microseconds. Keep the Index of a grammar used often (JSON mode) for the
// life of the model. See the benchmarks.
//
// # Grammars
//
// A grammar is a list of rules, each "name ::= expression", starting at the
// rule named root. Rules may span lines: a rule ends where the next
// "name ::=" begins. Every rule must be reachable from root. Expressions:
//
//	"text"       a literal; escapes \n \r \t \\ \" \' \xHH \uHHHH \UHHHHHHHH
//	[a-z0-9_]    one character of a class: characters, ranges, escapes
//	[^"\\]       one character not in the class (any Unicode character)
//	.            any character
//	name         the rule name (letters, digits, _ and -; not first a digit or -)
//	( e )        grouping
//	e f          e followed by f
//	e | f        e or f
//	e* e+ e?     zero or more, one or more, zero or one
//	e{m} e{m,} e{m,n} e{,n}   repetition, counts up to MaxRepeat
//	# ...        a comment, to the end of the line
//
// Inside a class, write \] \[ \- \^ \\ for those characters. "" is the
// empty string; an empty alternative (a | | b, a rule with no body) is an
// error. Rules may be recursive, but not left-recursive (a rule reached
// again before a character is read: write "list ::= item (',' item)*"
// rather than "list ::= list ',' item | item"). Ambiguous grammars are
// fine: all parses are followed at once, up to MaxStates.
//
// Grammars match bytes: a class stands for the UTF-8 encodings of its
// characters, and a token may end in the middle of one (byte-fallback
// tokens), the rest coming in the next tokens. The text produced is always
// valid UTF-8 once complete.
//
// Mistakes are a *SyntaxError with the line and column:
//
//	grammar: line 3, column 14: undefined rule valu
//
// # JSON
//
// JSON allows any JSON value (RFC 8259), or with JSONOptions.ObjectOnly an
// object, with up to MaxSpace (DefaultMaxSpace, 20) white space characters
// before the value and between its tokens: enough to indent, too few to
// pad without end. Nothing may follow the value, so the Matcher is Done as
// soon as an object or array closes; a number at the top level is
// Complete and may go on. Strings must be valid UTF-8 and may hold any
// escape. Numbers have at most 20 digits before the decimal point and 2 in
// the exponent, so that every number is a finite float64 (encoding/json
// decodes them all); there is no other limit on lengths or nesting: bound
// the number of tokens generated.
//
// # JSON Schema
//
// JSONSchema compiles these keywords (other keywords are errors, except
// the descriptive ones: title, description, examples, default, $schema,
// $id, $comment, readOnly, writeOnly, deprecated, and the containers
// $defs and definitions):
//
//   - type, a name or an array of names. Without it, the type is implied by
//     the other keywords (properties: object, items: array, maxLength:
//     string, minimum: number...), or any value. A keyword that does not
//     apply to the type given is an error.
//   - properties, required, additionalProperties. Properties come in the
//     order of the schema: the required ones always, the others perhaps.
//     A required name missing from properties comes after them, with any
//     value (or one valid against additionalProperties). additionalProperties
//     false, or absent when properties is given, allows no other property;
//     true or a schema allows others after the listed ones, with names
//     other than theirs written without escapes (those other names may
//     repeat, as JSON allows). An object schema without properties allows
//     any property.
//   - items (a schema, or false), minItems, maxItems, uniqueItems false.
//   - minLength, maxLength (in characters, as JSON Schema counts them),
//     pattern, format: date, time, date-time, uuid, email, ipv4. A pattern
//     is read with Go's regexp syntax (the common subset of ECMA 262),
//     unanchored unless it starts with ^ or ends with $; word boundaries and
//     inner anchors are errors. pattern, format and the length keywords
//     cannot be combined.
//   - minimum, maximum, exclusiveMinimum, exclusiveMaximum (numbers, or
//     booleans as in draft 4), up to 2^53 in magnitude. For integers, any
//     bounds; for numbers, integer bounds, and bounded numbers are written
//     without exponent. Numbers and integers keep the limits of JSON above
//     (20 digits before the point).
//   - enum, const: the values in their compact spelling.
//   - anyOf, oneOf: either branch (oneOf is read as anyOf: make its
//     branches exclusive). allOf with a single schema.
//   - $ref to a JSON pointer in the same document ("#", "#/$defs/name",
//     "#/definitions/name"), recursion included.
//
// Not supported, and errors: multipleOf, patternProperties,
// propertyNames, minProperties, maxProperties, dependentRequired,
// dependentSchemas, prefixItems and tuple items, contains, uniqueItems
// true, not, if/then/else, allOf with several schemas, keywords beside
// $ref, anyOf or oneOf, formats other than those above, references to
// other documents or anchors.
//
// The white space between tokens follows SchemaOptions as JSON follows
// JSONOptions. Date formats leave 29 February out (valid only in leap
// years) and times leave leap seconds out: every output is valid, though
// not every valid value can be produced.
//
// # Concurrency
//
// Grammar, Tokens and Index are immutable (an Index fills its caches
// safely) and safe for concurrent use by multiple goroutines. A Matcher
// belongs to one goroutine at a time; Clone makes an independent copy.
package grammar
