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
	// Each timing repeats its product for at least 20 ms. With one
	// thread it also measures the thread's CPU time: both libraries then
	// compute on the calling thread (GOMAXPROCS 1 starts no goroutines,
	// OpenBLAS with one thread none of its own), and CPU time does not
	// count the moments another process held the core.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	rate := func(f func()) (wall, cpu float64) {
		f()
		reps := 0
		start, cpu0 := time.Now(), threadCPUSeconds()
		for time.Since(start) < 20*time.Millisecond {
			f()
			reps++
		}
		wall = flop * float64(reps) / time.Since(start).Seconds() / 1e9
		if c := threadCPUSeconds() - cpu0; c > 0 {
			cpu = flop * float64(reps) / c / 1e9
		}
		return wall, cpu
	}
	// The same call MatMul and MatMulTransB make after checking shapes.
	run := func() { g.run(gemmProblem{c: c, a: a, b: bm, m: s.m, k: s.k, n: s.n, transB: transB}) }
	theirs := func() { blasref.Sgemm(c, a, bm, s.m, s.k, s.n, transB) }
	var ours, blas, ratios, oursCPU, blasCPU, ratiosCPU []float64
	for i := 0; b.Loop(); i++ {
		var o, oc, t, tc float64
		if i%2 == 0 {
			o, oc = rate(run)
			t, tc = rate(theirs)
		} else {
			t, tc = rate(theirs)
			o, oc = rate(run)
		}
		ours, blas, ratios = append(ours, o), append(blas, t), append(ratios, o/t)
		if threads == 1 && oc > 0 && tc > 0 {
			oursCPU, blasCPU, ratiosCPU = append(oursCPU, oc), append(blasCPU, tc), append(ratiosCPU, oc/tc)
		}
	}
	b.ReportMetric(median(ours), "ours-GFLOP/s")
	b.ReportMetric(median(blas), "openblas-GFLOP/s")
	b.ReportMetric(median(ratios), "ratio")
	if len(ratiosCPU) > 0 {
		b.ReportMetric(median(oursCPU), "ours-GFLOP/cpu-s")
		b.ReportMetric(median(blasCPU), "openblas-GFLOP/cpu-s")
		b.ReportMetric(median(ratiosCPU), "ratio-cpu")
	}
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
