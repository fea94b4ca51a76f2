package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

type gemmShapeCase struct{ m, k, n int }

func (s gemmShapeCase) String() string { return fmt.Sprintf("%dx%dx%d", s.m, s.k, s.n) }

// checkGemm runs one product through family g on unaligned sub-slices,
// with C prefilled with NaN (an overwrite must not read it), and compares
// it with the float64 reference.
func checkGemm(t *testing.T, g *gemmKernels, s gemmShapeCase, transB bool, r *rand.Rand) {
	t.Helper()
	off := r.IntN(4)
	a, aOK := guarded(r, s.m*s.k, off, 0)
	b, bOK := guarded(r, s.k*s.n, (off+1)%4, 0)
	c, cOK := guarded(r, s.m*s.n, (off+2)%4, float32(math.NaN()))
	copy(a, randomFloats(r, len(a)))
	copy(b, randomFloats(r, len(b)))
	g.run(gemmProblem{c: c, a: a, b: b, m: s.m, k: s.k, n: s.n, transB: transB})
	if !aOK() || !bOK() || !cOK() {
		t.Fatalf("%s %v transB=%v: wrote outside the slices", g.name, s, transB)
	}
	want, mag := refMatMul(a, b, s.m, s.k, s.n, transB)
	for i, got := range c {
		if d := math.Abs(float64(got) - want[i]); !(d <= sumTolerance(s.k, mag[i])) {
			t.Fatalf("%s %v transB=%v: c[%d,%d] = %g, want %g (tolerance %g)",
				g.name, s, transB, i/s.n, i%s.n, got, want[i], sumTolerance(s.k, mag[i]))
		}
	}
}

func TestGemmSmallShapesEveryFamily(t *testing.T) {
	dims := []int{1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 16, 17, 24, 31, 32, 33, 48, 65}
	r := rand.New(rand.NewPCG(1, 2))
	for _, g := range gemmFamilies() {
		for _, transB := range []bool{false, true} {
			for _, m := range dims {
				for _, n := range dims {
					k := dims[(m*7+n)%len(dims)]
					checkGemm(t, g, gemmShapeCase{m, k, n}, transB, r)
				}
			}
		}
	}
}

func TestGemmBlockBoundaries(t *testing.T) {
	// Shapes that cross kc, mc and nc of every family, with ragged edges,
	// and that are large enough to run on several goroutines.
	shapes := []gemmShapeCase{
		{97, 257, 33}, {13, 513, 200}, {200, 300, 50}, {7, 64, 3100},
		{130, 129, 3090}, {1, 1000, 17}, {3, 40, 5000}, {5, 512, 2000},
		{300, 70, 5}, {25, 2048, 40},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, g := range gemmFamilies() {
		for _, s := range shapes {
			for _, transB := range []bool{false, true} {
				checkGemm(t, g, s, transB, r)
			}
		}
	}
}

func TestGemmRandomShapes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, g := range gemmFamilies() {
		for range 40 {
			s := gemmShapeCase{1 + r.IntN(80), 1 + r.IntN(300), 1 + r.IntN(120)}
			checkGemm(t, g, s, r.IntN(2) == 1, r)
		}
	}
}

func TestGemmOddThreadCounts(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(3))
	r := rand.New(rand.NewPCG(7, 8))
	for _, g := range gemmFamilies() {
		for _, s := range []gemmShapeCase{{61, 300, 257}, {250, 256, 61}, {2, 512, 999}} {
			checkGemm(t, g, s, false, r)
			checkGemm(t, g, s, true, r)
		}
	}
}
