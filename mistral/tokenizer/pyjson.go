package tokenizer

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode/utf16"
)

// mistral-common writes every JSON document of the tool format with
// Python's json.dumps(value, ensure_ascii=False), value being what
// json.loads read from the text it was given (tool definitions, call
// arguments, tool results). The writer here reproduces that text from the
// input text directly:
//   - whitespace goes, and ", " and ": " separate items and keys;
//   - strings keep their characters, non-ASCII included; only '"', '\\' and
//     the control characters U+0000 to U+001F are escaped, the usual ones as
//     \n \r \t \b \f and the others as \u00xx in lower case;
//   - an object keeps the order of its keys; a key given twice keeps its
//     first place and its last value, as a Python dict does;
//   - integers are written as their digits ("-0" is 0); numbers with a
//     fraction or an exponent become floats written as Python's repr()
//     writes them (1e5 is 100000.0, 1e16 is 1e+16, 1e-5 is 1e-05, 1e400 is
//     Infinity), and NaN, Infinity and -Infinity, which Python reads too,
//     are written back as such.
// Where Python fails for another reason than bad syntax, so does this
// reader: a \u escape of a lone surrogate (Python reads it, but its text
// cannot be encoded to UTF-8 for the tokenizer), an integer of more than
// 4300 digits (Python's limit for converting text to int), nesting deeper
// than pyMaxDepth (Python's recursion limit).

const (
	pyMaxDepth     = 900  // containers nested deeper than this are an error (Python's recursion limit is 1000 frames)
	pyMaxIntDigits = 4300 // Python's default sys.get_int_max_str_digits()
)

// errNotJSON is what pyReformat returns for text that json.loads rejects.
var errNotJSON = errors.New("not JSON")

// pyJSONError is a failure of Python's json other than a syntax error.
type pyJSONError struct {
	offset int
	reason string
}

func (e *pyJSONError) Error() string {
	return e.reason + " at byte " + strconv.Itoa(e.offset)
}

// pyReformat returns s, a JSON text in valid UTF-8, as Python's
// json.dumps(json.loads(s), ensure_ascii=False) writes it. The error is
// errNotJSON when json.loads raises JSONDecodeError for s, a *pyJSONError
// when Python fails otherwise.
func pyReformat(s string) (string, error) {
	p := pyReader{s: s}
	p.space()
	out, err := p.value(nil, 0)
	if err != nil {
		return "", err
	}
	p.space()
	if p.pos != len(s) {
		return "", errNotJSON
	}
	return string(out), nil
}

// pyReader reads a JSON text the way Python's json.loads does.
type pyReader struct {
	s   string
	pos int
}

