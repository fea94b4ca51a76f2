package kernel

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestDotInt8(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	buf := make([]int8, 310)
	other := make([]int8, 310)
	for n := 0; n <= 300; n++ {
		for off := 0; off < 4; off++ {
			a, b := buf[off:off+n], other[3-off:3-off+n]
			for i := range a {
				a[i], b[i] = int8(r.IntN(256)-128), int8(r.IntN(256)-128)
			}
			var want int64
			for i := range a {
				want += int64(a[i]) * int64(b[i])
			}
			if got := DotInt8(a, b); int64(got) != want {
				t.Fatalf("DotInt8 n=%d off=%d = %d, want %d", n, off, got, want)
			}
		}
	}
}

func TestDotInt8Extremes(t *testing.T) {
	tests := []struct {
		name string
		a, b int8
		n    int
	}{
		{"most negative squared", -128, -128, 1000},
		{"mixed extremes", -128, 127, 1000},
		// 200000·16384 overflows int32: every path must wrap the same way.
		{"wraps like int32", -128, -128, 200000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := make([]int8, tc.n)
			b := make([]int8, tc.n)
			for i := range a {
				a[i], b[i] = tc.a, tc.b
			}
			want := int32(int64(tc.a) * int64(tc.b) * int64(tc.n))
			if got := DotInt8(a, b); got != want {
				t.Fatalf("DotInt8 = %d, want %d", got, want)
			}
			if got := dotInt8Generic(a, b); got != want {
				t.Fatalf("dotInt8Generic = %d, want %d", got, want)
			}
		})
	}
}

// encodeInt8Reference is the definition EncodeInt8 must match: scale
// max|v|/127, values rounded half away from zero and clamped to ±127.
func encodeInt8Reference(dst []int8, v []float32) float32 {
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
		r := float64(x * inv)
		if math.IsInf(float64(inv), 0) {
			r = float64(x) * (127 / float64(m))
		}
		dst[i] = int8(max(-127, min(127, math.Round(r))))
	}
	return scale
}

func TestEncodeInt8MatchesRounding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]float32{
		"zero":      make([]float32, 8),
		"halves":    {127, 0.5, -0.5, 1.5, -1.5, 126.5, -126.5, 2.5},
		"near half": {127, math.Nextafter32(0.5, 0), -math.Nextafter32(0.5, 0), math.Nextafter32(0.5, 1), math.Nextafter32(-0.5, -1)},
		"extremes":  {-3e38, 3e38, 1e-38, -1e-45},
		"subnormal": {4.42539e-39, 0, -1e-45, 2e-39},
		"one":       {-2},
	}
	// The same ties at the vector path's width (32 components at a time).
	for name, pattern := range map[string][]float32{"halves": cases["halves"], "near half": cases["near half"]} {
		var v []float32
		for len(v) < 96 {
			v = append(v, pattern...)
		}
		cases[name+", 96 components"] = v
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
		gs, ws := EncodeInt8(got, v), encodeInt8Reference(want, v)
		if gs != ws {
			t.Errorf("%s: scale %g, want %g", name, gs, ws)
		}
		// The portable loop, where EncodeInt8 would use it (the vector
		// path covers whole blocks of 32 only).
		portable := slices.Clone(want)
		if inv := 1 / ws; ws != 0 && !math.IsInf(float64(inv), 0) {
			encodeInt8Generic(portable, v, inv)
		}
		for i := range v {
			if got[i] != want[i] || portable[i] != want[i] {
				t.Errorf("%s: v[%d] = %g → %d (portable %d), want %d", name, i, v[i], got[i], portable[i], want[i])
				break
			}
		}
	}
}
