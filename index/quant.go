package index

import (
	"fmt"
	"math"
	"strings"
	"sync"
)

// Storage is how an HNSW index holds its vectors in memory. Compressed
// storage shrinks what a graph traversal reads per visited node; by default
// the float32 originals are kept as well and re-score the final candidates,
// so that returned scores are exact (see HNSWConfig.DiscardOriginals).
type Storage int

const (
	// Float32 keeps vectors as they were given (4 bytes per dimension).
	Float32 Storage = iota
	// Float16 keeps IEEE 754 half-precision vectors (2 bytes per
	// dimension, about 3 significant decimal digits).
	Float16
	// Int8 keeps each vector as signed bytes with one scale per vector
	// (1 byte per dimension plus 4 bytes).
	Int8
)

func (s Storage) String() string {
	switch s {
	case Float32:
		return "f32"
	case Float16:
		return "f16"
	case Int8:
		return "int8"
	}
	return fmt.Sprintf("Storage(%d)", int(s))
}

// ParseStorage parses "f32", "f16" or "int8" (case-insensitive; "float32",
// "float16", "half" and "i8" are accepted too).
func ParseStorage(s string) (Storage, error) {
	switch strings.ToLower(s) {
	case "", "f32", "float32":
		return Float32, nil
	case "f16", "float16", "half":
		return Float16, nil
	case "int8", "i8":
		return Int8, nil
	}
	return 0, fmt.Errorf("unknown storage %q (want f32, f16 or int8)", s)
}

// bytesPerVector is the in-memory size of one stored vector.
func (s Storage) bytesPerVector(dim int) int {
	switch s {
	case Float16:
		return 2 * dim
	case Int8:
		return dim + 4
	}
	return 4 * dim
}

// Half-precision conversion. Go has no float16 type, and the kernel package
// has no conversion yet.
// TODO(kernel): switch to the kernel package's float16 conversions and dot
// product (F16C/AVX2) once they land; these are the portable fallbacks.

// floatToHalf rounds f to the nearest half-precision value, ties to even,
// with overflow to infinity, gradual underflow and NaN preserved.
func floatToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff { // Inf or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Subnormal half (or zero): shift the mantissa with its implicit
		// bit into place, rounding to nearest even on the dropped bits.
		if e < -10 {
			return sign
		}
		m := man | 0x800000
		shift := uint32(14 - e)
		h := m >> shift
		rem := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rem > half || (rem == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	h := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || (rem == 0x1000 && h&1 == 1) {
		h++ // a carry into the exponent is the correct rounding, up to Inf
	}
	return sign | uint16(h)
}

// halfToFloat widens a half-precision value exactly.
func halfToFloat(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | man<<13)
	case man == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal: normalise.
	e := uint32(113)
	for man&0x400 == 0 {
		man <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (man&0x3ff)<<13)
}

// halfTable maps every half-precision bit pattern to its float32 value: one
// load per element is the cheapest portable widening in the dot product.
var halfTable = sync.OnceValue(func() *[1 << 16]float32 {
	var t [1 << 16]float32
	for i := range t {
		t[i] = halfToFloat(uint16(i))
	}
	return &t
})

// dotHalf returns the inner product of a float32 query and a half vector.
func dotHalf(q []float32, x []uint16, t *[1 << 16]float32) float32 {
	x = x[:len(q)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(q); i += 4 {
		s0 += q[i] * t[x[i]]
		s1 += q[i+1] * t[x[i+1]]
		s2 += q[i+2] * t[x[i+2]]
		s3 += q[i+3] * t[x[i+3]]
	}
	for ; i < len(q); i++ {
		s0 += q[i] * t[x[i]]
	}
	return s0 + s1 + s2 + s3
}

// quantizeInt8 writes v/scale rounded into dst, with scale = max|v|/127 so
// that the largest component maps to ±127, and returns the scale. A zero
// vector has scale 0.
func quantizeInt8(dst []int8, v []float32) float32 {
	var m float32
	for _, x := range v {
		if x < 0 {
			x = -x
		}
		if x > m {
			m = x
		}
	}
	if m == 0 {
		clear(dst)
		return 0
	}
	scale := m / 127
	inv := 1 / scale
	for i, x := range v {
		r := math.Round(float64(x * inv))
		if r > 127 {
			r = 127
		} else if r < -127 {
			r = -127
		}
		dst[i] = int8(r)
	}
	return scale
}

// dotInt8 returns the inner product of two int8 vectors, accumulated
// exactly in int32 (512 × 127² fits with a wide margin).
// TODO(kernel): switch to kernel.DotInt8 (AVX2) once it lands.
func dotInt8(a, b []int8) int32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 int32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += int32(a[i]) * int32(b[i])
		s1 += int32(a[i+1]) * int32(b[i+1])
		s2 += int32(a[i+2]) * int32(b[i+2])
		s3 += int32(a[i+3]) * int32(b[i+3])
	}
	for ; i < len(a); i++ {
		s0 += int32(a[i]) * int32(b[i])
	}
	return s0 + s1 + s2 + s3
}
