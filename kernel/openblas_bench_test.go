//go:build openblas

package kernel

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/driftrec/driftrec/kernel/internal/blasref"
)

// BenchmarkVersusOpenBLAS times our products and cblas_sgemm on the same
// matrices, alternating within each round so that both see the same
// machine load; every b.N iteration is one round, so -benchtime=15x runs
// 15 rounds. It reports the medians of both rates and of the per-round
// ratio ours/OpenBLAS. DRIFTREC_KERNEL_FAMILY=avx2 (or portable) runs
// that family of ours instead of the best one. Run it with
// scripts/bench-kernels.sh.
func BenchmarkVersusOpenBLAS(b *testing.B) {
	g := bestGemm
	if name := os.Getenv("DRIFTREC_KERNEL_FAMILY"); name != "" {
		i := slices.IndexFunc(gemmFamilies(), func(g *gemmKernels) bool { return g.name == name })
		if i < 0 {
			b.Fatalf("DRIFTREC_KERNEL_FAMILY=%s: this CPU runs none such", name)
		}
		g = gemmFamilies()[i]
	}
	b.Logf("OpenBLAS core %q, config %q; ours: %s", blasref.CoreName(), blasref.Config(), g.name)
	shapes := []gemmShapeCase{
		{1, 512, 512}, {16, 512, 512}, {32, 512, 2048}, {64, 512, 2048},
		{128, 1024, 1024}, {128, 256, 3072}, {256, 1024, 1024}, {512, 512, 512},
		{512, 1024, 1024}, {512, 1024, 3072}, {512, 3072, 1024}, {512, 2048, 2048},
	}
	for _, threads := range []int{1, 2} {
		for _, transB := range []bool{false, true} {
			for _, s := range shapes {
				name := fmt.Sprintf("threads=%d/transB=%v/%v", threads, transB, s)
				b.Run(name, func(b *testing.B) { versusOpenBLAS(b, g, s, transB, threads) })
			}
		}
	}
	for _, s := range []gemmShapeCase{{1, 512, 10000}, {4, 512, 10000}, {16, 512, 10000}} {
		b.Run(fmt.Sprintf("threads=2/index/%v", s), func(b *testing.B) { versusOpenBLAS(b, g, s, true, 2) })
	}
}

func versusOpenBLAS(b *testing.B, g *gemmKernels, s gemmShapeCase, transB bool, threads int) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads))
	blasref.SetThreads(threads)
	r := rand.New(rand.NewPCG(9, 9))
	a := randomFloats(r, s.m*s.k)
	bm := randomFloats(r, s.k*s.n)
	c := make([]float32, s.m*s.n)
	flop := 2 * float64(s.m) * float64(s.k) * float64(s.n)
	// Each timing repeats its product for at least 20 ms.
	rate := func(f func()) float64 {
		f()
		reps := 0
		start := time.Now()
		for time.Since(start) < 20*time.Millisecond {
			f()
			reps++
		}
		return flop * float64(reps) / time.Since(start).Seconds() / 1e9
	}
	// The same call MatMul and MatMulTransB make after checking shapes.
	ours := func() { g.run(gemmProblem{c: c, a: a, b: bm, m: s.m, k: s.k, n: s.n, transB: transB}) }
	theirs := func() { blasref.Sgemm(c, a, bm, s.m, s.k, s.n, transB) }
	var oursRates, blasRates, ratios []float64
	for i := 0; b.Loop(); i++ {
		var o, t float64
		if i%2 == 0 {
			o, t = rate(ours), rate(theirs)
		} else {
			t, o = rate(theirs), rate(ours)
		}
		oursRates = append(oursRates, o)
		blasRates = append(blasRates, t)
		ratios = append(ratios, o/t)
	}
	b.ReportMetric(median(oursRates), "ours-GFLOP/s")
	b.ReportMetric(median(blasRates), "openblas-GFLOP/s")
	b.ReportMetric(median(ratios), "ratio")
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
