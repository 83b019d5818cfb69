package grammar

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
)

// Limits of numbers with bounds or multipleOf.
const (
	// maxBound bounds the magnitude of minimum and maximum: integers up to
	// it are exact in a float64.
	maxBound = 1 << 53
	// maxBoundDigits bounds the fraction digits of a bound.
	maxBoundDigits = 30
	// maxMultiple bounds the integer whose multiples multipleOf asks for:
	// the grammar follows the remainders of the division by it.
	maxMultiple = 200
	// maxMultipleDigits bounds the digits of multiples: below 2^53, where
	// every validator divides exactly.
	maxMultipleDigits = 15
)

// bound is one end of a range of numbers.
type bound struct {
	v    *big.Rat // nil: no bound
	open bool     // the end itself is excluded
}

// numberType returns the expression of the numbers of a: integers if
// types has tInt, others if tFrac, within the bounds and multiples of its
// elements, but those of excl. Numbers with bounds or multipleOf are
// written without exponent.
func (c *schemaCompiler) numberType(a alternative, types typeSet, excl []any) (*expr, error) {
	for _, v := range excl {
		if n, ok := v.(json.Number); ok {
			types &^= typeOfValue(n) // leave out integers, or others, to avoid the values
		}
	}
	lo, hi, at, err := c.bounds(a)
	if err != nil {
		return nil, err
	}
	mult, fracDigits, least, err := c.multiple(a)
	if err != nil {
		return nil, err
	}
	if least != nil {
		// Multiples n·r with n below 2^53, which validators that divide
		// in floating point (JavaScript's) see as integers.
		limit := new(big.Rat).Mul(least, new(big.Rat).SetInt64(maxBound-1))
		if hi.v == nil || hi.v.Cmp(limit) > 0 {
			hi = bound{limit, false}
		}
		if neg := new(big.Rat).Neg(limit); lo.v == nil || lo.v.Cmp(neg) < 0 {
			lo = bound{neg, false}
		}
	}
	if lo.v != nil && hi.v != nil {
		if cmp := lo.v.Cmp(hi.v); cmp > 0 || cmp == 0 && (lo.open || hi.open) {
			return nil, c.empty(at, "maximum", "no number lies between the bounds")
		}
	}
	var alts []*expr
	switch {
	case types&tNumber == 0:
	case mult > 0 && types&tInt == 0:
		// Multiples that are not integers: not written.
	case mult > 0 && (fracDigits == 0 || types&tFrac == 0):
		l, h := intBounds(lo, hi)
		if e := multiplesExpr(c, mult, l, h); e != nil {
			alts = append(alts, e)
		}
	case mult > 0:
		if e := decimalRange(lo, hi, fracDigits, true); e != nil {
			alts = append(alts, e)
		}
	case types&tNumber == tInt:
		l, h := intBounds(lo, hi)
		if l == nil || h == nil || *l <= *h {
			alts = append(alts, intExpr(l, h))
		}
	case types&tNumber == tFrac:
		if e := fractionsExpr(lo, hi); e != nil {
			alts = append(alts, e)
		}
	case lo.v == nil && hi.v == nil:
		alts = append(alts, jsonNumber())
	default:
		if e := decimalRange(lo, hi, unbounded, false); e != nil {
			alts = append(alts, e)
		}
	}
	if alts == nil {
		return nil, c.empty(at, "", "no number is left")
	}
	return alt(alts...), nil
}

// bounds reads minimum, maximum, exclusiveMinimum and exclusiveMaximum
// (numbers, or booleans as in draft 4) of the elements of a, keeping the
// tighter of each side.
func (c *schemaCompiler) bounds(a alternative) (lo, hi bound, at string, err error) {
	at = a.ptrOf("")
	tighter := func(b bound, v *big.Rat, open, low bool) bound {
		switch {
		case b.v == nil:
			return bound{v, open}
		case v.Cmp(b.v) == 0:
			b.open = b.open || open
		case low == (v.Cmp(b.v) > 0):
			return bound{v, open}
		}
		return b
	}
	for _, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		for _, side := range []struct {
			min, excl string
			b         *bound
			low       bool
		}{{"minimum", "exclusiveMinimum", &lo, true}, {"maximum", "exclusiveMaximum", &hi, false}} {
			draft4 := false
			switch v := o.vals[side.excl].(type) {
			case bool:
				draft4 = v
			case json.Number:
				r, err := c.boundValue(e.n.ptr, side.excl, v)
				if err != nil {
					return lo, hi, at, err
				}
				*side.b = tighter(*side.b, r, true, side.low)
				at = e.n.ptr
			case nil:
			default:
				return lo, hi, at, c.fail(e.n.ptr, side.excl, "must be a number or a boolean")
			}
			switch v := o.vals[side.min].(type) {
			case json.Number:
				r, err := c.boundValue(e.n.ptr, side.min, v)
				if err != nil {
					return lo, hi, at, err
				}
				*side.b = tighter(*side.b, r, draft4, side.low)
				at = e.n.ptr
			case nil:
				if draft4 {
					return lo, hi, at, c.fail(e.n.ptr, side.excl, "true without %s", side.min)
				}
			default:
				return lo, hi, at, c.fail(e.n.ptr, side.min, "must be a number")
			}
		}
	}
	return lo, hi, at, nil
}

