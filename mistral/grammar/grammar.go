package grammar

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A Grammar is a compiled set of rules, ready for NewIndex. It comes from
// Parse, JSON or JSONSchema. A Grammar is immutable and safe for concurrent
// use by multiple goroutines.
type Grammar struct {
	rules []*rule // in the order written; rules[root] is the start rule
	root  int
	prog  *program
}

// Root returns the name of the start rule.
func (g *Grammar) Root() string { return g.rules[g.root].name }

// String returns the grammar in the notation Parse reads, one rule a line,
// in the order written. Parse(g.String()) gives an equivalent grammar.
func (g *Grammar) String() string {
	var b strings.Builder
	width := 0
	for _, r := range g.rules {
		width = max(width, len(r.name))
	}
	for _, r := range g.rules {
		fmt.Fprintf(&b, "%-*s ::= ", width, r.name)
		r.body.write(&b, precAlt)
		b.WriteByte('\n')
	}
	return b.String()
}

// A rule is "name ::= body".
type rule struct {
	name string
	body *expr
	pos  position // of the name, for errors; zero in built grammars
}

// position is a place in the text of a grammar. The zero position is no
// place: the grammar was built, not parsed.
type position struct{ line, col int }

type exprKind uint8

const (
	exprSeq     exprKind = iota // subs one after the other; none: the empty string
	exprAlt                     // one of subs (at least two)
	exprRepeat                  // subs[0], min to max times
	exprLiteral                 // text, as is
	exprClass                   // one character of class
	exprRef                     // the rule named text
)

// unbounded is the max of a repetition without an upper bound.
const unbounded = -1

// An expr is the body of a rule, or a part of it.
type expr struct {
	kind     exprKind
	subs     []*expr
	min, max int       // exprRepeat; max may be unbounded
	text     string    // exprLiteral: the text; exprRef: the rule name
	class    charClass // exprClass
	pos      position  // exprRef: where it is written, for errors
}

// Builders of expressions, for grammars made in code.

func lit(s string) *expr { return &expr{kind: exprLiteral, text: s} }

func class(c charClass) *expr { return &expr{kind: exprClass, class: c} }

// chars returns the class of the characters in s and in the ranges given
// as "a-z" pairs: chars("_", "a-z") is [_a-z].
func chars(s string, ranges ...string) *expr {
	var rs []runeRange
	for _, r := range s {
		rs = append(rs, runeRange{r, r})
	}
	for _, r := range ranges {
		lo, n := utf8.DecodeRuneInString(r)
		hi, _ := utf8.DecodeRuneInString(r[n+1:])
		rs = append(rs, runeRange{lo, hi})
	}
	return class(newClass(rs...))
}

func ref(name string) *expr { return &expr{kind: exprRef, text: name} }

