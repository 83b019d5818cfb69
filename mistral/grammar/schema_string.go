package grammar

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"sync"
	"unicode"
)

// formats are the string formats JSONSchema supports, as expressions of
// the string's contents: only strings valid in the format (as its RFC and
// the common validators read it), none of them needing an escape. They
// are subsets: not every valid string can be written.
var formats = map[string]func() *expr{
	// RFC 3339 full-date; 29 February only in leap years.
	"date": dateExpr,
	// RFC 3339 full-time: a time with an offset; no leap second.
	"time": timeExpr,
	// RFC 3339 date-time.
	"date-time": func() *expr { return seq(dateExpr(), lit("T"), timeExpr()) },
	// RFC 3339 appendix A durations, numbers of up to 4 digits.
	"duration": durationExpr,
	// RFC 4122 UUID, hexadecimal digits in either case.
	"uuid": func() *expr {
		h := hexDigit()
		return seq(repeat(h, 8, 8), lit("-"), repeat(h, 4, 4), lit("-"), repeat(h, 4, 4), lit("-"),
			repeat(h, 4, 4), lit("-"), repeat(h, 12, 12))
	},
	// A common subset of RFC 5321 addresses: a dot-atom local part of up
	// to three atoms, and a host name of two to four labels.
	"email":     emailExpr,
	"idn-email": emailExpr,
	// RFC 1123 host names: one to four labels of letters and digits, with
	// single inner hyphens.
	"hostname":     func() *expr { return hostExpr(1) },
	"idn-hostname": func() *expr { return hostExpr(1) },
	// Dotted-quad IPv4 address, no leading zeros.
	"ipv4": ipv4Expr,
	// IPv6 addresses written in full: eight groups of one to four digits.
	"ipv6": func() *expr {
		g := repeat(hexDigit(), 1, 4)
		return seq(g, repeat(seq(lit(":"), g), 7, 7))
	},
	// Absolute URIs with a host: scheme://host/path?query#fragment.
	"uri": uriExpr,
	"iri": uriExpr,
	// URIs, absolute paths and fragments.
	"uri-reference": uriRefExpr,
	"iri-reference": uriRefExpr,
	// RFC 6570 templates: URI characters and simple expressions {name}.
	"uri-template": func() *expr {
		literal := chars("-._~:/?#@!$&()*+,;=", "a-z", "A-Z", "0-9")
		name := repeat(chars("_", "a-z", "A-Z", "0-9"), 1, 20)
		return star(alt(literal, seq(lit("{"), name, lit("}"))))
	},
	// RFC 6901 pointers, tokens of letters, digits and escapes.
	"json-pointer": jsonPointerExpr,
	// Relative JSON pointers: a count, then # or a pointer.
	"relative-json-pointer": func() *expr {
		lo, hi := int64(0), int64(9999)
		return seq(intExpr(&lo, &hi), alt(lit("#"), jsonPointerExpr()))
	},
	// Regular expressions made of letters, digits and spaces: literal
	// texts, valid in every dialect.
	"regex": func() *expr { return star(chars(" ", "a-z", "A-Z", "0-9")) },
}

func hexDigit() *expr { return chars("", "0-9", "a-f", "A-F") }

func ipv4Expr() *expr {
	lo, hi := int64(0), int64(255)
	octet := intExpr(&lo, &hi)
	return seq(octet, lit("."), octet, lit("."), octet, lit("."), octet)
}

// hostExpr is host names of at least min labels (up to four), each of up
// to 41 characters: never "--", which IDNA reserves.
func hostExpr(min int) *expr {
	alnum := repeat(chars("", "a-z", "A-Z", "0-9"), 1, 20)
	label := seq(alnum, opt(seq(lit("-"), alnum)))
	return seq(label, repeat(seq(lit("."), label), min-1, 3))
}

func emailExpr() *expr {
	atom := repeat(chars("!#$%&'*+/=?^_`{|}~-", "a-z", "A-Z", "0-9"), 1, 16)
	return seq(atom, repeat(seq(lit("."), atom), 0, 2), lit("@"), hostExpr(2))
}

func uriExpr() *expr {
	scheme := seq(chars("", "a-z"), repeat(chars("+.-", "a-z", "0-9"), 0, 10))
	return seq(scheme, lit("://"), hostExpr(1), uriTail())
}

