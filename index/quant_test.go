package index

import (
	"math"
	"math/rand/v2"
	"testing"
)

// quantizeInt8Reference is the definition quantizeInt8 must match: scale
// max|v|/127, values rounded half away from zero and clamped to ±127.
func quantizeInt8Reference(dst []int8, v []float32) float32 {
	var m float32
	for _, x := range v {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		clear(dst)
		return 0
	}
	scale := m / 127
	inv := 1 / scale
	for i, x := range v {
		dst[i] = int8(max(-127, min(127, math.Round(float64(x*inv)))))
	}
	return scale
}

func TestQuantizeInt8MatchesRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]float32{
		"zero":      make([]float32, 8),
		"halves":    {127, 0.5, -0.5, 1.5, -1.5, 126.5, -126.5, 2.5},
		"near half": {127, math.Nextafter32(0.5, 0), -math.Nextafter32(0.5, 0), math.Nextafter32(0.5, 1), math.Nextafter32(-0.5, -1)},
		"extremes":  {-3e38, 3e38, 1e-38, -1e-45},
		"one":       {-2},
	}
	for k := range 200 {
		v := make([]float32, 1+rng.IntN(600))
		for i := range v {
			v[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4)))
		}
		cases["random "+string(rune('a'+k%26))+string(rune('a'+k/26))] = v
	}
	for name, v := range cases {
		got, want := make([]int8, len(v)), make([]int8, len(v))
		gs, ws := quantizeInt8(got, v), quantizeInt8Reference(want, v)
		if gs != ws {
			t.Errorf("%s: scale %g, want %g", name, gs, ws)
		}
		for i := range v {
			if got[i] != want[i] {
				t.Errorf("%s: v[%d] = %g → %d, want %d", name, i, v[i], got[i], want[i])
				break
			}
		}
	}
}
