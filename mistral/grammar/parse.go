package grammar

import (
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Limits of the notation, so that no text makes Parse slow or the compiled
// grammar huge.
const (
	// MaxRepeat is the largest count of a repetition {m,n}.
	MaxRepeat = 10000
	// maxNesting is the deepest nesting of parentheses.
	maxNesting = 200
)

// Parse reads a grammar written in the notation described in the package
// documentation. The start rule is the one named root. Mistakes are
// reported as a *SyntaxError with the line and column; so are undefined
// rules, rules not reachable from root, left recursion and rules that can
// never finish.
func Parse(src string) (*Grammar, error) {
	p := &parser{src: src, line: 1, col: 1}
	var rules []*rule
	index := map[string]int{}
	for {
		p.skipSpace()
		if p.eof() {
			break
		}
		pos := p.pos()
		name := p.name()
		if name == "" {
			return nil, p.errorf(pos, "expected a rule name, found %s", p.describe())
		}
		p.skipSpace()
		if !p.consume("::=") {
			return nil, p.errorf(p.pos(), "expected ::= after rule name %s, found %s", name, p.describe())
		}
		body, err := p.alternation(0)
		if err != nil {
			return nil, err
		}
		if r, _ := p.peek(); r == ')' {
			return nil, p.errorf(p.pos(), "unexpected ')' with no ( to close")
		}
		if i, dup := index[name]; dup {
			return nil, p.errorf(pos, "rule %s is defined twice (first at line %d)", name, rules[i].pos.line)
		}
		index[name] = len(rules)
		rules = append(rules, &rule{name: name, body: body, pos: pos})
	}
	return newGrammar(rules, "root")
}

// MustParse is Parse that panics on error, for grammars written in the
// program's source.
func MustParse(src string) *Grammar {
	g, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return g
}

// parser reads the notation. Its methods return a *SyntaxError on mistakes.
type parser struct {
	src       string
	off       int // byte offset of the next character
	line, col int // of the next character
}

func (p *parser) pos() position { return position{p.line, p.col} }

func (p *parser) eof() bool { return p.off >= len(p.src) }

func (p *parser) errorf(pos position, format string, args ...any) error {
	return &SyntaxError{Line: pos.line, Column: pos.col, Msg: fmt.Sprintf(format, args...)}
}

// peek returns the next character without consuming it; -1 at the end, and
// utf8.RuneError with size 1 for a byte that is not UTF-8.
func (p *parser) peek() (rune, int) {
	if p.eof() {
		return -1, 0
	}
	return utf8.DecodeRuneInString(p.src[p.off:])
}

// next consumes and returns the next character.
func (p *parser) next() rune {
	r, n := p.peek()
	p.off += n
	if r == '\n' {
		p.line++
		p.col = 1
	} else if n > 0 {
		p.col++
	}
	return r
}

func (p *parser) consume(s string) bool {
	if len(p.src)-p.off < len(s) || p.src[p.off:p.off+len(s)] != s {
		return false
	}
	for range s {
		p.next()
	}
	return true
}

// describe names the next character, for messages.
func (p *parser) describe() string {
	r, n := p.peek()
	switch {
	case n == 0:
		return "end of grammar"
	case r == utf8.RuneError && n == 1:
		return fmt.Sprintf("byte 0x%02X (not UTF-8)", p.src[p.off])
	case r == '\n':
		return "end of line"
	}
	return strconv.QuoteRune(r)
}

// skipSpace skips white space and comments.
func (p *parser) skipSpace() {
	for {
		r, _ := p.peek()
		switch r {
		case ' ', '\t', '\r', '\n':
			p.next()
		case '#':
			for r, _ := p.peek(); r != '\n' && r != -1; r, _ = p.peek() {
				p.next()
			}
		default:
			return
		}
	}
}

func isNameStart(r rune) bool { return r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' }

func isNameChar(r rune) bool { return isNameStart(r) || r == '-' || '0' <= r && r <= '9' }

// name consumes and returns a rule name, or returns "" if none is next.
func (p *parser) name() string {
	start := p.off
	if r, _ := p.peek(); !isNameStart(r) {
		return ""
	}
	for r, _ := p.peek(); isNameChar(r); r, _ = p.peek() {
		p.next()
	}
	return p.src[start:p.off]
}

// atRuleStart reports whether "name ::=" is next: the end of the rule
// being read.
func (p *parser) atRuleStart() bool {
	save := *p
	defer func() { *p = save }()
	if p.name() == "" {
		return false
	}
	p.skipSpace()
	return p.consume("::=")
}

// alternation reads "seq | seq | ...".
func (p *parser) alternation(depth int) (*expr, error) {
	if depth > maxNesting {
		return nil, p.errorf(p.pos(), "parentheses nested too deeply (more than %d)", maxNesting)
	}
	var alts []*expr
	for {
		p.skipSpace()
		pos := p.pos()
		s, err := p.sequence(depth)
		if err != nil {
			return nil, err
		}
		if s == nil {
			return nil, p.errorf(pos, `expected an expression, found %s (write "" for the empty string)`, p.describe())
		}
		alts = append(alts, s)
		p.skipSpace()
		if !p.consume("|") {
			return alt(alts...), nil
		}
	}
}

// sequence reads items up to "|", ")", the end or the next rule; nil if
// there are none.
func (p *parser) sequence(depth int) (*expr, error) {
	var items []*expr
	for {
		p.skipSpace()
		if p.atRuleStart() {
			break
		}
		item, err := p.item(depth)
		if err != nil {
			return nil, err
		}
		if item == nil {
			break
		}
		items = append(items, item)
	}
	if items == nil {
		return nil, nil
	}
	return seq(items...), nil
}

// item reads a primary expression and its repetition, if any; nil if no
// expression is next.
func (p *parser) item(depth int) (*expr, error) {
	e, err := p.primary(depth)
	if e == nil || err != nil {
		return nil, err
	}
	pos := p.pos()
	r, _ := p.peek()
	switch r {
	case '*':
		p.next()
		e = star(e)
	case '+':
		p.next()
		e = plus(e)
	case '?':
		p.next()
		e = opt(e)
	case '{':
		p.next()
		lo, hi, err := p.counts(pos)
		if err != nil {
			return nil, err
		}
		e = &expr{kind: exprRepeat, subs: []*expr{e}, min: lo, max: hi}
	default:
		return e, nil
	}
	if r, _ := p.peek(); r == '*' || r == '+' || r == '?' || r == '{' {
		return nil, p.errorf(p.pos(), "repetition of a repetition: add parentheses")
	}
	return e, nil
}

// counts reads the rest of "{m}", "{m,}", "{m,n}" or "{,n}".
func (p *parser) counts(open position) (lo, hi int, err error) {
	p.skipSpace()
	lo, ok, err := p.number()
	if err != nil {
		return 0, 0, err
	}
	p.skipSpace()
	if !p.consume(",") {
		if !ok {
			return 0, 0, p.errorf(p.pos(), "expected a count in {}, found %s", p.describe())
		}
		hi = lo
	} else {
		p.skipSpace()
		var bounded bool
		hi, bounded, err = p.number()
		if err != nil {
			return 0, 0, err
		}
		if !bounded {
			if !ok {
				return 0, 0, p.errorf(open, "{,} needs at least one count")
			}
			hi = unbounded
		}
		p.skipSpace()
	}
	if !p.consume("}") {
		return 0, 0, p.errorf(p.pos(), "expected } to close the repetition, found %s", p.describe())
	}
	if hi != unbounded && hi < lo {
		return 0, 0, p.errorf(open, "repetition {%d,%d}: the maximum is below the minimum", lo, hi)
	}
	return lo, hi, nil
}

// number reads a decimal count, if one is next.
func (p *parser) number() (int, bool, error) {
	pos := p.pos()
	n, digits := 0, 0
	for r, _ := p.peek(); '0' <= r && r <= '9'; r, _ = p.peek() {
		p.next()
		n = min(n*10+int(r-'0'), MaxRepeat+1)
		digits++
	}
	if n > MaxRepeat {
		return 0, false, p.errorf(pos, "repetition count too large (at most %d)", MaxRepeat)
	}
	return n, digits > 0, nil
}

// primary reads a name, literal, class, "." or parenthesised expression;
// nil if none is next.
func (p *parser) primary(depth int) (*expr, error) {
	pos := p.pos()
	r, n := p.peek()
	switch {
	case isNameStart(r):
		return &expr{kind: exprRef, text: p.name(), pos: pos}, nil
	case r == '"':
		return p.literal()
	case r == '[':
		return p.class()
	case r == '.':
		p.next()
		return class(anyChar), nil
	case r == '(':
		p.next()
		e, err := p.alternation(depth + 1)
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if !p.consume(")") {
			return nil, p.errorf(p.pos(), "expected ) to close the ( at line %d, column %d, found %s", pos.line, pos.col, p.describe())
		}
		return e, nil
	case r == utf8.RuneError && n == 1:
		return nil, p.errorf(pos, "%s", p.describe())
	case r == '|' || r == ')' || r == -1:
		return nil, nil
	case r == '*' || r == '+' || r == '?' || r == '{':
		return nil, p.errorf(pos, "%s with nothing to repeat", p.describe())
	}
	return nil, p.errorf(pos, "unexpected %s", p.describe())
}

// literal reads a quoted literal.
func (p *parser) literal() (*expr, error) {
	open := p.pos()
	p.next()
	var text []byte
	for {
		pos := p.pos()
		r, n := p.peek()
		switch {
		case n == 0 || r == '\n':
			return nil, p.errorf(open, "unterminated literal")
		case r == '"':
			p.next()
			return lit(string(text)), nil
		case r == utf8.RuneError && n == 1:
			return nil, p.errorf(pos, "%s", p.describe())
		case r == '\\':
			c, err := p.escape()
			if err != nil {
				return nil, err
			}
			text = utf8.AppendRune(text, c)
		default:
			p.next()
			text = utf8.AppendRune(text, r)
		}
	}
}

// class reads a character class [...] or [^...].
func (p *parser) class() (*expr, error) {
	open := p.pos()
	p.next()
	negated := false
	if r, _ := p.peek(); r == '^' {
		p.next()
		negated = true
	}
	var rs []runeRange
	for {
		r, n := p.peek()
		switch {
		case n == 0 || r == '\n':
			return nil, p.errorf(open, "unterminated character class")
		case r == ']':
			p.next()
			if rs == nil {
				return nil, p.errorf(open, `empty character class (write \] for the character ])`)
			}
			c := newClass(rs...)
			if negated {
				c = c.negate()
			}
			if len(c) == 0 {
				return nil, p.errorf(open, "character class matches no character")
			}
			return class(c), nil
		}
		lo, err := p.classChar()
		if err != nil {
			return nil, err
		}
		hi := lo
		if r, _ := p.peek(); r == '-' {
			dash := p.pos()
			p.next()
			if r, _ := p.peek(); r == ']' { // a - before ] is the character -
				rs = append(rs, runeRange{lo, lo}, runeRange{'-', '-'})
				continue
			}
			if hi, err = p.classChar(); err != nil {
				return nil, err
			}
			if hi < lo {
				return nil, p.errorf(dash, "range %s-%s is backwards", strconv.QuoteRune(lo), strconv.QuoteRune(hi))
			}
		}
		rs = append(rs, runeRange{lo, hi})
	}
}

// classChar reads a character inside a class, or an escape.
func (p *parser) classChar() (rune, error) {
	pos := p.pos()
	r, n := p.peek()
	switch {
	case r == '\\':
		return p.escape()
	case r == utf8.RuneError && n == 1:
		return 0, p.errorf(pos, "%s", p.describe())
	case r == '[':
		return 0, p.errorf(pos, `[ inside a character class: write \[`)
	}
	p.next()
	return r, nil
}

// escape reads a backslash escape and returns the character it stands for.
func (p *parser) escape() (rune, error) {
	pos := p.pos()
	p.next() // the backslash
	r, n := p.peek()
	if n == 0 || r == '\n' {
		return 0, p.errorf(pos, "unfinished escape")
	}
	p.next()
	switch r {
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case '\\', '"', '\'', '[', ']', '-', '^', '/':
		return r, nil
	case 'x':
		return p.hexEscape(pos, 2)
	case 'u':
		return p.hexEscape(pos, 4)
	case 'U':
		return p.hexEscape(pos, 8)
	}
	return 0, p.errorf(pos, `unknown escape \%s`, string(r))
}

func (p *parser) hexEscape(pos position, digits int) (rune, error) {
	v := rune(0)
	for range digits {
		r, _ := p.peek()
		d, ok := hexValue(r)
		if !ok {
			return 0, p.errorf(pos, "escape needs %d hexadecimal digits", digits)
		}
		p.next()
		v = v<<4 | d
		if v > utf8.MaxRune {
			break
		}
	}
	if v > utf8.MaxRune || surrogateMin <= v && v <= surrogateMax {
		return 0, p.errorf(pos, "escape U+%04X is not a Unicode character", v)
	}
	return v, nil
}

func hexValue(r rune) (rune, bool) {
	switch {
	case '0' <= r && r <= '9':
		return r - '0', true
	case 'a' <= r && r <= 'f':
		return r - 'a' + 10, true
	case 'A' <= r && r <= 'F':
		return r - 'A' + 10, true
	}
	return 0, false
}

// newGrammar checks rules (every reference defined, every rule reachable
// from the root) and compiles them. Errors point at the text when the
// rules were parsed.
func newGrammar(rules []*rule, root string) (*Grammar, error) {
	g := &Grammar{rules: rules, root: -1}
	index := make(map[string]int, len(rules))
	for i, r := range rules {
		index[r.name] = i
	}
	fail := func(pos position, format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if pos.line == 0 {
			return &Error{Msg: msg}
		}
		return &SyntaxError{Line: pos.line, Column: pos.col, Msg: msg}
	}
	var ok bool
	if g.root, ok = index[root]; !ok {
		return nil, fail(position{1, 1}, "no rule named %s: the grammar starts at rule %s", root, root)
	}
	// Every reference defined; every rule reachable from the root.
	reached := make([]bool, len(rules))
	work := []int{g.root}
	reached[g.root] = true
	var undefined error
	for len(work) > 0 {
		r := rules[work[len(work)-1]]
		work = work[:len(work)-1]
		r.body.walk(func(e *expr) {
			if e.kind != exprRef || undefined != nil {
				return
			}
			i, ok := index[e.text]
			if !ok {
				undefined = fail(e.pos, "undefined rule %s", e.text)
				return
			}
			if !reached[i] {
				reached[i] = true
				work = append(work, i)
			}
		})
		if undefined != nil {
			return nil, undefined
		}
	}
	for i, r := range rules {
		if !reached[i] {
			return nil, fail(r.pos, "rule %s is never used (not reachable from %s)", r.name, root)
		}
	}
	prog, err := compile(rules, g.root)
	if err != nil {
		var ge *Error
		if errors.As(err, &ge) && ge.Rule != "" {
			if i, ok := index[ge.Rule]; ok && rules[i].pos.line > 0 {
				return nil, fail(rules[i].pos, "rule %s: %s", ge.Rule, ge.Msg)
			}
		}
		return nil, err
	}
	g.prog = prog
	return g, nil
}

// walk calls f for e and every expression inside it.
func (e *expr) walk(f func(*expr)) {
	f(e)
	for _, s := range e.subs {
		s.walk(f)
	}
}
