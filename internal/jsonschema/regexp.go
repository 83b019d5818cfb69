package jsonschema

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// ECMA 262's white space and line terminators (\s), and its line
// terminators (what . does not match), as Go class contents.
const (
	ecmaSpace      = `\t\n\v\f\r \x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}\x{feff}`
	ecmaTerminator = `\n\r\x{2028}\x{2029}`
)

// unicodeNames maps the long names of Unicode general categories that ECMA
// 262 accepts in \p{...} to the short ones Go knows.
var unicodeNames = map[string]string{
	"Letter": "L", "Lowercase_Letter": "Ll", "Uppercase_Letter": "Lu", "Titlecase_Letter": "Lt",
	"Mark": "M", "Number": "N", "Decimal_Number": "Nd", "Punctuation": "P", "Symbol": "S",
	"Separator": "Z", "Space_Separator": "Zs", "Other": "C", "Control": "Cc",
}

var regexpCache sync.Map // pattern → *regexp.Regexp

// ecmaRegexp compiles an ECMA 262 regular expression (with the u flag, as
// JSON Schema validators use it) into Go's regexp: the syntax they share
// is kept, the classes where they differ are rewritten, and constructs Go
// cannot match (lookaround, backreferences) or that ECMA 262 does not
// have (Go's flags and \A, \z) are errors.
func ecmaRegexp(p string) (*regexp.Regexp, error) {
	if re, ok := regexpCache.Load(p); ok {
		return re.(*regexp.Regexp), nil
	}
	var b strings.Builder
	inClass := false
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 == len(rs) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			e := rs[i]
			switch e {
			case 's':
				if inClass {
					b.WriteString(ecmaSpace)
				} else {
					b.WriteString("[" + ecmaSpace + "]")
				}
			case 'S':
				if inClass {
					return nil, fmt.Errorf(`\S inside a class is not supported`)
				}
				b.WriteString("[^" + ecmaSpace + "]")
			case 'u':
				hex := ""
				if i+1 < len(rs) && rs[i+1] == '{' {
					end := strings.IndexRune(string(rs[i+1:]), '}')
					if end < 0 {
						return nil, fmt.Errorf(`bad \u escape`)
					}
					hex = string(rs[i+2 : i+1+end])
					i += 1 + end
				} else {
					if i+4 >= len(rs) {
						return nil, fmt.Errorf(`bad \u escape`)
					}
					hex = string(rs[i+1 : i+5])
					i += 4
				}
				fmt.Fprintf(&b, `\x{%s}`, hex)
			case 'p', 'P':
				if i+1 < len(rs) && rs[i+1] == '{' {
					end := strings.IndexRune(string(rs[i+1:]), '}')
					if end < 0 {
						return nil, fmt.Errorf(`bad \p escape`)
					}
					name := string(rs[i+2 : i+1+end])
					if short, ok := unicodeNames[name]; ok {
						name = short
					}
					fmt.Fprintf(&b, `\%c{%s}`, e, name)
					i += 1 + end
				} else {
					return nil, fmt.Errorf(`bad \p escape`)
				}
			case 'A', 'z', 'Q', 'E', 'C':
				return nil, fmt.Errorf(`\%c is not ECMA 262`, e)
			case 'k', '1', '2', '3', '4', '5', '6', '7', '8', '9':
				return nil, fmt.Errorf("backreferences are not supported")
			case 'c':
				if i+1 == len(rs) {
					return nil, fmt.Errorf(`bad \c escape`)
				}
				i++
				fmt.Fprintf(&b, `\x{%x}`, rs[i]%32)
			case '/':
				b.WriteRune('/')
			default:
				b.WriteRune('\\')
				b.WriteRune(e)
			}
		case inClass:
			if c == ']' {
				inClass = false
			}
			b.WriteRune(c)
		case c == '[':
			inClass = true
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '^' {
				i++
				b.WriteRune('^')
			}
			if i+1 < len(rs) && rs[i+1] == ']' {
				return nil, fmt.Errorf("empty class [] or [^]")
			}
		case c == '.':
			b.WriteString("[^" + ecmaTerminator + "]")
		case c == '(' && i+1 < len(rs) && rs[i+1] == '?':
			rest := string(rs[i+2:])
			switch {
			case strings.HasPrefix(rest, ":"):
				b.WriteString("(?:")
				i += 2
			case strings.HasPrefix(rest, "<") && !strings.HasPrefix(rest, "<=") && !strings.HasPrefix(rest, "<!"):
				b.WriteString("(?P<")
				i += 2
			default:
				return nil, fmt.Errorf("lookaround and flags are not supported")
			}
		default:
			b.WriteRune(c)
		}
	}
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, err
	}
	regexpCache.Store(p, re)
	return re, nil
}
