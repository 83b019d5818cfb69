package grammar

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode"
)

// formats are the string formats JSONSchema supports, as expressions of
// the string's contents: only strings valid in the format, none of them
// needing an escape.
var formats = map[string]func() *expr{
	// RFC 3339 full-date; 29 February is left out, valid only in leap
	// years.
	"date": dateExpr,
	// RFC 3339 full-time: a time with an offset; no leap second.
	"time": timeExpr,
	// RFC 3339 date-time.
	"date-time": func() *expr { return seq(dateExpr(), lit("T"), timeExpr()) },
	// RFC 4122 UUID, hexadecimal digits in either case.
	"uuid": func() *expr {
		h := chars("", "0-9", "a-f", "A-F")
		return seq(repeat(h, 8, 8), lit("-"), repeat(h, 4, 4), lit("-"), repeat(h, 4, 4), lit("-"),
			repeat(h, 4, 4), lit("-"), repeat(h, 12, 12))
	},
	// A common subset of RFC 5321 addresses: a dot-atom local part, and a
	// domain of at least two labels of letters, digits and inner hyphens.
	"email": func() *expr {
		atom := plus(chars("!#$%&'*+/=?^_`{|}~-", "a-z", "A-Z", "0-9"))
		alnum := chars("", "a-z", "A-Z", "0-9")
		label := seq(alnum, opt(seq(star(chars("-", "a-z", "A-Z", "0-9")), alnum)))
		return seq(atom, star(seq(lit("."), atom)), lit("@"), label, plus(seq(lit("."), label)))
	},
	// Dotted-quad IPv4 address, no leading zeros.
	"ipv4": func() *expr {
		lo, hi := int64(0), int64(255)
		octet := intExpr(&lo, &hi)
		return seq(octet, lit("."), octet, lit("."), octet, lit("."), octet)
	},
}

// dateExpr is RFC 3339 full-date; 29 February is left out, valid only in
// leap years.
func dateExpr() *expr {
	d := chars("", "0-9")
	day31 := alt(seq(lit("0"), chars("", "1-9")), seq(chars("12"), d), seq(lit("3"), chars("01")))
	day30 := alt(seq(lit("0"), chars("", "1-9")), seq(chars("12"), d), lit("30"))
	day28 := alt(seq(lit("0"), chars("", "1-9")), seq(lit("1"), d), seq(lit("2"), chars("", "0-8")))
	return seq(d, d, d, d, lit("-"), alt(
		seq(alt(lit("01"), lit("03"), lit("05"), lit("07"), lit("08"), lit("10"), lit("12")), lit("-"), day31),
		seq(alt(lit("04"), lit("06"), lit("09"), lit("11")), lit("-"), day30),
		seq(lit("02-"), day28)))
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

// patternExpr returns the expression of the contents of JSON strings
// whose value matches the regular expression p, as JSON Schema reads it:
// unanchored unless it starts with ^ or ends with $. The syntax is that of
// Go's regexp (RE2), which agrees with ECMA 262 on the common subset;
// word boundaries and anchors other than a leading ^ and a trailing $ are
// not supported, nor are lookarounds and backreferences (RE2 has none).
func patternExpr(p string) (*expr, error) {
	re, err := syntax.Parse(p, syntax.Perl)
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
	case syntax.OpAnyCharNotNL:
		return stringChars(anyChar.minus(newClass(runeRange{'\n', '\n'}))), nil
	case syntax.OpAnyChar:
		return stringChars(anyChar), nil
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
