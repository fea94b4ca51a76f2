package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// int4Reference is the definition of EncodeInt4 component by component:
// the block's scale and the rounded, clamped level of v[i].
func int4Reference(v []float32, i int) (level int, scale float32) {
	b := i / Int4Block
	var m float32
	for _, x := range v[b*Int4Block : min(len(v), (b+1)*Int4Block)] {
		m = max(m, float32(math.Abs(float64(x))))
	}
	if m == 0 {
		return 0, 0
	}
	return int(max(-7, min(7, math.Round(float64(v[i])*(7/float64(m)))))), m / 7
}

func TestEncodeInt4(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 42))
	tests := []struct {
		name string
		v    []float32
	}{
		{"zero block", make([]float32, 64)},
		{"one component", []float32{-3}},
		{"halves", []float32{7, 0.5, -0.5, 1.5, -1.5, 6.5, -6.5, 2.5}},
		{"short tail", randomVector(r, 70)},
		{"hybrid magnitudes", append(scaled(randomVector(r, 512), 0.01), randomVector(r, 1024)...)},
		{"three blocks", randomVector(r, 192)},
		{"subnormal block", []float32{4.4e-39, 0, -2e-39, 1e-45}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nb := Int4Blocks(len(tc.v))
			packed, scales := make([]byte, nb*32), make([]float32, nb)
			EncodeInt4(packed, scales, tc.v)
			got := make([]float32, nb*Int4Block)
			DecodeInt4(got, packed, scales)
			for i := range got {
				if i >= len(tc.v) {
					if got[i] != 0 {
						t.Fatalf("padding component %d decodes to %g", i, got[i])
					}
					continue
				}
				level, scale := int4Reference(tc.v, i)
				if scales[i/Int4Block] != scale {
					t.Fatalf("block %d: scale %g, want %g", i/Int4Block, scales[i/Int4Block], scale)
				}
				if want := float32(level) * scale; got[i] != want {
					t.Fatalf("v[%d] = %g decodes to %g, want %g", i, tc.v[i], got[i], want)
				}
			}
		})
	}
}

func TestDotInt4(t *testing.T) {
	r := rand.New(rand.NewPCG(43, 44))
	for _, dim := range []int{1, 63, 64, 65, 128, 300, 1536} {
		for range 20 {
			v := randomVector(r, dim)
			nb := Int4Blocks(dim)
			packed, scales := make([]byte, nb*32), make([]float32, nb)
			EncodeInt4(packed, scales, v)
			q := make([]int8, nb*Int4Block)
			for i := range dim {
				q[i] = int8(r.IntN(255) - 127) // [-127, 127], DotInt4's domain
			}
			x := make([]float32, dim)
			DecodeInt4(x, packed, scales)
			var want float64
			for i := range dim {
				want += float64(q[i]) * float64(x[i])
			}
			tol := 1e-5 * (math.Abs(want) + float64(dim))
			if got := DotInt4(q, packed, scales); math.Abs(float64(got)-want) > tol {
				t.Fatalf("dim %d: DotInt4 = %g, want %g", dim, got, want)
			}
			if got := dotInt4Generic(q, packed, scales); math.Abs(float64(got)-want) > tol {
				t.Fatalf("dim %d: dotInt4Generic = %g, want %g", dim, got, want)
			}
		}
	}
}

// TestDotInt4Extremes fills blocks with the largest levels and query
// bytes, where a saturating 16-bit step would show.
func TestDotInt4Extremes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level float32
		q     int8
	}{
		{"positive", 7, 127},
		{"negative level", -7, 127},
		{"negative query", 7, -127},
		{"both negative", -7, -127},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := make([]float32, 256)
			q := make([]int8, 256)
			for i := range v {
				v[i], q[i] = tc.level, tc.q
			}
			packed, scales := make([]byte, 128), make([]float32, 4)
			EncodeInt4(packed, scales, v)
			want := float32(256 * float64(tc.level) * float64(tc.q))
			if got := DotInt4(q, packed, scales); got != want {
				t.Fatalf("DotInt4 = %g, want %g", got, want)
			}
			if got := dotInt4Generic(q, packed, scales); got != want {
				t.Fatalf("dotInt4Generic = %g, want %g", got, want)
			}
		})
	}
}

func randomVector(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

func scaled(v []float32, s float32) []float32 {
	for i := range v {
		v[i] *= s
	}
	return v
}
