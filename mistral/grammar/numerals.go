package grammar

import (
	"math/big"
	"strconv"
	"strings"
)

// decimalRange returns the expression of the numbers from lo to hi,
// without exponent, with at most fracDigits decimals (unbounded: any), and
// with short, of at most maxMultipleDigits integer digits; nil if there
// are none.
func decimalRange(lo, hi bound, fracDigits int, short bool) *expr {
	if short {
		limit := new(big.Rat).SetInt(pow10big(maxMultipleDigits))
		if hi.v == nil || hi.v.Cmp(limit) >= 0 {
			hi = bound{limit, true}
		}
		if neg := new(big.Rat).Neg(limit); lo.v == nil || lo.v.Cmp(neg) <= 0 {
			lo = bound{neg, true}
		}
	}
	zero := new(big.Rat)
	var alts []*expr
	// Negative numbers, written "-" m: m runs from above max(0, -hi) to
	// -lo.
	if lo.v == nil || lo.v.Sign() < 0 {
		a := bound{zero, true}
		if hi.v != nil && hi.v.Sign() < 0 {
			a = bound{new(big.Rat).Neg(hi.v), hi.open}
		}
		b := bound{}
		if lo.v != nil {
			b = bound{new(big.Rat).Neg(lo.v), lo.open}
		}
		if e := magnitudes(a, b, fracDigits); e != nil {
			alts = append(alts, seq(lit("-"), e))
		}
	}
	// Non-negative numbers, from max(lo, 0) to hi.
	if hi.v == nil || hi.v.Sign() >= 0 {
		a := bound{zero, false}
		if lo.v != nil && lo.v.Sign() >= 0 {
			a = lo
		}
		if e := magnitudes(a, hi, fracDigits); e != nil {
			alts = append(alts, e)
		}
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// splitDecimal returns the integer part of the non-negative decimal r and
// the digits of its fraction, trailing zeros dropped.
func splitDecimal(r *big.Rat) (uint64, string) {
	d, _ := decimalDigits(r)
	s := r.FloatString(d)
	i, f, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseUint(i, 10, 64)
	return n, strings.TrimRight(f, "0")
}

// magnitudes returns the expression of the non-negative decimals m, no
// exponent, at most fracDigits decimals, with a ≤ m ≤ b (ends excluded
// when open; b unset: no upper end). It returns nil if there are none.
func magnitudes(a, b bound, fracDigits int) *expr {
	if b.v != nil {
		if cmp := a.v.Cmp(b.v); cmp > 0 || cmp == 0 && (a.open || b.open) {
			return nil
		}
	}
	ia, fa := splitDecimal(a.v)
	var alts []*expr
	add := func(e *expr) {
		if e != nil {
			alts = append(alts, e)
		}
	}
	if b.v == nil {
		add(seq(lit(strconv.FormatUint(ia, 10)), fraction(fa, a.open, "", false, false, fracDigits)))
		add(seq(uintFrom(ia+1), fraction("", false, "", false, false, fracDigits)))
		return alt(alts...)
	}
	ib, fb := splitDecimal(b.v)
	if ia == ib {
		if f := fraction(fa, a.open, fb, b.open, true, fracDigits); f != nil {
			return seq(lit(strconv.FormatUint(ia, 10)), f)
		}
		return nil
	}
	if f := fraction(fa, a.open, "", false, false, fracDigits); f != nil {
		add(seq(lit(strconv.FormatUint(ia, 10)), f))
	}
	if ia+1 <= ib-1 {
		add(seq(uintRange(ia+1, ib-1), fraction("", false, "", false, false, fracDigits)))
	}
	if f := fraction("", false, fb, b.open, true, fracDigits); f != nil {
		add(seq(lit(strconv.FormatUint(ib, 10)), f))
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// fraction returns the expression of what follows an integer part: no
// fraction, or "." and up to most digits (unbounded: any), whose value f
// lies between 0.lo and, with hasHi, 0.hi (ends excluded when open). lo
// and hi are digit strings, "" for 0. It returns nil if none does.
func fraction(lo string, loOpen bool, hi string, hiOpen, hasHi bool, most int) *expr {
	digit := chars("", "0-9")
	at := func(s string, i int) byte {
		if i < len(s) {
			return s[i]
		}
		return '0'
	}
	zerosFrom := func(s string, i int) bool { return strings.Trim(s[min(i, len(s)):], "0") == "" }
	left := func(i int) int { // digits still allowed after the first i
		if most == unbounded {
			return unbounded
		}
		return most - i
	}
	some := func(n int) bool { return n == unbounded || n > 0 }
	// gen returns the expression of the digits from position i on, the
	// first i written, equal so far to those of lo (tl) and hi (th).
	var gen func(i int, tl, th bool) *expr
	gen = func(i int, tl, th bool) *expr {
		var alts []*expr
		// Stop here: the value is that of the digits written.
		lowOK := !tl || zerosFrom(lo, i) && !loOpen
		highOK := !th || !(zerosFrom(hi, i) && hiOpen)
		if i > 0 && lowOK && highOK {
			alts = append(alts, empty())
		}
		n := left(i)
		switch {
		case !some(n):
		case tl && i >= len(lo) && (!th || i >= len(hi)):
			// Equal to the bounds so far, past their digits: zeros keep
			// the value, any other digit raises it.
			switch {
			case th:
				if !loOpen && !hiOpen {
					alts = append(alts, repeat(lit("0"), 1, n))
				}
			case !loOpen:
				alts = append(alts, repeat(digit, 1, n))
			case n == unbounded:
				alts = append(alts, seq(star(lit("0")), chars("", "1-9"), star(digit)))
			default:
				for j := range n {
					alts = append(alts, seq(repeat(lit("0"), j, j), chars("", "1-9"), repeat(digit, 0, n-j-1)))
				}
			}
		case th && !tl && i >= len(hi):
			if !hiOpen {
				alts = append(alts, repeat(lit("0"), 1, n))
			}
		default:
			l, h := byte('0'), byte('9')
			if tl {
				l = at(lo, i)
			}
			if th {
				h = at(hi, i)
			}
			if tl {
				if e := gen(i+1, true, th && l == h); e != nil {
					alts = append(alts, seq(lit(string(l)), e))
				}
			}
			if th && !(tl && l == h) {
				if e := gen(i+1, false, true); e != nil {
					alts = append(alts, seq(lit(string(h)), e))
				}
			}
			fl, fh := l, h
			if tl {
				fl++
			}
			if th {
				fh--
			}
			if fl <= fh && fh <= '9' {
				rest := unbounded
				if n != unbounded {
					rest = n - 1
				}
				alts = append(alts, seq(class(newClass(runeRange{rune(fl), rune(fh)})), repeat(digit, 0, rest)))
			}
		}
		if alts == nil {
			return nil
		}
		return alt(alts...)
	}
	var alts []*expr
	if lo == "" && !loOpen && !(hasHi && hi == "" && hiOpen) {
		alts = append(alts, empty()) // no fraction: the value is the integer part
	}
	if d := gen(0, true, hasHi); d != nil && some(most) {
		alts = append(alts, seq(lit("."), d))
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// fractionsExpr returns the expression of numbers that are not integers
// between lo and hi: those strictly between two integers of the range
// (a part of them).
func fractionsExpr(lo, hi bound) *expr {
	digit := chars("", "0-9")
	nonZero := seq(lit("."), star(digit), chars("", "1-9"), star(digit))
	l, h := intBounds(lo, hi)
	var alts []*expr
	// x in (q, q+1) for q ≥ max(l, 0), q+1 ≤ h.
	if h == nil || *h >= 1 {
		a := uint64(0)
		if l != nil && *l > 0 {
			a = uint64(*l)
		}
		switch {
		case h == nil:
			alts = append(alts, seq(uintFrom(a), nonZero))
		case a <= uint64(*h-1):
			alts = append(alts, seq(uintRange(a, uint64(*h-1)), nonZero))
		}
	}
	// x = -(q.f) in (-(q+1), -q) for q ≥ max(-h, 0), -(q+1) ≥ l.
	if l == nil || *l <= -1 {
		a := uint64(0)
		if h != nil && *h < 0 {
			a = uint64(-*h)
		}
		switch {
		case l == nil:
			alts = append(alts, seq(lit("-"), uintFrom(a), nonZero))
		case a <= uint64(-*l-1):
			alts = append(alts, seq(lit("-"), uintRange(a, uint64(-*l-1)), nonZero))
		}
	}
	if alts == nil {
		return nil
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
