package safetensors

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// f16Value computes the value of binary16 bits h from the definition of the
// format, in float64, with the math package.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	mant := float64(h & 0x3ff)
	switch exp {
	case 0x1f:
		if mant != 0 {
			return math.NaN()
		}
		return math.Inf(int(sign))
	case 0:
		return math.Copysign(math.Ldexp(mant, -24), sign)
	}
	return sign * math.Ldexp(1+mant/1024, exp-15)
}

func TestFloat16ToFloat32AllPatterns(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		got := Float16ToFloat32(h)
		want := f16Value(h)
		if math.IsNaN(want) {
			require.True(t, math.IsNaN(float64(got)), "%#04x", h)
			require.Equal(t, h&0x8000 != 0, math.Signbit(float64(got)), "%#04x sign", h)
			require.Equal(t, uint32(h&0x3ff), math.Float32bits(got)>>13&0x3ff, "%#04x payload", h)
			continue
		}
		require.Equal(t, want, float64(got), "%#04x", h)
		require.Equal(t, math.Signbit(want), math.Signbit(float64(got)), "%#04x sign", h)
	}
}

func TestFloat32ToFloat16RoundTrip(t *testing.T) {
	for i := range 1 << 16 {
		h := uint16(i)
		got := Float32ToFloat16(Float16ToFloat32(h))
		if h&0x7c00 == 0x7c00 && h&0x3ff != 0 { // NaN: comes back quiet
			require.Equal(t, h|0x200, got, "%#04x", h)
			continue
		}
		require.Equal(t, h, got, "%#04x", h)
	}
}

// finiteF16 returns every finite non-negative binary16 value, ascending, with
// its bits.
func finiteF16() ([]float64, []uint16) {
	var vals []float64
	var bits []uint16
	for h := uint16(0); h < 0x7c00; h++ {
		vals = append(vals, f16Value(h))
		bits = append(bits, h)
	}
	return vals, bits
}

func TestFloat32ToFloat16Ties(t *testing.T) {
	vals, bits := finiteF16()
	for i := 0; i+1 < len(vals); i++ {
		lo, hi := vals[i], vals[i+1]
		mid := float32((lo + hi) / 2) // exact: 12 significant bits at most
		require.Equal(t, (lo+hi)/2, float64(mid))
		even := bits[i]
		if even&1 != 0 {
			even = bits[i+1]
		}
		require.Equal(t, even, Float32ToFloat16(mid), "tie between %#04x and %#04x", bits[i], bits[i+1])
		require.Equal(t, even|0x8000, Float32ToFloat16(-mid))
		require.Equal(t, bits[i], Float32ToFloat16(math.Nextafter32(mid, 0)))
		require.Equal(t, bits[i+1], Float32ToFloat16(math.Nextafter32(mid, 1e9)))
	}
	// Beyond the largest finite value: the tie at 65520 goes to infinity (even).
	assert.Equal(t, uint16(0x7bff), Float32ToFloat16(65519.996))
	assert.Equal(t, uint16(0x7c00), Float32ToFloat16(65520))
	assert.Equal(t, uint16(0xfc00), Float32ToFloat16(-1e30))
	assert.Equal(t, uint16(0x7c00), Float32ToFloat16(float32(math.Inf(1))))
	// Below the smallest subnormal: half of it is a tie that goes to zero.
	assert.Equal(t, uint16(0), Float32ToFloat16(float32(math.Ldexp(1, -25))))
	assert.Equal(t, uint16(1), Float32ToFloat16(math.Nextafter32(float32(math.Ldexp(1, -25)), 1)))
	assert.Equal(t, uint16(0x8000), Float32ToFloat16(float32(math.Copysign(0, -1))))
	assert.Equal(t, uint16(0x8000), Float32ToFloat16(-math.SmallestNonzeroFloat32))
}

