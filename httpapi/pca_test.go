package httpapi

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestJacobiEigen checks the decomposition against its definition on
// random symmetric matrices: A·v = λ·v for every pair, V orthonormal, and
// the eigenvalues summing to the trace.
func TestJacobiEigen(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{1, 2, 3, 7, 40} {
		a := make([][]float64, n)
		for i := range a {
			a[i] = make([]float64, n)
		}
		var trace float64
		for i := 0; i < n; i++ {
			for j := i; j < n; j++ {
				x := rng.NormFloat64()
				a[i][j], a[j][i] = x, x
			}
			trace += a[i][i]
		}
		orig := make([][]float64, n)
		for i := range a {
			orig[i] = append([]float64(nil), a[i]...)
		}
		values, v := jacobiEigen(a)
		var sum float64
		for k := 0; k < n; k++ {
			sum += values[k]
			for i := 0; i < n; i++ {
				var av float64
				for j := 0; j < n; j++ {
					av += orig[i][j] * v[j][k]
				}
				if math.Abs(av-values[k]*v[i][k]) > 1e-9 {
					t.Fatalf("n=%d: (A·v)[%d] = %g, λ·v = %g", n, i, av, values[k]*v[i][k])
				}
			}
			for l := 0; l < n; l++ {
				var dot float64
				for i := 0; i < n; i++ {
					dot += v[i][k] * v[i][l]
				}
				want := 0.0
				if k == l {
					want = 1
				}
				if math.Abs(dot-want) > 1e-9 {
					t.Fatalf("n=%d: columns %d·%d = %g", n, k, l, dot)
				}
			}
		}
		if math.Abs(sum-trace) > 1e-9 {
			t.Fatalf("n=%d: Σλ = %g, trace %g", n, sum, trace)
		}
	}
}

// TestProject2DPreservesPlanarData: points that lie on a plane in a
// high-dimensional space keep all their pairwise distances in the map, and
// the two axes explain all the variance.
func TestProject2DPreservesPlanarData(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const d, m = 300, 25
	e1, e2 := randomUnit(rng, d), randomUnit(rng, d)
	// Gram–Schmidt: e2 ⟂ e1.
	var dot float64
	for i := range e1 {
		dot += e1[i] * e2[i]
	}
	var n2 float64
	for i := range e2 {
		e2[i] -= dot * e1[i]
		n2 += e2[i] * e2[i]
	}
	for i := range e2 {
		e2[i] /= math.Sqrt(n2)
	}
	offset := randomUnit(rng, d)
	points := make([][]float32, m)
	coords := make([][2]float64, m)
	for i := range points {
		a, b := 3*rng.NormFloat64(), rng.NormFloat64()
		coords[i] = [2]float64{a, b}
		p := make([]float32, d)
		for j := range p {
			p[j] = float32(offset[j] + a*e1[j] + b*e2[j])
		}
		points[i] = p
	}
	xy, explained := project2D(points, 0)
	if s := explained[0] + explained[1]; math.Abs(s-1) > 1e-4 || explained[0] < explained[1] {
		t.Fatalf("explained %v", explained)
	}
	for i := 0; i < m; i++ {
		for j := i + 1; j < m; j++ {
			want := math.Hypot(coords[i][0]-coords[j][0], coords[i][1]-coords[j][1])
			got := math.Hypot(xy[i][0]-xy[j][0], xy[i][1]-xy[j][1])
			if math.Abs(got-want) > 1e-4*math.Max(1, want) {
				t.Fatalf("distance %d–%d: %g in the map, %g in the data", i, j, got, want)
			}
		}
	}
	if xy[0][0] < 0 || xy[0][1] < 0 {
		t.Fatalf("anchor not in the upper right quadrant: %v", xy[0])
	}
}

// TestProject2DKnownAxes: six points on the axes of R³ with spreads 3, 2
// and 1 have principal axes x, y (in that order) and variance shares
// 18/28 and 8/28.
func TestProject2DKnownAxes(t *testing.T) {
	points := [][]float32{{3, 0, 0}, {-3, 0, 0}, {0, 2, 0}, {0, -2, 0}, {0, 0, 1}, {0, 0, -1}}
	xy, explained := project2D(points, 0)
	if math.Abs(explained[0]-18.0/28) > 1e-9 || math.Abs(explained[1]-8.0/28) > 1e-9 {
		t.Fatalf("explained %v", explained)
	}
	want := [][2]float64{{3, 0}, {-3, 0}, {0, 2}, {0, -2}, {0, 0}, {0, 0}}
	for i := range want {
		// The sign of y is fixed by the largest component, not the anchor.
		if math.Abs(xy[i][0]-want[i][0]) > 1e-9 || math.Abs(math.Abs(xy[i][1])-math.Abs(want[i][1])) > 1e-9 {
			t.Fatalf("point %d at %v, want %v", i, xy[i], want[i])
		}
	}
}

func TestProject2DDegenerate(t *testing.T) {
	tests := []struct {
		name   string
		points [][]float32
		want   [][2]float64
	}{
		{"none", nil, [][2]float64{}},
		{"one", [][]float32{{1, 2}}, [][2]float64{{0, 0}}},
		{"identical", [][]float32{{1, 2}, {1, 2}, {1, 2}}, [][2]float64{{0, 0}, {0, 0}, {0, 0}}},
		{"two", [][]float32{{0, 0}, {0, 4}}, [][2]float64{{2, 0}, {-2, 0}}},
		{"not finite", [][]float32{{float32(math.NaN()), 0}, {0, 1}}, [][2]float64{{0, 0}, {0, 0}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			xy, _ := project2D(tc.points, 0)
			if len(xy) != len(tc.want) {
				t.Fatalf("%d points out", len(xy))
			}
			for i := range xy {
				if math.Abs(xy[i][0]-tc.want[i][0]) > 1e-9 || math.Abs(xy[i][1]-tc.want[i][1]) > 1e-9 {
					t.Fatalf("point %d at %v, want %v", i, xy[i], tc.want[i])
				}
			}
		})
	}
}

func randomUnit(rng *rand.Rand, d int) []float64 {
	v := make([]float64, d)
	var n float64
	for i := range v {
		v[i] = rng.NormFloat64()
		n += v[i] * v[i]
	}
	for i := range v {
		v[i] /= math.Sqrt(n)
	}
	return v
}
