package grammar

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
)

// maxBound bounds the magnitude of minimum and maximum: integers up to
// it are exact in a float64.
const maxBound = 1 << 53

// bound is one end of a range of numbers.
type bound struct {
	set  bool
	v    float64
	open bool // the end itself is excluded
}

// number returns the expression of the numbers of a schema of type number
// or integer. Without bounds, numbers have the full JSON syntax (integers
// no fraction or exponent); with bounds, they are written without
// exponent, and the bounds of a number must be integers.
func (c *schemaCompiler) number(s *jsonObject, ptr string, integer bool) (*expr, error) {
	lo, hi, err := c.bounds(s, ptr)
	if err != nil {
		return nil, err
	}
	if integer {
		var l, h *int64
		if lo.set {
			v := math.Ceil(lo.v)
			if lo.open && v == lo.v {
				v++
			}
			n := int64(v)
			l = &n
		}
		if hi.set {
			v := math.Floor(hi.v)
			if hi.open && v == hi.v {
				v--
			}
			n := int64(v)
			h = &n
		}
		if l != nil && h != nil && *l > *h {
			return nil, c.fail(ptr, "maximum", "no integer lies between the bounds")
		}
		return intExpr(l, h), nil
	}
	if !lo.set && !hi.set {
		return jsonNumber(), nil
	}
	for _, b := range []struct {
		k string
		b bound
	}{{"minimum", lo}, {"maximum", hi}} {
		if b.b.set && b.b.v != math.Trunc(b.b.v) {
			return nil, c.unsupported(ptr, b.k, "bounds of type number must be integers (%v is not)", b.b.v)
		}
	}
	if lo.set && hi.set && (lo.v > hi.v || lo.v == hi.v && (lo.open || hi.open)) {
		return nil, c.fail(ptr, "maximum", "no number lies between the bounds")
	}
	var alts []*expr
	// Negative numbers, written "-" m: m runs from a (above -maximum, or
	// above 0) to -minimum.
	if !lo.set || lo.v < 0 {
		a := bound{set: true, v: 0, open: true}
		if hi.set && hi.v < 0 {
			a = bound{set: true, v: -hi.v, open: hi.open}
		}
		b := bound{}
		if lo.set {
			b = bound{set: true, v: -lo.v, open: lo.open}
		}
		if e := magnitudes(a, b); e != nil {
			alts = append(alts, seq(lit("-"), e))
		}
	}
	// Non-negative numbers, from max(minimum, 0) to maximum.
	if !hi.set || hi.v >= 0 {
		a := bound{set: true, v: 0}
		if lo.set && lo.v >= 0 {
			a = lo
		}
		if e := magnitudes(a, hi); e != nil {
			alts = append(alts, e)
		}
	}
	return alt(alts...), nil
}

// bounds reads minimum, maximum, exclusiveMinimum and exclusiveMaximum
// (numbers, or booleans as in draft 4), keeping the tighter of each side.
func (c *schemaCompiler) bounds(s *jsonObject, ptr string) (lo, hi bound, err error) {
	num := func(k string) (float64, bool, error) {
		v, ok := s.get(k)
		if !ok {
			return 0, false, nil
		}
		if _, isBool := v.(bool); isBool {
			return 0, false, nil
		}
		n, ok := v.(json.Number)
		if !ok {
			return 0, false, c.fail(ptr, k, "must be a number")
		}
		f, err := n.Float64()
		if err != nil || math.Abs(f) > maxBound {
			return 0, false, c.unsupported(ptr, k, "%v is too large (at most 2^53)", n)
		}
		return f, true, nil
	}
	flag := func(k string) (bool, error) {
		v, ok := s.get(k)
		if !ok {
			return false, nil
		}
		switch v.(type) {
		case bool:
			return v == true, nil
		case json.Number:
			return false, nil
		}
		return false, c.fail(ptr, k, "must be a number or a boolean")
	}
	tighter := func(b bound, v float64, open, isLow bool) bound {
		switch {
		case !b.set:
			return bound{true, v, open}
		case v == b.v:
			b.open = b.open || open
		case isLow == (v > b.v):
			return bound{true, v, open}
		}
		return b
	}
	for _, side := range []struct {
		min, excl string
		b         *bound
		low       bool
	}{{"minimum", "exclusiveMinimum", &lo, true}, {"maximum", "exclusiveMaximum", &hi, false}} {
		v, ok, err := num(side.min)
		if err != nil {
			return lo, hi, err
		}
		draft4, err := flag(side.excl)
		if err != nil {
			return lo, hi, err
		}
		if ok {
			*side.b = tighter(*side.b, v, draft4, side.low)
		} else if draft4 {
			return lo, hi, c.fail(ptr, side.excl, "true without %s", side.min)
		}
		if v, ok, err := num(side.excl); err != nil {
			return lo, hi, err
		} else if ok {
			*side.b = tighter(*side.b, v, true, side.low)
		}
	}
	return lo, hi, nil
}