// uriTail is a path, a query and a fragment, each perhaps empty.
func uriTail() *expr {
	unreserved := chars("-._~", "a-z", "A-Z", "0-9")
	segment := star(unreserved)
	return seq(star(seq(lit("/"), segment)),
		opt(seq(lit("?"), star(alt(unreserved, chars("=&"))))),
		opt(seq(lit("#"), segment)))
}

func uriRefExpr() *expr {
	segment := plus(chars("-._~", "a-z", "A-Z", "0-9"))
	return alt(uriExpr(), seq(plus(seq(lit("/"), segment)), opt(seq(lit("#"), segment))), seq(lit("#"), segment))
}

func jsonPointerExpr() *expr {
	return star(seq(lit("/"), star(alt(chars("_.-", "a-z", "A-Z", "0-9"), lit("~0"), lit("~1")))))
}

func durationExpr() *expr {
	n := repeat(chars("", "0-9"), 1, 4)
	part := func(unit string) *expr { return seq(n, lit(unit)) }
	date := alt(seq(part("Y"), opt(part("M")), opt(part("D"))), seq(part("M"), opt(part("D"))), part("D"))
	clock := seq(lit("T"), alt(seq(part("H"), opt(part("M")), opt(part("S"))), seq(part("M"), opt(part("S"))), part("S")))
	return seq(lit("P"), alt(part("W"), seq(date, opt(clock)), clock))
}

// dateExpr is RFC 3339 full-date.
func dateExpr() *expr {
	d := chars("", "0-9")
	day31 := alt(seq(lit("0"), chars("", "1-9")), seq(chars("12"), d), seq(lit("3"), chars("01")))
	day30 := alt(seq(lit("0"), chars("", "1-9")), seq(chars("12"), d), lit("30"))
	day28 := alt(seq(lit("0"), chars("", "1-9")), seq(lit("1"), d), seq(lit("2"), chars("", "0-8")))
	// Leap years: the last two digits a multiple of 4 but not 00, or a
	// century that is a multiple of 400.
	mult4 := alt(seq(chars("02468"), chars("048")), seq(chars("13579"), chars("26")))
	nonZeroMult4 := alt(seq(lit("0"), chars("48")), seq(chars("2468"), chars("048")), seq(chars("13579"), chars("26")))
	leap := alt(seq(d, d, nonZeroMult4), seq(mult4, lit("00")))
	year := seq(d, d, d, d)
	return alt(
		seq(year, lit("-"), alt(
			seq(alt(lit("01"), lit("03"), lit("05"), lit("07"), lit("08"), lit("10"), lit("12")), lit("-"), day31),
			seq(alt(lit("04"), lit("06"), lit("09"), lit("11")), lit("-"), day30),
			seq(lit("02-"), day28))),
		seq(leap, lit("-02-29")))
}

// timeExpr is RFC 3339 full-time: a time with an offset, no leap second.
func timeExpr() *expr {
	d := chars("", "0-9")
	hour := alt(seq(chars("01"), d), seq(lit("2"), chars("", "0-3")))
	minute := seq(chars("", "0-5"), d)
	offset := alt(lit("Z"), seq(chars("+-"), hour, lit(":"), minute))
	return seq(hour, lit(":"), minute, lit(":"), minute, opt(seq(lit("."), repeat(d, 1, 9))), offset)
}

func formatExpr(name string) (*expr, bool) {
	f, ok := formats[name]
	if !ok {
		return nil, false
	}
	return f(), true
}

