package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestVectorReductions checks Dot and SquaredL2 on every length 0…300 at
// every misalignment 0…3, against float64 sums: the assembly must agree
// with the portable code to rounding, on the whole-vector part and on the
// tail alike.
func TestVectorReductions(t *testing.T) {
	type reduction struct {
		name     string
		public   func(a, b []float32) float32
		portable func(a, b []float32) float32
		term     func(x, y float64) float64
	}
	reductions := []reduction{
		{"Dot", Dot, dotGeneric, func(x, y float64) float64 { return x * y }},
		{"SquaredL2", SquaredL2, squaredL2Generic, func(x, y float64) float64 { return (x - y) * (x - y) }},
	}
	r := rand.New(rand.NewPCG(11, 12))
	for _, red := range reductions {
		for n := 0; n <= 300; n++ {
			for off := 0; off < 4; off++ {
				a, aOK := guarded(r, n, off, 0)
				b, bOK := guarded(r, n, 3-off, 0)
				copy(a, randomFloats(r, n))
				copy(b, randomFloats(r, n))
				var want, mag float64
				for i := range a {
					v := red.term(float64(a[i]), float64(b[i]))
					want += v
					mag += math.Abs(v)
				}
				tol := sumTolerance(n, mag) + 8*0x1p-23*mag // the difference costs a rounding too
				for _, got := range []float32{red.public(a, b), red.portable(a, b)} {
					if d := math.Abs(float64(got) - want); !(d <= tol) {
						t.Fatalf("%s n=%d off=%d: got %g, want %g ± %g", red.name, n, off, got, want, tol)
					}
				}
				if !aOK() || !bOK() {
					t.Fatalf("%s n=%d: inputs changed", red.name, n)
				}
			}
		}
	}
}

func TestAxpy(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	for n := 0; n <= 300; n++ {
		off := n % 4
		x, xOK := guarded(r, n, off, 0)
		y, yOK := guarded(r, n, 3-off, 0)
		copy(x, randomFloats(r, n))
		copy(y, randomFloats(r, n))
		alpha := float32(r.NormFloat64())
		y0 := append([]float32(nil), y...)
		Axpy(alpha, x, y)
		for i := range y {
			want := float64(y0[i]) + float64(alpha)*float64(x[i])
			tol := 2 * 0x1p-24 * (math.Abs(float64(y0[i])) + math.Abs(float64(alpha)*float64(x[i])))
			if d := math.Abs(float64(y[i]) - want); d > tol {
				t.Fatalf("Axpy n=%d: y[%d] = %g, want %g", n, i, y[i], want)
			}
		}
		if !xOK() || !yOK() {
			t.Fatalf("Axpy n=%d wrote outside its slices", n)
		}
	}
}

func TestScaleIsExact(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	for n := 0; n <= 300; n++ {
		x, ok := guarded(r, n, n%4, 0)
		copy(x, randomFloats(r, n))
		x0 := append([]float32(nil), x...)
		alpha := float32(r.NormFloat64())
		Scale(alpha, x)
		for i := range x {
			// One rounded product, identical on every code path.
			if want := float32(float64(alpha) * float64(x0[i])); x[i] != want {
				t.Fatalf("Scale n=%d: x[%d] = %g, want %g", n, i, x[i], want)
			}
		}
		if !ok() {
			t.Fatalf("Scale n=%d wrote outside its slice", n)
		}
	}
}

func TestAxpyAliased(t *testing.T) {
	y := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	Axpy(0.5, y, y)
	for i, v := range y {
		if want := 1.5 * float32(i+1); v != want {
			t.Fatalf("Axpy(0.5, y, y): y[%d] = %g, want %g", i, v, want)
		}
	}
}

func TestLengthMismatchPanics(t *testing.T) {
	cases := map[string]func(){
		"Dot":          func() { Dot(make([]float32, 3), make([]float32, 4)) },
		"SquaredL2":    func() { SquaredL2(make([]float32, 3), make([]float32, 4)) },
		"Axpy":         func() { Axpy(1, make([]float32, 3), make([]float32, 4)) },
		"DotInt8":      func() { DotInt8(make([]int8, 3), make([]int8, 4)) },
		"DotF16":       func() { DotF16(make([]float32, 3), make([]uint16, 4)) },
		"EncodeF16":    func() { EncodeF16(make([]uint16, 3), make([]float32, 4)) },
		"DecodeF16":    func() { DecodeF16(make([]float32, 3), make([]uint16, 4)) },
		"MatMul short": func() { MatMul(make([]float32, 3), make([]float32, 4), make([]float32, 4), 2, 2, 2) },
		"MatMul negative": func() {
			MatMul(make([]float32, 4), make([]float32, 4), make([]float32, 4), -2, 2, -2)
		},
		"MatMulTransB short": func() {
			MatMulTransB(make([]float32, 4), make([]float32, 4), make([]float32, 3), 2, 2, 2)
		},
	}
	for name, f := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatalf("%s did not panic", name)
				}
			}()
			f()
		})
	}
}

func TestMatMulEmptyDimensions(t *testing.T) {
	c := []float32{7, 7, 7, 7}
	MatMul(c, nil, nil, 2, 0, 2)
	for _, v := range c {
		if v != 0 {
			t.Fatalf("MatMul with k = 0 left c = %v, want zeros", c)
		}
	}
	MatMul(nil, nil, nil, 0, 5, 0)
	MatMulTransB(c[:0], make([]float32, 10), nil, 2, 5, 0)
}
