package kernel

import (
	"math"
	"math/rand/v2"
)

// refMatMul computes c = a·b (or a·bᵀ) in float64, plus for every entry
// the sum of |products|, which bounds the rounding error of any float32
// summation order: |err| ≤ k·2⁻²³·Σ|a·b| (with room for FMA and blocking).
func refMatMul(a, b []float32, m, k, n int, transB bool) (c, mag []float64) {
	c = make([]float64, m*n)
	mag = make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s, s2 float64
			for p := 0; p < k; p++ {
				bv := b[p*n+j]
				if transB {
					bv = b[j*k+p]
				}
				prod := float64(a[i*k+p]) * float64(bv)
				s += prod
				s2 += math.Abs(prod)
			}
			c[i*n+j] = s
			mag[i*n+j] = s2
		}
	}
	return c, mag
}

// sumTolerance is the error allowed for a float32 sum of k terms whose
// absolute values add up to mag.
func sumTolerance(k int, mag float64) float64 {
	return float64(k+2)*0x1p-23*mag + 1e-30
}

func randomFloats(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// guarded returns a slice of length n at offset off inside a buffer whose
// cells before and after it hold sentinel values, and a check that the
// sentinels are intact: assembly that writes out of bounds corrupts them.
func guarded(r *rand.Rand, n, off int, fill float32) (s []float32, intact func() bool) {
	const guard = 19
	buf := make([]float32, off+n+guard)
	for i := range buf {
		buf[i] = -12345.5
	}
	s = buf[off : off+n : off+n]
	for i := range s {
		s[i] = fill
	}
	return s, func() bool {
		for i := 0; i < off; i++ {
			if buf[i] != -12345.5 {
				return false
			}
		}
		for i := off + n; i < len(buf); i++ {
			if buf[i] != -12345.5 {
				return false
			}
		}
		return true
	}
}