func TestFloat32ToFloat16Nearest(t *testing.T) {
	// Against a brute-force search for the nearest binary16 value.
	vals, bits := finiteF16()
	nearest := func(x float64) uint16 {
		i := sort.SearchFloat64s(vals, x) // vals[i-1] < x <= vals[i]
		switch {
		case i == len(vals):
			if x-vals[i-1] >= (65536-65504)/2 {
				return 0x7c00
			}
			return bits[i-1]
		case i == 0 || vals[i] == x:
			return bits[i]
		}
		dlo, dhi := x-vals[i-1], vals[i]-x
		if dlo < dhi || dlo == dhi && bits[i-1]&1 == 0 {
			return bits[i-1]
		}
		return bits[i]
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 1_000_000 {
		// Exponents spread over and beyond the binary16 range.
		x := float32(math.Ldexp(1+r.Float64(), r.IntN(50)-30))
		require.Equal(t, nearest(float64(x)), Float32ToFloat16(x), "%g", x)
		require.Equal(t, nearest(float64(x))|0x8000, Float32ToFloat16(-x), "%g", -x)
	}
}

func TestFloat32ToFloat16NaN(t *testing.T) {
	for _, b := range []uint32{0x7fc00000, 0x7f800001, 0xffc00000, 0xff800001, 0x7fffffff} {
		h := Float32ToFloat16(math.Float32frombits(b))
		assert.True(t, math.IsNaN(float64(Float16ToFloat32(h))), "%#08x -> %#04x", b, h)
		assert.Equal(t, b>>31 == 1, h&0x8000 != 0)
	}
}

func TestBFloat16ToFloat32AllPatterns(t *testing.T) {
	for i := range 1 << 16 {
		b := uint16(i)
		got := float64(BFloat16ToFloat32(b))
		sign := 1.0
		if b&0x8000 != 0 {
			sign = -1
		}
		exp := int(b>>7) & 0xff
		mant := float64(b & 0x7f)
		switch {
		case exp == 0xff && mant != 0:
			require.True(t, math.IsNaN(got), "%#04x", b)
		case exp == 0xff:
			require.Equal(t, math.Inf(int(sign)), got)
		case exp == 0:
			require.Equal(t, math.Copysign(math.Ldexp(mant, -133), sign), got, "%#04x", b)
			require.Equal(t, sign < 0, math.Signbit(got))
		default:
			require.Equal(t, sign*math.Ldexp(1+mant/128, exp-127), got, "%#04x", b)
		}
		if !math.IsNaN(got) {
			require.Equal(t, b, Float32ToBFloat16(float32(got)), "round trip %#04x", b)
		}
	}
}

func TestFloat32ToBFloat16Rounding(t *testing.T) {
	tests := []struct {
		in   uint32
		want uint16
	}{
		{0x3f808000, 0x3f80}, // tie, even below
		{0x3f818000, 0x3f82}, // tie, even above
		{0x3f808001, 0x3f81}, // just above the tie
		{0x3f807fff, 0x3f80}, // just below the tie
		{0x7f7fffff, 0x7f80}, // largest float32 rounds to infinity
		{0x00008000, 0x0000}, // subnormal tie to even zero
		{0x00018000, 0x0002}, // subnormal tie to even
		{0x80000001, 0x8000}, // tiny negative to negative zero
		{0x7f800000, 0x7f80}, // infinity
		{0x7f800001, 0x7fc0}, // signalling NaN becomes quiet, not infinity
		{0xffc00001, 0xffc0}, // negative NaN
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Float32ToBFloat16(math.Float32frombits(tt.in)), "%#08x", tt.in)
	}
}

func BenchmarkFloat16ToFloat32(b *testing.B) {
	src := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = byte(r.Uint32())
	}
	dst := make([]float32, len(src)/2)
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		_ = DecodeFloat32(dst, src, F16)
	}
}

func BenchmarkFloat32ToFloat16(b *testing.B) {
	src := make([]float32, 1<<19)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range src {
		src[i] = float32(r.NormFloat64())
	}
	b.SetBytes(int64(4 * len(src)))
	var sink uint16
	for b.Loop() {
		for _, f := range src {
			sink ^= Float32ToFloat16(f)
		}
	}
	_ = sink
}
