package kernel

import (
	"math/rand/v2"
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
