package kernel

import "math"

// DotInt8 returns Σ a[i]·b[i] over int8 vectors of equal length, the
// distance primitive of scalar-quantised (int8) vector storage. The sum
// is exact while len(a) ≤ 131072 (each product is at most 2¹⁴ in
// magnitude); beyond that it wraps modulo 2³² exactly as int32 addition
// does, on every code path.
func DotInt8(a, b []int8) int32 {
	if len(a) != len(b) {
		panic("kernel: DotInt8 of vectors of different lengths")
	}
	return dotInt8(a, b)
}

func dotInt8Generic(a, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, v := range a {
		s += int32(v) * int32(b[i])
	}
	return s
}

// EncodeInt8 quantises v symmetrically into dst[:len(v)] and returns the
// scale: scale = max|v|/127, so that the largest component maps to ±127,
// and dst[i] = v[i]·(1/scale) rounded half away from zero, clamped to
// ±127 (computed in float64 as v[i]·127/max|v| when max|v| is so small
// that 1/scale overflows float32). A zero vector has scale 0 and zero
// bytes. It is the int8 storage's encoder and runs once per query of
// every int8 or int4 graph walk, which is why it has a vector path.
func EncodeInt8(dst []int8, v []float32) float32 {
	if len(dst) < len(v) {
		panic("kernel: EncodeInt8 destination too short")
	}
	m := maxAbs(v)
	if m == 0 {
		clear(dst[:len(v)])
		return 0
	}
	scale := m / 127
	inv := 1 / scale
	if math.IsInf(float64(inv), 0) {
		// max|v| is subnormal and 1/scale overflows float32; the
		// float64 product below keeps such a vector's levels.
		encodeInt8Wide(dst, v, 127/float64(m))
		return scale
	}
	encodeInt8(dst, v, inv)
	return scale
}

// encodeInt8Wide is encodeInt8Generic for an inverse scale that float32
// cannot hold.
func encodeInt8Wide(dst []int8, v []float32, inv float64) {
	for i, x := range v {
		dst[i] = int8(max(-127, min(127, math.Round(float64(x)*inv))))
	}
}

func maxAbsGeneric(v []float32) float32 {
	var m float32
	for _, x := range v {
		if x < 0 {
			x = -x
		}
		if x > m {
			m = x
		}
	}
	return m
}

func encodeInt8Generic(dst []int8, v []float32, inv float32) {
	for i, x := range v {
		// Round half away from zero, as math.Round does, without its
		// call. The sum is exact in float64, and |x·inv| ≤ 127 up to
		// rounding, so the clamp only catches 127.000x.
		r := float64(x * inv)
		var q int
		if r >= 0 {
			q = int(r + 0.5)
		} else {
			q = -int(0.5 - r)
		}
		dst[i] = int8(max(-127, min(127, q)))
	}
}
