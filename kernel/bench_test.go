package kernel

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// encoderShapes are the products of a transformer encoder layer (m =
// tokens in a batch) and of the index scoring a few queries against a
// block of items (MatMulTransB, k = 512).
var benchShapes = []gemmShapeCase{
	{512, 1024, 64}, {512, 64, 512},
	{1, 512, 512}, {16, 512, 512}, {64, 512, 2048}, {128, 1024, 1024},
	{256, 256, 3072}, {512, 1024, 1024}, {512, 3072, 1024}, {512, 1024, 3072},
}

// benchGemm reports GFLOP/s of wall time and, for a single-threaded
// product (GOMAXPROCS 1, as -cpu 1 sets), GFLOP per second of the
// thread's CPU time, which the machine's other load does not inflate.
func benchGemm(b *testing.B, g *gemmKernels, s gemmShapeCase, transB bool) {
	r := rand.New(rand.NewPCG(1, 1))
	a := randomFloats(r, s.m*s.k)
	bm := randomFloats(r, s.k*s.n)
	c := make([]float32, s.m*s.n)
	p := gemmProblem{c: c, a: a, b: bm, m: s.m, k: s.k, n: s.n, transB: transB}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu0 := threadCPUSeconds()
	for b.Loop() {
		g.run(p)
	}
	flops := 2 * float64(s.m) * float64(s.k) * float64(s.n) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
	if cpu := threadCPUSeconds() - cpu0; cpu > 0 && runtime.GOMAXPROCS(0) == 1 {
		b.ReportMetric(flops/cpu/1e9, "GFLOP/cpu-s")
	}
}

func BenchmarkMatMul(b *testing.B) {
	for _, g := range gemmFamilies() {
		for _, s := range benchShapes {
			if g == gemmPortable && s.m*s.k*s.n > 1<<26 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%v", g.name, s), func(b *testing.B) { benchGemm(b, g, s, false) })
		}
	}
}

func BenchmarkMatMulTransB(b *testing.B) {
	shapes := append([]gemmShapeCase{
		{1, 512, 10000}, {2, 512, 10000}, {4, 512, 10000}, {8, 512, 10000}, {16, 512, 10000},
	}, benchShapes...)
	for _, g := range gemmFamilies() {
		for _, s := range shapes {
			if g == gemmPortable && s.m*s.k*s.n > 1<<26 {
				continue
			}
			b.Run(fmt.Sprintf("%s/%v", g.name, s), func(b *testing.B) { benchGemm(b, g, s, true) })
		}
	}
}

// BenchmarkVector reports the vector routines at the index's dimension
// (512) and at a length that stays in L1, in GB/s of input read.
func BenchmarkVector(b *testing.B) {
	r := rand.New(rand.NewPCG(2, 2))
	for _, n := range []int{64, 512} {
		x, y := randomFloats(r, n), randomFloats(r, n)
		i8a, i8b := make([]int8, n), make([]int8, n)
		for i := range i8a {
			i8a[i], i8b[i] = int8(r.IntN(256)-128), int8(r.IntN(256)-128)
		}
		h := make([]uint16, n)
		EncodeF16(h, y)
		packed, scales := make([]byte, n/2), make([]float32, Int4Blocks(n))
		EncodeInt4(packed, scales, y)
		for i := range i8a {
			i8a[i] = max(-127, i8a[i]) // DotInt4's query domain
		}
		var sink float32
		cases := []struct {
			name  string
			bytes int
			f     func()
		}{
			{"Dot", 8 * n, func() { sink += Dot(x, y) }},
			{"SquaredL2", 8 * n, func() { sink += SquaredL2(x, y) }},
			{"Axpy", 8 * n, func() { Axpy(1e-9, x, y) }},
			{"DotInt8", 2 * n, func() { sink += float32(DotInt8(i8a, i8b)) }},
			{"DotInt4", n + n/2, func() { sink += DotInt4(i8a, packed, scales) }},
			{"EncodeInt8", 5 * n, func() { sink += EncodeInt8(i8b, x) }},
			{"DotF16", 6 * n, func() { sink += DotF16(x, h) }},
			{"EncodeF16", 4 * n, func() { EncodeF16(h, y) }},
			{"DecodeF16", 2 * n, func() { DecodeF16(x, h) }},
			// The portable code, for the speed-up of the assembly.
			{"Dot-portable", 8 * n, func() { sink += dotGeneric(x, y) }},
			{"DotInt8-portable", 2 * n, func() { sink += float32(dotInt8Generic(i8a, i8b)) }},
			{"DotInt4-portable", n + n/2, func() { sink += dotInt4Generic(i8a, packed, scales) }},
			{"EncodeInt8-portable", 5 * n, func() { encodeInt8Generic(i8b, x, 1); sink += maxAbsGeneric(x) }},
			{"DotF16-portable", 6 * n, func() { sink += dotF16Generic(x, h) }},
		}
		for _, c := range cases {
			b.Run(fmt.Sprintf("%s/n=%d", c.name, n), func(b *testing.B) {
				for b.Loop() {
					c.f()
				}
				b.ReportMetric(float64(c.bytes)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
			})
		}
		_ = sink
	}
}
