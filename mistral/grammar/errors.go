package grammar

import (
	"errors"
	"fmt"
)

// Sentinel errors, for callers to branch on with errors.Is.
var (
	// ErrRejected is wrapped by the errors of Matcher.Accept for a token the
	// grammar does not allow at that point.
	ErrRejected = errors.New("grammar: rejected")
	// ErrTooManyStates is wrapped by the errors of Matcher.Accept when the
	// grammar is so ambiguous that the text so far can be parsed in more
	// than MaxStates ways at once.
	ErrTooManyStates = errors.New("grammar: too many parse states")
	// ErrUnsupported is wrapped by a *SchemaError for a JSON Schema keyword,
	// format or construct that this package cannot turn into a grammar.
	ErrUnsupported = errors.New("unsupported")

	// errEmpty is wrapped by the *SchemaError of a schema that allows no
	// value: where a value may be left out (a branch, an optional
	// property) the compiler drops it, elsewhere the error stands.
	errEmpty = errors.New("no value is valid")
)

// SyntaxError reports a mistake in the text of a grammar (see Parse), and
// grammar-level mistakes found while checking it (an undefined or unused
// rule, left recursion), at the line and column, both from 1, where it
// was found. Columns count characters, not bytes.
type SyntaxError struct {
	Line   int
	Column int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("grammar: line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// SchemaError reports a JSON Schema that JSONSchema cannot compile: invalid
// JSON, a malformed keyword, a keyword or a use of it this package does
// not support (then Err is ErrUnsupported), or a schema that allows no
// value. Pointer is the JSON pointer of the schema object holding the
// keyword ("" for the root), Keyword the offending keyword, if any.
type SchemaError struct {
	Pointer string
	Keyword string
	Msg     string
	Err     error
}

func (e *SchemaError) Error() string {
	ptr := e.Pointer
	if ptr == "" {
		ptr = "/"
	}
	if e.Keyword != "" {
		return fmt.Sprintf("grammar: schema %s: %s: %s", ptr, e.Keyword, e.Msg)
	}
	return fmt.Sprintf("grammar: schema %s: %s", ptr, e.Msg)
}

func (e *SchemaError) Unwrap() error { return e.Err }

// Error reports a grammar that is well formed but cannot be used:
// left recursion, a rule that can never finish, a grammar too large to
// compile or too ambiguous to start. Parse reports the problems of one
// rule as a *SyntaxError instead, pointing at the rule.
type Error struct {
	Rule string // the offending rule, or ""
	Msg  string
}

func (e *Error) Error() string {
	if e.Rule != "" {
		return fmt.Sprintf("grammar: rule %s: %s", e.Rule, e.Msg)
	}
	return "grammar: " + e.Msg
}