// boundValue reads a bound: a decimal of magnitude up to 2^53 and at most
// maxBoundDigits fraction digits.
func (c *schemaCompiler) boundValue(ptr, k string, n json.Number) (*big.Rat, error) {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return nil, c.fail(ptr, k, "must be a number")
	}
	if new(big.Rat).Abs(r).Cmp(new(big.Rat).SetInt64(maxBound)) > 0 {
		return nil, c.unsupported(ptr, k, "%v is too large (at most 2^53)", n)
	}
	if _, ok := decimalDigits(r); !ok {
		return nil, c.unsupported(ptr, k, "%v has more than %d decimals", n, maxBoundDigits)
	}
	return r, nil
}

// multiple reads multipleOf in the elements of a. Integers are multiples
// of mult (0: no multipleOf); with fracDigits > 0 (then mult is 1), so
// are the numbers of at most fracDigits decimals (multipleOf 0.01). least
// is the smallest multipleOf, or nil.
func (c *schemaCompiler) multiple(a alternative) (mult int64, fracDigits int, least *big.Rat, err error) {
	fracDigits = -1
	for _, e := range a {
		o := e.obj()
		if o == nil {
			continue
		}
		v, ok := o.vals["multipleOf"]
		if !ok {
			continue
		}
		n, _ := v.(json.Number)
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || r.Sign() <= 0 {
			return 0, 0, nil, c.fail(e.n.ptr, "multipleOf", "must be a number above 0")
		}
		// r = p/q in lowest terms: an integer x is a multiple of r when p
		// divides x; a decimal of d digits, when r divides 10^-d.
		p := r.Num()
		if !p.IsInt64() || p.Int64() > maxMultiple {
			return 0, 0, nil, c.unsupported(e.n.ptr, "multipleOf", "%v: multiples of integers above %d are not supported", n, maxMultiple)
		}
		if mult == 0 {
			mult = 1
		}
		mult = lcm(mult, p.Int64())
		if mult > maxMultiple {
			return 0, 0, nil, c.unsupported(e.n.ptr, "multipleOf", "multiples of %d: integers above %d are not supported", mult, maxMultiple)
		}
		digits := 0
		if p.Int64() == 1 {
			d, ok := decimalDigits(r)
			if ok && pow10big(d).Cmp(r.Denom()) == 0 {
				digits = d // r is 10^-d
			}
		}
		if fracDigits < 0 || digits < fracDigits {
			fracDigits = digits
		}
		if least == nil || r.Cmp(least) < 0 {
			least = r
		}
	}
	if mult != 1 {
		fracDigits = 0
	}
	return mult, max(fracDigits, 0), least, nil
}

func lcm(a, b int64) int64 {
	x, y := a, b
	for y != 0 {
		x, y = y, x%y
	}
	return a / x * b
}

func pow10big(d int) *big.Int { return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil) }

// decimalDigits returns the number of fraction digits of the decimal r,
// if it is a decimal of at most maxBoundDigits of them.
func decimalDigits(r *big.Rat) (int, bool) {
	for d := 0; d <= maxBoundDigits; d++ {
		if new(big.Rat).Mul(r, new(big.Rat).SetInt(pow10big(d))).IsInt() {
			return d, true
		}
	}
	return 0, false
}