// seq returns the sequence of es, flattening nested sequences and joining
// adjacent literals.
func seq(es ...*expr) *expr {
	var subs []*expr
	add := func(e *expr) {
		if n := len(subs); n > 0 && e.kind == exprLiteral && subs[n-1].kind == exprLiteral {
			subs[n-1] = lit(subs[n-1].text + e.text)
			return
		}
		subs = append(subs, e)
	}
	for _, e := range es {
		if e.kind == exprSeq {
			for _, s := range e.subs {
				add(s)
			}
		} else {
			add(e)
		}
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return &expr{kind: exprSeq, subs: subs}
}

// empty returns the expression of the empty string.
func empty() *expr { return &expr{kind: exprSeq} }

// alt returns the alternation of es, flattening nested alternations.
func alt(es ...*expr) *expr {
	var subs []*expr
	for _, e := range es {
		if e.kind == exprAlt {
			subs = append(subs, e.subs...)
		} else {
			subs = append(subs, e)
		}
	}
	if len(subs) == 1 {
		return subs[0]
	}
	return &expr{kind: exprAlt, subs: subs}
}

// maybe returns the alternation of es, written e? when one of them is
// the empty string.
func maybe(es ...*expr) *expr {
	var rest []*expr
	for _, e := range es {
		if e.kind != exprSeq || len(e.subs) > 0 {
			rest = append(rest, e)
		}
	}
	if len(rest) < len(es) && len(rest) > 0 {
		return opt(alt(rest...))
	}
	return alt(es...)
}

func repeat(e *expr, min, max int) *expr {
	if min == 1 && max == 1 {
		return e
	}
	return &expr{kind: exprRepeat, subs: []*expr{e}, min: min, max: max}
}

func opt(e *expr) *expr  { return repeat(e, 0, 1) }
func star(e *expr) *expr { return repeat(e, 0, unbounded) }
func plus(e *expr) *expr { return repeat(e, 1, unbounded) }

// Precedence levels for printing: an expression is parenthesised when
// printed where a higher level is expected.
const (
	precAlt = iota
	precSeq
	precPostfix
)

func (e *expr) prec() int {
	switch e.kind {
	case exprAlt:
		return precAlt
	case exprSeq:
		if len(e.subs) == 0 {
			return precPostfix // printed as ""
		}
		return precSeq
	}
	return precPostfix
}

// write prints e in the notation of Parse, parenthesised if its precedence
// is below prec.
func (e *expr) write(b *strings.Builder, prec int) {
	if e.prec() < prec {
		b.WriteByte('(')
		e.write(b, precAlt)
		b.WriteByte(')')
		return
	}
	switch e.kind {
	case exprSeq:
		if len(e.subs) == 0 {
			b.WriteString(`""`)
		}
		for i, s := range e.subs {
			if i > 0 {
				b.WriteByte(' ')
			}
			s.write(b, precSeq+1)
		}
	case exprAlt:
		for i, s := range e.subs {
			if i > 0 {
				b.WriteString(" | ")
			}
			s.write(b, precSeq)
		}
	case exprRepeat:
		sub := e.subs[0]
		if sub.kind == exprRepeat || sub.prec() < precPostfix {
			b.WriteByte('(')
			sub.write(b, precAlt)
			b.WriteByte(')')
		} else {
			sub.write(b, precPostfix)
		}
		switch {
		case e.min == 0 && e.max == 1:
			b.WriteByte('?')
		case e.min == 0 && e.max == unbounded:
			b.WriteByte('*')
		case e.min == 1 && e.max == unbounded:
			b.WriteByte('+')
		case e.max == unbounded:
			fmt.Fprintf(b, "{%d,}", e.min)
		case e.min == e.max:
			fmt.Fprintf(b, "{%d}", e.min)
		default:
			fmt.Fprintf(b, "{%d,%d}", e.min, e.max)
		}
	case exprLiteral:
		writeLiteral(b, e.text)
	case exprClass:
		writeClass(b, e.class)
	case exprRef:
		b.WriteString(e.text)
	}
}

func writeLiteral(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			writeChar(b, r)
		}
	}
	b.WriteByte('"')
}

func writeClass(b *strings.Builder, c charClass) {
	if len(c) == len(anyChar) && c[0] == anyChar[0] && c[1] == anyChar[1] {
		b.WriteByte('.')
		return
	}
	b.WriteByte('[')
	if neg := c.negate(); len(neg) < len(c) || (len(neg) == len(c) && neg.size() < c.size()) {
		b.WriteByte('^')
		c = neg
	}
	for _, r := range c {
		writeClassChar(b, r.lo)
		if r.hi > r.lo {
			if r.hi > r.lo+1 {
				b.WriteByte('-')
			}
			writeClassChar(b, r.hi)
		}
	}
	b.WriteByte(']')
}

func writeClassChar(b *strings.Builder, r rune) {
	switch r {
	case ']', '[', '\\', '^', '-':
		b.WriteByte('\\')
		b.WriteRune(r)
	default:
		writeChar(b, r)
	}
}

// writeChar writes r, escaped unless it is a printable character.
func writeChar(b *strings.Builder, r rune) {
	switch r {
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	case '\t':
		b.WriteString(`\t`)
	default:
		switch {
		case r != ' ' && !unicode.IsGraphic(r) || r == utf8.RuneError:
			if r <= 0xFF {
				fmt.Fprintf(b, `\x%02X`, r)
			} else if r <= 0xFFFF {
				fmt.Fprintf(b, `\u%04X`, r)
			} else {
				fmt.Fprintf(b, `\U%08X`, r)
			}
		default:
			b.WriteRune(r)
		}
	}
}
