//go:build amd64 && !purego

package kernel

import "golang.org/x/sys/cpu"

// cpuFeatures is what the assembly needs from the CPU and the OS (the OS
// must save YMM/ZMM state, which golang.org/x/sys/cpu checks).
type cpuFeatures struct {
	avx2FMA bool
	f16c    bool
	avx512  bool
}

// features is computed once at start-up and only read afterwards.
var features = detectFeatures()

func detectFeatures() cpuFeatures {
	f := cpuFeatures{avx2FMA: cpu.X86.HasAVX2 && cpu.X86.HasFMA}
	if cpu.X86.HasAVX {
		const f16cBit = 1 << 29 // CPUID.1:ECX
		_, _, ecx, _ := cpuid(1, 0)
		f.f16c = ecx&f16cBit != 0
	}
	f.avx512 = f.avx2FMA && cpu.X86.HasAVX512F
	return f
}

func dot(a, b []float32) float32 {
	if !features.avx2FMA {
		return dotGeneric(a, b)
	}
	n := len(a) &^ 7
	return dotAVX2(a, b) + dotGeneric(a[n:], b[n:])
}

func squaredL2(a, b []float32) float32 {
	if !features.avx2FMA {
		return squaredL2Generic(a, b)
	}
	n := len(a) &^ 7
	return squaredL2AVX2(a, b) + squaredL2Generic(a[n:], b[n:])
}

func axpy(alpha float32, x, y []float32) {
	if !features.avx2FMA {
		axpyGeneric(alpha, x, y)
		return
	}
	axpyAVX2(alpha, x, y)
	n := len(x) &^ 7
	axpyGeneric(alpha, x[n:], y[n:])
}

func scale(alpha float32, x []float32) {
	if !features.avx2FMA {
		scaleGeneric(alpha, x)
		return
	}
	scaleAVX2(alpha, x)
	n := len(x) &^ 7
	scaleGeneric(alpha, x[n:])
}

func maxAbs(v []float32) float32 {
	if !features.avx2FMA {
		return maxAbsGeneric(v)
	}
	n := len(v) &^ 7
	return max(maxAbsAVX2(v), maxAbsGeneric(v[n:]))
}

func encodeInt8(dst []int8, v []float32, inv float32) {
	if !features.avx2FMA {
		encodeInt8Generic(dst, v, inv)
		return
	}
	encodeInt8AVX2(dst, v, inv)
	n := len(v) &^ 31
	encodeInt8Generic(dst[n:], v[n:], inv)
}

func dotInt8(a, b []int8) int32 {
	if !features.avx2FMA {
		return dotInt8Generic(a, b)
	}
	n := len(a) &^ 31
	return dotInt8AVX2(a, b) + dotInt8Generic(a[n:], b[n:])
}

func dotInt4(q []int8, packed []byte, scales []float32) float32 {
	if !features.avx2FMA {
		return dotInt4Generic(q, packed, scales)
	}
	return dotInt4AVX2(q, packed, scales)
}

func dotF16(a []float32, b []uint16) float32 {
	if !features.avx2FMA || !features.f16c {
		return dotF16Generic(a, b)
	}
	n := len(a) &^ 15
	return dotF16AVX2(a, b) + dotF16Generic(a[n:], b[n:])
}

func encodeF16(dst []uint16, src []float32) {
	if !features.avx2FMA || !features.f16c {
		encodeF16Generic(dst, src)
		return
	}
	encodeF16AVX2(dst, src)
	n := len(dst) &^ 7
	encodeF16Generic(dst[n:], src[n:])
}

func decodeF16(dst []float32, src []uint16) {
	if !features.avx2FMA || !features.f16c {
		decodeF16Generic(dst, src)
		return
	}
	decodeF16AVX2(dst, src)
	n := len(dst) &^ 7
	decodeF16Generic(dst[n:], src[n:])
}

// AVX2 tile: 6×16 uses 12 accumulators, 2 B vectors and 1 broadcast of
// the 16 YMM registers. kc·16 floats of B (16 KiB) stay in L1 while the
// micro-kernel sweeps an mc×kc block of A (96 KiB) held in L2.
var gemmAVX2 = &gemmKernels{
	name: "avx2", mr: 6, nr: 16, kc: 256, mc: 96, nc: 3072,
	tiles: []microKernel{
		gemmAVX2_1x16, gemmAVX2_2x16, gemmAVX2_3x16,
		gemmAVX2_4x16, gemmAVX2_5x16, gemmAVX2_6x16,
	},
	transpose8:  transpose8x8AVX2,
	packRows4:   packRows4AVX2,
	packRows2:   packRows2AVX2,
	copyRows16:  copyRows16AVX2,
	dot:         dot,
	dotRows4:    dotRows4AVX2,
	dotRowsStep: 16,
}

// AVX-512 tile: 12×32 uses 24 accumulators, 2 B vectors and 1 broadcast
// of the 32 ZMM registers; twice the flops per load of the AVX2 tile.
var gemmAVX512 = &gemmKernels{
	name: "avx512", mr: 12, nr: 32, kc: 192, mc: 96, nc: 3072,
	tiles: []microKernel{
		gemmAVX512_1x32, gemmAVX512_2x32, gemmAVX512_3x32, gemmAVX512_4x32,
		gemmAVX512_5x32, gemmAVX512_6x32, gemmAVX512_7x32, gemmAVX512_8x32,
		gemmAVX512_9x32, gemmAVX512_10x32, gemmAVX512_11x32, gemmAVX512_12x32,
	},
	transpose8:  transpose8x8AVX2,
	packRows4:   packRows4AVX2,
	packRows2:   packRows2AVX2,
	copyRows16:  copyRows16AVX2,
	dot:         dot,
	dotRows4:    dotRows4AVX512,
	dotRowsStep: 32,
}

// gemmFamilies lists every micro-kernel family this CPU can run, best
// first; the tests check each one against the reference.
func gemmFamilies() []*gemmKernels {
	var fams []*gemmKernels
	if features.avx512 {
		fams = append(fams, gemmAVX512)
	}
	if features.avx2FMA {
		fams = append(fams, gemmAVX2)
	}
	return append(fams, gemmPortable)
}

func prefetch(p uintptr, n int) { prefetchAMD64(p, n) }