// intBounds returns the integer bounds within lo and hi (nil: none).
func intBounds(lo, hi bound) (*int64, *int64) {
	var l, h *int64
	if lo.v != nil {
		f := new(big.Int).Quo(lo.v.Num(), lo.v.Denom()) // toward zero
		if new(big.Rat).SetInt(f).Cmp(lo.v) < 0 || lo.open && new(big.Rat).SetInt(f).Cmp(lo.v) == 0 {
			f.Add(f, big.NewInt(1))
		}
		n := f.Int64()
		l = &n
	}
	if hi.v != nil {
		f := new(big.Int).Quo(hi.v.Num(), hi.v.Denom())
		if new(big.Rat).SetInt(f).Cmp(hi.v) > 0 || hi.open && new(big.Rat).SetInt(f).Cmp(hi.v) == 0 {
			f.Sub(f, big.NewInt(1))
		}
		n := f.Int64()
		h = &n
	}
	return l, h
}

// multiplesExpr returns the expression of the multiples of m from lo to
// hi (nil: no bound) of at most maxMultipleDigits digits; nil if there are
// none.
func multiplesExpr(c *schemaCompiler, m int64, lo, hi *int64) *expr {
	limit := int64(pow10(maxMultipleDigits)) - 1
	l, h := -limit, limit
	if lo != nil {
		l = max(*lo, -limit)
	}
	if hi != nil {
		h = min(*hi, limit)
	}
	if l > h {
		return nil
	}
	var alts []*expr
	if l < 0 {
		if e := c.multipleRange(m, uint64(max(1, -h)), uint64(-l)); e != nil {
			alts = append(alts, seq(lit("-"), e))
		}
	}
	if h >= 0 {
		if e := c.multipleRange(m, uint64(max(0, l)), uint64(h)); e != nil {
			alts = append(alts, e)
		}
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// multipleRange returns the expression of the numerals of the multiples
// of m from a to b, a ≤ b; nil if there are none.
func (c *schemaCompiler) multipleRange(m int64, a, b uint64) *expr {
	if m == 1 {
		return uintRange(a, b)
	}
	var alts []*expr
	for d := len(strconv.FormatUint(a, 10)); d <= len(strconv.FormatUint(b, 10)); d++ {
		x, y := max(a, pow10(d-1)), min(b, pow10(d)-1)
		if d == 1 {
			x = a
		}
		if e := c.multipleDigits(m, strconv.FormatUint(x, 10), strconv.FormatUint(y, 10), 0, true, true, 0); e != nil {
			alts = append(alts, e)
		}
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// multipleDigits returns the expression of the digits from position i of
// the numerals between x and y (of the same length) that are multiples of
// m, the first i digits written, leaving remainder r, equal so far to x
// (tl) and y (th).
func (c *schemaCompiler) multipleDigits(m int64, x, y string, i int, tl, th bool, r int64) *expr {
	if i == len(x) {
		if r == 0 {
			return empty()
		}
		return nil
	}
	l, h := byte('0'), byte('9')
	if tl {
		l = x[i]
	}
	if th {
		h = y[i]
	}
	var alts []*expr
	for d := l; d <= h; d++ {
		nr := (10*r + int64(d-'0')) % m
		var rest *expr
		if tl && d == l || th && d == h {
			rest = c.multipleDigits(m, x, y, i+1, tl && d == l, th && d == h, nr)
		} else {
			rest = c.freeMultiple(m, nr, len(x)-i-1)
		}
		if rest != nil {
			alts = append(alts, seq(lit(string(d)), rest))
		}
	}
	if alts == nil {
		return nil
	}
	return alt(alts...)
}

// freeMultiple returns a reference to the rule of the strings of k digits
// v such that r·10^k + v is a multiple of m; nil if there are none.
func (c *schemaCompiler) freeMultiple(m, r int64, k int) *expr {
	// Some v < 10^k is -r·10^k modulo m.
	need := (m - r*int64(pow10(k)%uint64(m))%m) % m
	if k < 19 && uint64(need) >= pow10(k) {
		return nil
	}
	if k == 0 {
		return empty()
	}
	key := fmt.Sprintf("%d/%d/%d", m, r, k)
	if c.multiples == nil {
		c.multiples = map[string]string{}
	}
	if name, ok := c.multiples[key]; ok {
		return ref(name)
	}
	rl := c.rule(fmt.Sprintf("multiple-%d-r%d-k%d", m, r, k))
	c.multiples[key] = rl.name
	var alts []*expr
	for d := int64(0); d <= 9; d++ {
		if rest := c.freeMultiple(m, (10*r+d)%m, k-1); rest != nil {
			alts = append(alts, seq(lit(strconv.FormatInt(d, 10)), rest))
		}
	}
	rl.body = alt(alts...)
	return ref(rl.name)
}