// space skips the whitespace json.loads allows between tokens.
func (p *pyReader) space() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// next returns the byte at the read position, or 0 at the end.
func (p *pyReader) next() byte {
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// value appends the value at the read position, written as json.dumps
// writes it, to dst.
func (p *pyReader) value(dst []byte, depth int) ([]byte, error) {
	switch c := p.next(); {
	case c == '"':
		str, err := p.str()
		if err != nil {
			return nil, err
		}
		return pyAppendString(dst, str), nil
	case c == '{' || c == '[':
		if depth == pyMaxDepth {
			return nil, &pyJSONError{p.pos, "JSON nested more than " + strconv.Itoa(pyMaxDepth) + " levels deep"}
		}
		if c == '[' {
			return p.array(dst, depth+1)
		}
		return p.object(dst, depth+1)
	}
	// The literals are written back as they were read.
	for _, word := range [...]string{"null", "true", "false", "NaN", "Infinity", "-Infinity"} {
		if strings.HasPrefix(p.s[p.pos:], word) {
			p.pos += len(word)
			return append(dst, word...), nil
		}
	}
	return p.number(dst)
}

// array appends the array at the read position.
func (p *pyReader) array(dst []byte, depth int) ([]byte, error) {
	p.pos++ // [
	p.space()
	dst = append(dst, '[')
	if p.next() == ']' {
		p.pos++
		return append(dst, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = p.value(dst, depth); err != nil {
			return nil, err
		}
		p.space()
		switch p.next() {
		case ',':
			p.pos++
			p.space()
		case ']':
			p.pos++
			return append(dst, ']'), nil
		default:
			return nil, errNotJSON
		}
	}
}

// pyMember is a key of an object and its value, written.
type pyMember struct {
	key   string
	value []byte
}

// object appends the object at the read position. A key given twice keeps
// its first place and takes the last value.
func (p *pyReader) object(dst []byte, depth int) ([]byte, error) {
	p.pos++ // {
	p.space()
	var members []pyMember
	var index map[string]int
	if p.next() != '}' {
		for {
			if p.next() != '"' {
				return nil, errNotJSON
			}
			key, err := p.str()
			if err != nil {
				return nil, err
			}
			p.space()
			if p.next() != ':' {
				return nil, errNotJSON
			}
			p.pos++
			p.space()
			value, err := p.value(nil, depth)
			if err != nil {
				return nil, err
			}
			if i, ok := index[key]; ok {
				members[i].value = value
			} else {
				if index == nil {
					index = make(map[string]int)
				}
				index[key] = len(members)
				members = append(members, pyMember{key, value})
			}
			p.space()
			if p.next() == '}' {
				break
			}
			if p.next() != ',' {
				return nil, errNotJSON
			}
			p.pos++
			p.space()
		}
	}
	p.pos++ // }
	dst = append(dst, '{')
	for i, m := range members {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = pyAppendString(dst, m.key)
		dst = append(dst, ": "...)
		dst = append(dst, m.value...)
	}
	return append(dst, '}'), nil
}

// str reads the string at the read position, at its opening quote, and
// returns its value.
func (p *pyReader) str() (string, error) {
	p.pos++ // "
	var b strings.Builder
	for {
		start := p.pos
		for p.pos < len(p.s) && p.s[p.pos] != '"' && p.s[p.pos] != '\\' && p.s[p.pos] >= 0x20 {
			p.pos++
		}
		b.WriteString(p.s[start:p.pos])
		switch p.next() {
		case '"':
			p.pos++
			return b.String(), nil
		case '\\':
		default: // the end of the text, or a control character (json.loads is strict)
			return "", errNotJSON
		}
		escape := p.pos
		p.pos++
		c := p.next()
		p.pos++
		switch c {
		case '"', '\\', '/':
			b.WriteByte(c)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			r, ok := p.hex4()
			if !ok {
				return "", errNotJSON
			}
			if utf16.IsSurrogate(r) {
				// A high surrogate followed by the escape of a low one
				// is one character; any other surrogate stays alone.
				if r < 0xdc00 && strings.HasPrefix(p.s[p.pos:], `\u`) {
					save := p.pos
					p.pos += 2
					if low, ok := p.hex4(); ok && low >= 0xdc00 && low <= 0xdfff {
						b.WriteRune(utf16.DecodeRune(r, low))
						continue
					}
					p.pos = save
				}
				return "", &pyJSONError{escape, "a \\u escape of a lone surrogate, which has no UTF-8 encoding"}
			}
			b.WriteRune(r)
		default:
			return "", errNotJSON
		}
	}
}

// hex4 reads the four hexadecimal digits of a \u escape.
func (p *pyReader) hex4() (rune, bool) {
	if p.pos+4 > len(p.s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(p.s[p.pos : p.pos+4]) {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	p.pos += 4
	return r, true
}

// number appends the number at the read position. As in Python's json, a
// fraction or an exponent is only part of the number when digits follow
// the '.' or the 'e', and a number with either is a float.
func (p *pyReader) number(dst []byte) ([]byte, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && '0' <= p.s[p.pos] && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.next() == '-' {
		p.pos++
	}
	switch c := p.next(); {
	case c == '0':
		p.pos++
	case '1' <= c && c <= '9':
		digits()
	default:
		return nil, errNotJSON
	}
	isFloat := false
	if p.next() == '.' && p.pos+1 < len(p.s) && '0' <= p.s[p.pos+1] && p.s[p.pos+1] <= '9' {
		p.pos++
		digits()
		isFloat = true
	}
	if c := p.next(); c == 'e' || c == 'E' {
		mark := p.pos
		p.pos++
		if c := p.next(); c == '+' || c == '-' {
			p.pos++
		}
		if digits() > 0 {
			isFloat = true
		} else {
			p.pos = mark
		}
	}
	text := p.s[start:p.pos]
	if !isFloat {
		n := strings.TrimPrefix(text, "-")
		if len(n) > pyMaxIntDigits {
			return nil, &pyJSONError{start, "an integer of more than " + strconv.Itoa(pyMaxIntDigits) + " digits"}
		}
		if n == "0" {
			text = n // -0 is the integer 0
		}
		return append(dst, text...), nil
	}
	// ParseFloat rounds correctly, as Python's float() does, and gives ±Inf
	// (with an error) past the largest float, which Python also does.
	f, _ := strconv.ParseFloat(text, 64)
	return pyAppendFloat(dst, f), nil
}

// pyAppendFloat appends f as Python's json.dumps writes a float: repr(f),
// or NaN, Infinity, -Infinity. repr writes the shortest digits that read
// back as f, in positional notation when the decimal exponent is from -4 to
// 15 (with ".0" when there is no fraction), in scientific notation with a
// signed exponent of two digits or more otherwise.
func pyAppendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	}
	if math.Signbit(f) {
		dst = append(dst, '-')
		f = -f
	}
	if f == 0 {
		return append(dst, "0.0"...)
	}
	// FormatFloat's 'e' form with the shortest digits: d.ddde±XX.
	sci := strconv.FormatFloat(f, 'e', -1, 64)
	mantissa, exp, _ := strings.Cut(sci, "e")
	digits := strings.Replace(mantissa, ".", "", 1)
	e, _ := strconv.Atoi(exp)
	point := e + 1 // digits before the decimal point
	if point > -4 && point <= 16 {
		switch {
		case point <= 0:
			dst = append(dst, "0."...)
			dst = append(dst, strings.Repeat("0", -point)...)
			return append(dst, digits...)
		case point >= len(digits):
			dst = append(dst, digits...)
			dst = append(dst, strings.Repeat("0", point-len(digits))...)
			return append(dst, ".0"...)
		}
		dst = append(dst, digits[:point]...)
		dst = append(dst, '.')
		return append(dst, digits[point:]...)
	}
	dst = append(dst, digits[0])
	if len(digits) > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	if e < 0 {
		dst = append(dst, '-')
		e = -e
	} else {
		dst = append(dst, '+')
	}
	if e < 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(e), 10)
}

// pyAppendString appends s, valid UTF-8, as a JSON string the way
// json.dumps(s, ensure_ascii=False) writes it.
func pyAppendString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
