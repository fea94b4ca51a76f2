package kernel
import ("testing";"fmt";"math/rand/v2";"syscall";"runtime")
func cpuSecs() float64 { var ru syscall.Rusage; syscall.Getrusage(1, &ru); return float64(ru.Utime.Nano()+ru.Stime.Nano())/1e9 }
func BenchmarkSmallM(b *testing.B) {
	runtime.LockOSThread()
	for _, m := range []int{1,2,4,8,12,16} {
		for _, tb := range []bool{true,false} {
		s := gemmShapeCase{m, 512, 4096}
		b.Run(fmt.Sprintf("tb=%v/%v", tb, s), func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 1))
			a := randomFloats(r, s.m*s.k); bm := randomFloats(r, s.k*s.n); c := make([]float32, s.m*s.n)
			t0 := cpuSecs()
			for b.Loop() { bestGemm.run(gemmProblem{c: c, a: a, b: bm, m: s.m, k: s.k, n: s.n, transB: tb}) }
			b.ReportMetric(2*float64(s.m*s.k*s.n)*float64(b.N)/(cpuSecs()-t0)/1e9, "GFLOP/cpus")
		})}
	}
}
