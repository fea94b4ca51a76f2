package kernel

import "math"

// IEEE 754 binary16 ("half") values are stored as uint16 bit patterns:
// 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits. Half the
// memory of float32 for a relative error of at most 2⁻¹¹ on normal values,
// which is far below the noise in an embedding; the vector index stores
// vectors this way and scores them with DotF16 without widening them
// first.

// DotF16 returns Σ a[i]·b[i] where b holds half-precision values: the
// query stays float32 and the stored vector is widened lane by lane. The
// lengths must be equal.
func DotF16(a []float32, b []uint16) float32 {
	if len(a) != len(b) {
		panic("kernel: DotF16 of vectors of different lengths")
	}
	return dotF16(a, b)
}

// EncodeF16 rounds each src[i] to half precision (nearest, ties to even)
// into dst[i]. The lengths must be equal.
func EncodeF16(dst []uint16, src []float32) {
	if len(dst) != len(src) {
		panic("kernel: EncodeF16 of slices of different lengths")
	}
	encodeF16(dst, src)
}

// DecodeF16 widens each half-precision src[i] into dst[i], exactly. The
// lengths must be equal.
func DecodeF16(dst []float32, src []uint16) {
	if len(dst) != len(src) {
		panic("kernel: DecodeF16 of slices of different lengths")
	}
	decodeF16(dst, src)
}

// F16ToFloat32 returns the float32 equal to the half h. Every half is
// exactly representable; a NaN keeps its sign and payload and is made
// quiet.
func F16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f && frac == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f:
		// NaN: quiet it, as IEEE 754 conversions and VCVTPH2PS do, so the
		// portable and F16C paths give the same bits.
		return math.Float32frombits(sign | 0x7fc00000 | frac<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+127-15)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: frac·2⁻²⁴. Shift its leading one into the implicit
	// bit position, lowering the exponent once per shift.
	e := uint32(127 - 14)
	for frac&0x400 == 0 {
		frac <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
}

// Float32ToF16 rounds f to the nearest half, ties to even, as IEEE 754
// and the F16C instruction VCVTPS2PH do: magnitudes from 65520 up become
// infinity, magnitudes up to 2⁻²⁵ become zero, and between 2⁻²⁵ and 2⁻¹⁴
// the result is subnormal. A NaN stays a NaN with the same sign, made
// quiet, keeping the top 9 bits of its payload.
func Float32ToF16(f float32) uint16 {
	bits := math.Float32bits(f)
	sign := uint16(bits>>16) & 0x8000
	exp := int32(bits>>23) & 0xff
	frac := bits & 0x7fffff
	if exp == 0xff {
		if frac == 0 {
			return sign | 0x7c00
		}
		return sign | 0x7e00 | uint16(frac>>13)
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		if e < -10 {
			return sign
		}
		// The result is subnormal (or rounds up to the smallest normal,
		// whose encoding is the next integer, so the carry is right).
		frac |= 0x800000
		shift := uint32(14 - e)
		q := frac >> shift
		rem := frac & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && q&1 == 1) {
			q++
		}
		return sign | uint16(q)
	}
	// A carry out of the fraction bumps the exponent, and from the largest
	// finite half it lands exactly on infinity's encoding.
	q := uint32(e)<<10 | frac>>13
	rem := frac & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && q&1 == 1) {
		q++
	}
	return sign | uint16(q)
}

func dotF16Generic(a []float32, b []uint16) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(a); i += 2 {
		s0 += a[i] * F16ToFloat32(b[i])
		s1 += a[i+1] * F16ToFloat32(b[i+1])
	}
	if i < len(a) {
		s0 += a[i] * F16ToFloat32(b[i])
	}
	return s0 + s1
}

func encodeF16Generic(dst []uint16, src []float32) {
	src = src[:len(dst)]
	for i, v := range src {
		dst[i] = Float32ToF16(v)
	}
}

func decodeF16Generic(dst []float32, src []uint16) {
	src = src[:len(dst)]
	for i, h := range src {
		dst[i] = F16ToFloat32(h)
	}
}
