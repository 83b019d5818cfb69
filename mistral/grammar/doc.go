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
// Where the grammar leaves no choice, Matcher.Forced returns the bytes that
// must come next, and Matcher.Spell the allowed token that spells the most
// of them: a generation can append those tokens without sampling. To end
// within a budget of tokens, spell Matcher.Completion, the shortest text
// that completes the document, the same way.
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
// JSONSchema compiles a JSON Schema (draft 2020-12, and what earlier
// drafts share with it) so that every document the grammar allows is
// valid against it. A schema it cannot compile that way is refused with a
// *SchemaError naming the keyword and its JSON pointer (wrapping
// ErrUnsupported for what this package does not implement); so is a
// schema that allows no value. Not every valid document can be written:
// where a keyword is supported in part, the grammar keeps to a valid part.
//
// The schemas that apply to a value (those of allOf, of $ref and its
// siblings, of the properties that match a member...) are merged: types
// intersected, bounds and lengths tightened, the properties of every
// schema listed, const and enum values kept if the other keywords accept
// them. anyOf, oneOf, if/then/else, not, dependentRequired and
// dependentSchemas make alternatives, each merged on its own (up to 256
// per value).
//
//	keyword                 supported
//	----------------------  -------------------------------------------------
//	type                    a name or an array; without it, the types the other
//	                        keywords imply (properties: object, maxLength:
//	                        string...), or any value when none fits
//	enum, const             their values, in compact spelling, that the rest of
//	                        the schema accepts
//	true, false             true allows anything; false branches are dropped,
//	                        false where a value must be is an error
//	allOf                   merged
//	anyOf                   any branch
//	oneOf                   any branch for the types on which no two branches
//	                        share a value (types, constants, or a required
//	                        property with different constants tell them
//	                        apart); for the others, each branch with the
//	                        negation of the others
//	not                     values that fail a keyword of its schema: another
//	                        type, a number beyond a bound, a length beyond a
//	                        limit, a missing or different property, another
//	                        value than const or enum (not pattern or format)
//	if, then, else          if and then, or not if and else
//	$ref                    JSON pointers, $id and $anchor within the document,
//	                        recursion included; no other documents, no
//	                        $dynamicRef
//	properties, required    in the order of the schemas: the required ones
//	                        always, the others perhaps; a required name not in
//	                        properties after them
//	additionalProperties    other names after the listed ones, without escapes
//	                        (they may repeat, as JSON allows); absent when
//	                        properties is given: no other property
//	patternProperties       names matching the pattern, with values valid
//	                        against every schema that may apply to them
//	propertyNames           const, enum, minLength, maxLength, a pattern that
//	                        matches no listed name, false
//	min/maxProperties       counted; at most one member beyond the listed
//	                        names counts towards the minimum
//	dependentRequired,      the property absent, or present with what depends
//	dependentSchemas        on it
//	unevaluatedProperties,  for what the schemas applied in place (allOf, $ref,
//	unevaluatedItems        the branch taken...) did not evaluate
//	items, prefixItems      a schema or false; an array of schemas (draft 2019
//	                        tuples) is an error
//	min/maxItems            counted
//	contains,               items valid against contains, at least minContains;
//	minContains,            with maxContains, every item valid against it
//	maxContains
//	uniqueItems             items of at most 64 values (enum, const, booleans,
//	                        null), each once, in schema order
//	minLength, maxLength    in characters, as JSON Schema counts them; not
//	                        beside pattern or format
//	pattern                 one ECMA 262 pattern (., \s, \S, \uXXXX and
//	                        \p{Letter} as ECMA reads them), unanchored unless
//	                        it starts with ^ or ends with $; no lookaround,
//	                        backreference, word boundary or inner anchor
//	format                  date, time, date-time, duration, email, idn-email,
//	                        hostname, idn-hostname, ipv4, ipv6, uri,
//	                        uri-reference, iri, iri-reference, uri-template,
//	                        json-pointer, relative-json-pointer, uuid, regex:
//	                        common, valid subsets (no leap second, IPv6 in
//	                        full, URIs with a host, regex of letters, digits
//	                        and spaces)
//	minimum, maximum,       decimals up to 2^53 (booleans as in draft 4);
//	exclusiveMinimum,       bounded numbers are written without exponent
//	exclusiveMaximum
//	multipleOf              integer multiples of integers up to 200 (1.5:
//	                        multiples of 3); 0.1, 0.01...: decimals of that
//	                        many digits; below 10^15, and n·r with n below
//	                        2^53 (exact for validators that divide in floating
//	                        point)
//	descriptive keywords    ignored: title, description, examples, default,
//	                        $schema, $id, $anchor, $comment, readOnly,
//	                        writeOnly, deprecated, $defs, definitions,
//	                        content*, $vocabulary
//
// Other keywords are errors. Numbers keep the limits of JSON above (20
// digits before the point). The white space between tokens follows
// SchemaOptions as JSON follows JSONOptions.
//
// # Concurrency
//
// Grammar, Tokens and Index are immutable (an Index fills its caches
// safely) and safe for concurrent use by multiple goroutines. A Matcher
// belongs to one goroutine at a time; Clone makes an independent copy.
package grammar