func formatNames() string {
	var names []string
	for n := range formats {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// exprMatches reports whether the string s, spelled without escapes, is a
// sentence of e.
func exprMatches(e *expr, s string) bool {
	g, err := newGrammar([]*rule{{name: "root", body: e}}, "root")
	if err != nil {
		return false
	}
	m := NewIndex(g, noTokens).NewMatcher()
	return s == "" && m.Complete() || s != "" && m.AcceptBytes([]byte(s)) == nil && m.Complete()
}

// noTokens is an empty vocabulary, for Matchers fed with AcceptBytes.
var noTokens = NewTokens(listVocab(nil))

// listVocab is a vocabulary given as strings.
type listVocab []string

func (v listVocab) Len() int              { return len(v) }
func (v listVocab) Bytes(id int32) []byte { return []byte(v[id]) }

// Patterns are ECMA 262 regular expressions. Go's regexp reads the same
// syntax for most of them; ecmaToGo rewrites what it reads differently
// (., \s, \S, \uXXXX, long Unicode property names) and refuses what it
// cannot read the same way (lookaround, backreferences, Go's own flags).
var (
	ecmaWhite      = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`
	ecmaLineBreaks = `\n\r\x{2028}\x{2029}`
	unicodeLong    = map[string]string{"Letter": "L", "Lowercase_Letter": "Ll", "Uppercase_Letter": "Lu",
		"Number": "N", "Decimal_Number": "Nd", "Punctuation": "P", "Symbol": "S", "Mark": "M"}
	patternCache sync.Map // pattern → *regexp.Regexp
)

// ecmaToGo rewrites the ECMA 262 pattern p in the syntax of Go's regexp,
// with the same meaning, or says why it cannot.
func ecmaToGo(p string) (string, error) {
	var out strings.Builder
	class := false // inside [...]
	for i := 0; i < len(p); i++ {
		ch := p[i]
		if ch != '\\' {
			switch {
			case class && ch == ']':
				class = false
			case class:
			case ch == '[':
				class = true
				if strings.HasPrefix(p[i+1:], "]") || strings.HasPrefix(p[i+1:], "^]") {
					return "", errors.New("empty classes [] and [^] are not supported")
				}
			case ch == '.':
				out.WriteString("[^" + ecmaLineBreaks + "]")
				continue
			case ch == '(' && strings.HasPrefix(p[i+1:], "?"):
				if !strings.HasPrefix(p[i+1:], "?:") {
					return "", errors.New("lookaround, named groups and flags are not supported")
				}
			}
			out.WriteByte(ch)
			continue
		}
		if i+1 == len(p) {
			return "", errors.New("a backslash at the end")
		}
		i++
		switch e := p[i]; {
		case e == 's' && class:
			out.WriteString(ecmaWhite)
		case e == 's':
			out.WriteString("[" + ecmaWhite + "]")
		case e == 'S' && class:
			return "", errors.New(`\S inside a class is not supported`)
		case e == 'S':
			out.WriteString("[^" + ecmaWhite + "]")
		case e == 'u' && i+4 < len(p) && isHexString(p[i+1:i+5]):
			out.WriteString(`\x{` + p[i+1:i+5] + `}`)
			i += 4
		case (e == 'p' || e == 'P') && strings.HasPrefix(p[i+1:], "{"):
			end := strings.IndexByte(p[i:], '}')
			if end < 0 {
				return "", errors.New(`a \p{ without }`)
			}
			name := p[i+2 : i+end]
			if short, ok := unicodeLong[name]; ok {
				name = short
			}
			fmt.Fprintf(&out, `\%c{%s}`, e, name)
			i += end
		case strings.IndexByte("dDwWbBtnrfv\\/^$.*+?()[]{}|-", e) >= 0:
			if e == '/' {
				out.WriteByte('/')
			} else {
				out.WriteByte('\\')
				out.WriteByte(e)
			}
		case e == 'x' && i+2 < len(p) && isHexString(p[i+1:i+3]):
			out.WriteString(`\x` + p[i+1:i+3])
			i += 2
		default:
			return "", fmt.Errorf(`the escape \%c is not supported`, e)
		}
	}
	return out.String(), nil
}

func isHexString(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(s[i])) {
			return false
		}
	}
	return true
}

// ecmaPattern compiles an ECMA 262 pattern for matching.
func ecmaPattern(p string) (*regexp.Regexp, error) {
	if re, ok := patternCache.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	src, err := ecmaToGo(p)
	if err != nil {
		return nil, err
	}
	re, err := regexp.Compile(src)
	if err != nil {
		return nil, err
	}
	patternCache.Store(p, re)
	return re, nil
}

// patternExpr returns the expression of the contents of JSON strings
// whose value matches the ECMA 262 pattern p, as JSON Schema reads it:
// unanchored unless it starts with ^ or ends with $. Word boundaries and
// anchors elsewhere are not supported.
func patternExpr(p string) (*expr, error) {
	src, err := ecmaToGo(p)
	if err != nil {
		return nil, err
	}
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, err
	}
	var subs []*syntax.Regexp
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	} else {
		subs = []*syntax.Regexp{re}
	}
	anchoredStart, anchoredEnd := false, false
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		anchoredStart = true
		subs = subs[1:]
	}
	if n := len(subs); n > 0 && (subs[n-1].Op == syntax.OpEndText || subs[n-1].Op == syntax.OpEndLine) {
		anchoredEnd = true
		subs = subs[:n-1]
	}
	var parts []*expr
	if !anchoredStart {
		parts = append(parts, star(jsonChar(false)))
	}
	for _, s := range subs {
		e, err := regexpExpr(s)
		if err != nil {
			return nil, err
		}
		parts = append(parts, e)
	}
	if !anchoredEnd {
		parts = append(parts, star(jsonChar(false)))
	}
	return seq(parts...), nil
}

// regexpExpr returns the expression of the JSON string contents whose
// values match re.
func regexpExpr(re *syntax.Regexp) (*expr, error) {
	subs := func() ([]*expr, error) {
		var es []*expr
		for _, s := range re.Sub {
			e, err := regexpExpr(s)
			if err != nil {
				return nil, err
			}
			es = append(es, e)
		}
		return es, nil
	}
	switch re.Op {
	case syntax.OpEmptyMatch:
		return empty(), nil
	case syntax.OpLiteral:
		var es []*expr
		for _, r := range re.Rune {
			c := newClass(runeRange{r, r})
			if re.Flags&syntax.FoldCase != 0 {
				for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
					c = c.union(newClass(runeRange{f, f}))
				}
			}
			es = append(es, stringChars(c))
		}
		return seq(es...), nil
	case syntax.OpCharClass:
		var rs []runeRange
		for i := 0; i+1 < len(re.Rune); i += 2 {
			rs = append(rs, runeRange{re.Rune[i], re.Rune[i+1]})
		}
		c := newClass(rs...)
		if len(c) == 0 {
			return nil, errors.New("a character class that matches nothing")
		}
		return stringChars(c), nil
	case syntax.OpAnyCharNotNL, syntax.OpAnyChar:
		return stringChars(anyChar.minus(newClass(runeRange{'\n', '\n'}, runeRange{'\r', '\r'}, runeRange{0x2028, 0x2029}))), nil
	case syntax.OpCapture:
		return regexpExpr(re.Sub[0])
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		sub, err := regexpExpr(re.Sub[0])
		if err != nil {
			return nil, err
		}
		switch re.Op {
		case syntax.OpStar:
			return star(sub), nil
		case syntax.OpPlus:
			return plus(sub), nil
		case syntax.OpQuest:
			return opt(sub), nil
		}
		hi := re.Max
		if hi < 0 {
			hi = unbounded
		}
		return repeat(sub, re.Min, hi), nil
	case syntax.OpConcat:
		es, err := subs()
		if err != nil {
			return nil, err
		}
		return seq(es...), nil
	case syntax.OpAlternate:
		es, err := subs()
		if err != nil {
			return nil, err
		}
		return alt(es...), nil
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpEndLine, syntax.OpEndText:
		return nil, errors.New("anchors ^ and $ are supported only at the start and the end of the pattern")
	case syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return nil, errors.New(`word boundaries \b and \B are not supported`)
	}
	return nil, fmt.Errorf("%s not supported", re)
}

// stringChars returns the expression of one character of c as written in
// a JSON string: as is, or escaped if it must be (", \ and the controls).
func stringChars(c charClass) *expr {
	special := newClass(runeRange{0, 0x1F}, runeRange{'"', '"'}, runeRange{'\\', '\\'})
	var alts []*expr
	switch plain := c.minus(special); {
	case len(plain) == 1 && plain[0].lo == plain[0].hi:
		alts = append(alts, lit(string(plain[0].lo)))
	case len(plain) > 0:
		alts = append(alts, class(plain))
	}
	for _, r := range c.intersect(special) {
		for ch := r.lo; ch <= r.hi; ch++ {
			switch ch {
			case '"':
				alts = append(alts, lit(`\"`))
			case '\\':
				alts = append(alts, lit(`\\`))
			case '\b':
				alts = append(alts, lit(`\b`))
			case '\f':
				alts = append(alts, lit(`\f`))
			case '\n':
				alts = append(alts, lit(`\n`))
			case '\r':
				alts = append(alts, lit(`\r`))
			case '\t':
				alts = append(alts, lit(`\t`))
			default:
				alts = append(alts, lit(fmt.Sprintf(`\u%04x`, ch)))
			}
		}
	}
	return alt(alts...)
}