// magnitudes returns the expression of the non-negative decimals m, no
// exponent, with a ≤ m ≤ b (ends excluded when open; b unset: no upper
// end); a and b integers. It returns nil if there are none.
func magnitudes(a, b bound) *expr {
	digit := chars("", "0-9")
	anyFrac := opt(seq(lit("."), plus(digit)))
	zeroFrac := opt(seq(lit("."), plus(lit("0"))))
	nonZeroFrac := seq(lit("."), star(digit), chars("", "1-9"), star(digit))
	lo := uint64(a.v)
	var alts []*expr
	atLow := anyFrac // the fractions allowed after the integer part lo
	if a.open {
		atLow = nonZeroFrac
	}
	if !b.set {
		alts = append(alts, seq(lit(strconv.FormatUint(lo, 10)), atLow), seq(uintFrom(lo+1), anyFrac))
		return alt(alts...)
	}
	hi := uint64(b.v)
	switch {
	case lo > hi:
		return nil
	case lo == hi:
		if a.open || b.open {
			return nil
		}
		return seq(lit(strconv.FormatUint(lo, 10)), zeroFrac)
	}
	alts = append(alts, seq(lit(strconv.FormatUint(lo, 10)), atLow))
	if lo+1 <= hi-1 {
		alts = append(alts, seq(uintRange(lo+1, hi-1), anyFrac))
	}
	if !b.open {
		alts = append(alts, seq(lit(strconv.FormatUint(hi, 10)), zeroFrac))
	}
	return alt(alts...)
}

// intExpr returns the expression of the integers from lo to hi, either
// of which may be nil (no bound), as JSON writes them: no leading zeros,
// no "-0".
func intExpr(lo, hi *int64) *expr {
	var alts []*expr
	if lo == nil || *lo < 0 { // negative: "-" m, m from max(-hi, 1) to -lo
		m := uint64(1)
		if hi != nil && *hi < 0 {
			m = uint64(-*hi)
		}
		if lo == nil {
			alts = append(alts, seq(lit("-"), uintFrom(m)))
		} else {
			alts = append(alts, seq(lit("-"), uintRange(m, uint64(-*lo))))
		}
	}
	if hi == nil || *hi >= 0 {
		a := uint64(0)
		if lo != nil && *lo > 0 {
			a = uint64(*lo)
		}
		if hi == nil {
			alts = append(alts, uintFrom(a))
		} else {
			alts = append(alts, uintRange(a, uint64(*hi)))
		}
	}
	return alt(alts...)
}

// uintFrom returns the expression of the numerals of the integers from
// lo up, of at most maxIntDigits digits.
func uintFrom(lo uint64) *expr {
	d := len(strconv.FormatUint(lo, 10))
	if d >= maxIntDigits {
		return uintRange(lo, pow10(d)-1)
	}
	longer := seq(chars("", "1-9"), repeat(chars("", "0-9"), d, maxIntDigits-1))
	return alt(uintRange(lo, pow10(d)-1), longer)
}

func pow10(d int) uint64 {
	p := uint64(1)
	for range d {
		p *= 10
	}
	return p
}

// uintRange returns the expression of the numerals of the integers from
// lo to hi, lo ≤ hi.
func uintRange(lo, hi uint64) *expr {
	var alts []*expr
	for d := len(strconv.FormatUint(lo, 10)); d <= len(strconv.FormatUint(hi, 10)); d++ {
		a, b := max(lo, pow10(d-1)), min(hi, pow10(d)-1)
		if d == 1 {
			a = lo
		}
		alts = append(alts, sameLength(strconv.FormatUint(a, 10), strconv.FormatUint(b, 10)))
	}
	return alt(alts...)
}

// sameLength returns the expression of the numerals from x to y, strings
// of the same length with x ≤ y.
func sameLength(x, y string) *expr {
	n := len(x)
	switch {
	case x == y:
		return lit(x)
	case n == 1:
		return class(newClass(runeRange{rune(x[0]), rune(y[0])}))
	case x[0] == y[0]:
		return seq(lit(x[:1]), sameLength(x[1:], y[1:]))
	}
	digits := func(k int) *expr { return repeat(chars("", "0-9"), k, k) }
	lowFull := strings.Trim(x[1:], "0") == ""  // x is d000...
	highFull := strings.Trim(y[1:], "9") == "" // y is d999...
	var alts []*expr
	from, to := x[0], y[0]
	if !lowFull {
		alts = append(alts, seq(lit(x[:1]), sameLength(x[1:], strings.Repeat("9", n-1))))
		from++
	}
	if !highFull {
		to--
	}
	if from <= to {
		alts = append(alts, seq(class(newClass(runeRange{rune(from), rune(to)})), digits(n-1)))
	}
	if !highFull {
		alts = append(alts, seq(lit(y[:1]), sameLength(strings.Repeat("0", n-1), y[1:])))
	}
	return alt(alts...)
}
