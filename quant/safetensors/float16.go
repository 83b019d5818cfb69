package safetensors

import "math"

// IEEE 754 binary16 ("half", F16) and bfloat16 (BF16) conversions. The
// conversions to float32 are exact; those from float32 round to nearest, ties
// to even, as IEEE 754 and PyTorch do, and keep NaNs NaN.

const (
	f16SignMask = 0x8000
	f16ExpMask  = 0x7c00
	f16MantMask = 0x03ff
	f16QuietNaN = 0x0200 // the quiet bit of a binary16 NaN
	f32ExpBias  = 127
	f16ExpBias  = 15
	f32MantBits = 23
	f16MantBits = 10
)

// Float16ToFloat32 returns the value of the binary16 number with bits h.
// Subnormals, infinities and signed zeros convert exactly; a NaN stays a NaN
// with its sign and payload.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&f16SignMask) << 16
	exp := uint32(h&f16ExpMask) >> f16MantBits
	mant := uint32(h & f16MantMask)
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0x7f800000 | mant<<(f32MantBits-f16MantBits))
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+f32ExpBias-f16ExpBias)<<f32MantBits | mant<<(f32MantBits-f16MantBits))
	case mant == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// Subnormal: mant × 2^-24. Shift the leading 1 into the implicit bit.
	e := uint32(f32ExpBias - f16ExpBias + 1)
	for mant&(1<<f16MantBits) == 0 {
		mant <<= 1
		e--
	}
	mant &= f16MantMask
	return math.Float32frombits(sign | e<<f32MantBits | mant<<(f32MantBits-f16MantBits))
}

// Float32ToFloat16 returns the binary16 number nearest to f, ties to even.
// Values beyond the binary16 range become infinities, values too small for
// its subnormals become signed zeros, and a NaN becomes a quiet NaN with the
// same sign and the top bits of its payload.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & f16SignMask
	exp := int(b>>f32MantBits) & 0xff
	mant := b & (1<<f32MantBits - 1)
	if exp == 0xff {
		if mant != 0 {
			return sign | f16ExpMask | f16QuietNaN | uint16(mant>>(f32MantBits-f16MantBits))
		}
		return sign | f16ExpMask
	}
	e := exp - f32ExpBias + f16ExpBias // biased binary16 exponent
	if e >= 0x1f {
		return sign | f16ExpMask
	}
	if e > 0 { // normal: drop 13 bits; a carry may roll into the exponent, up to infinity
		return sign | (uint16(e)<<f16MantBits + roundShift(mant, f32MantBits-f16MantBits))
	}
	// Subnormal (or zero) result: the value is m × 2^(exp-150) with the implicit
	// bit made explicit, and a binary16 subnormal unit is 2^-24.
	if e < -f16MantBits {
		return sign // below half the smallest subnormal
	}
	m := mant
	if exp != 0 {
		m |= 1 << f32MantBits
	}
	return sign | roundShift(m, uint(f32MantBits-f16MantBits+1-e))
}

// roundShift returns m >> shift rounded to nearest, ties to even. shift is in
// [1, 31].
func roundShift(m uint32, shift uint) uint16 {
	q := m >> shift
	rem := m & (1<<shift - 1)
	half := uint32(1) << (shift - 1)
	if rem > half || rem == half && q&1 == 1 {
		q++
	}
	return uint16(q)
}

// BFloat16ToFloat32 returns the value of the bfloat16 number with bits b
// (exact: bfloat16 is the top half of a float32).
func BFloat16ToFloat32(b uint16) float32 { return math.Float32frombits(uint32(b) << 16) }

// Float32ToBFloat16 returns the bfloat16 number nearest to f, ties to even;
// a NaN becomes a quiet NaN with the same sign.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: truncate and set the quiet bit
		return uint16(b>>16) | 0x0040
	}
	return roundShift32(b)
}

// roundShift32 returns b >> 16 rounded to nearest, ties to even; a carry out of
// the largest finite value gives infinity, as it should.
func roundShift32(b uint32) uint16 {
	return uint16((uint64(b) + 0x7fff + uint64(b>>16&1)) >> 16)
}
