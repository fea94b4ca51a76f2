// Command asmgen writes the amd64 assembly of package kernel with avo:
// kernel_amd64.s and its Go declarations stubs_amd64.go. Run it through
// `go generate ./kernel` after changing it; the generated files are
// committed so that building the module never needs avo.
//
// Every vector routine here handles only whole vectors (a multiple of 8 or
// 16 elements, as its comment says); the Go wrappers in package kernel do
// the short tails. That keeps the assembly free of scalar clean-up loops,
// which are where hand-written SIMD usually goes wrong.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	. "github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("amd64,!purego")

	genCPUID()
	genDotFamily("dotAVX2", false)
	genDotFamily("squaredL2AVX2", true)
	genAxpy()
	genScale()
	genPrefetch()
	genDotInt8()
	genDotInt4()
	genMaxAbs()
	genEncodeInt8()
	genDotF16()
	genDecodeF16()
	genEncodeF16()

	avx2 := gemmShape{isa: "AVX2", vecBytes: 32, vecs: 2, maxRows: 6, newVec: YMM}
	avx512 := gemmShape{isa: "AVX512", vecBytes: 64, vecs: 2, maxRows: 12, newVec: ZMM}
	for rows := 1; rows <= avx2.maxRows; rows++ {
		genGemmKernel(avx2, rows)
	}
	for rows := 1; rows <= avx512.maxRows; rows++ {
		genGemmKernel(avx512, rows)
	}
	genTransposePack8()
	genPackRows(4)
	genPackRows(2)
	genDotRows4("AVX2", 32, YMM)
	genDotRows4("AVX512", 64, ZMM)
	genCopyRows16()

	Generate()
}

func genCPUID() {
	TEXT("cpuid", NOSPLIT, "func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)")
	Doc("cpuid executes CPUID; golang.org/x/sys/cpu does not report F16C.")
	Load(Param("leaf"), EAX)
	Load(Param("subleaf"), ECX)
	CPUID()
	Store(EAX, ReturnIndex(0))
	Store(EBX, ReturnIndex(1))
	Store(ECX, ReturnIndex(2))
	Store(EDX, ReturnIndex(3))
	RET()
}

// genDotFamily emits Σ a·b (or Σ (a−b)² when squaredDiff) over the first
// len(a)&^7 elements, with four independent accumulators so that the FMA
// latency (4 cycles) is hidden behind the two FMA ports.
func genDotFamily(name string, squaredDiff bool) {
	TEXT(name, NOSPLIT, "func(a, b []float32) float32")
	Doc(name + " covers len(a)&^7 elements; len(b) >= len(a).")
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	n := Load(Param("a").Len(), GP64())
	ANDQ(I32(-8), n)

	const unroll = 4
	acc := make([]VecVirtual, unroll)
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}
	step := func(i, off int) {
		x := YMM()
		VMOVUPS(Mem{Base: a, Disp: off}, x)
		if squaredDiff {
			VSUBPS(Mem{Base: b, Disp: off}, x, x)
			VFMADD231PS(x, x, acc[i])
		} else {
			VFMADD231PS(Mem{Base: b, Disp: off}, x, acc[i])
		}
	}

	Label(name + "_block")
	CMPQ(n, U32(8*unroll))
	JL(LabelRef(name + "_single"))
	for i := 0; i < unroll; i++ {
		step(i, 32*i)
	}
	ADDQ(U32(32*unroll), a)
	ADDQ(U32(32*unroll), b)
	SUBQ(U32(8*unroll), n)
	JMP(LabelRef(name + "_block"))

	Label(name + "_single")
	TESTQ(n, n)
	JZ(LabelRef(name + "_reduce"))
	step(0, 0)
	ADDQ(U32(32), a)
	ADDQ(U32(32), b)
	SUBQ(U32(8), n)
	JMP(LabelRef(name + "_single"))

	Label(name + "_reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	Store(horizontalSum(acc[0]), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// horizontalSum folds the eight lanes of y into the low lane of an XMM.
func horizontalSum(y VecVirtual) Register {
	lo := y.AsX()
	hi := XMM()
	VEXTRACTF128(U8(1), y, hi)
	VADDPS(hi, lo, lo)
	VHADDPS(lo, lo, lo)
	VHADDPS(lo, lo, lo)
	return lo
}

func genAxpy() {
	TEXT("axpyAVX2", NOSPLIT, "func(alpha float32, x, y []float32)")
	Doc("axpyAVX2 sets y += alpha·x over len(x)&^7 elements; len(y) >= len(x).")
	alphaX := Load(Param("alpha"), XMM())
	alpha := YMM()
	VBROADCASTSS(alphaX, alpha)
	x := Load(Param("x").Base(), GP64())
	y := Load(Param("y").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	ANDQ(I32(-8), n)

	Label("axpy_block")
	CMPQ(n, U32(32))
	JL(LabelRef("axpy_single"))
	for i := 0; i < 4; i++ {
		v := YMM()
		VMOVUPS(Mem{Base: y, Disp: 32 * i}, v)
		VFMADD231PS(Mem{Base: x, Disp: 32 * i}, alpha, v)
		VMOVUPS(v, Mem{Base: y, Disp: 32 * i})
	}
	ADDQ(U32(128), x)
	ADDQ(U32(128), y)
	SUBQ(U32(32), n)
	JMP(LabelRef("axpy_block"))

	Label("axpy_single")
	TESTQ(n, n)
	JZ(LabelRef("axpy_done"))
	v := YMM()
	VMOVUPS(Mem{Base: y}, v)
	VFMADD231PS(Mem{Base: x}, alpha, v)
	VMOVUPS(v, Mem{Base: y})
	ADDQ(U32(32), x)
	ADDQ(U32(32), y)
	SUBQ(U32(8), n)
	JMP(LabelRef("axpy_single"))

	Label("axpy_done")
	VZEROUPPER()
	RET()
}

func genScale() {
	TEXT("scaleAVX2", NOSPLIT, "func(alpha float32, x []float32)")
	Doc("scaleAVX2 sets x *= alpha over len(x)&^7 elements.")
	alphaX := Load(Param("alpha"), XMM())
	alpha := YMM()
	VBROADCASTSS(alphaX, alpha)
	x := Load(Param("x").Base(), GP64())
	n := Load(Param("x").Len(), GP64())
	ANDQ(I32(-8), n)

	Label("scale_loop")
	TESTQ(n, n)
	JZ(LabelRef("scale_done"))
	v := YMM()
	VMULPS(Mem{Base: x}, alpha, v)
	VMOVUPS(v, Mem{Base: x})
	ADDQ(U32(32), x)
	SUBQ(U32(8), n)
	JMP(LabelRef("scale_loop"))

	Label("scale_done")
	VZEROUPPER()
	RET()
}

// genPrefetch touches every 64-byte line of a byte range with PREFETCHT0,
// so that a graph search can ask for the vectors of a node's neighbours
// before it scores them one by one: the loads overlap instead of each
// dot product waiting for its own cache misses.
func genPrefetch() {
	TEXT("prefetchAMD64", NOSPLIT, "func(p uintptr, n int)")
	Doc("prefetchAMD64 hints the lines of the n bytes at p into the cache.")
	p := Load(Param("p"), GP64())
	n := Load(Param("n"), GP64())
	Label("prefetch_loop")
	CMPQ(n, I8(0))
	JLE(LabelRef("prefetch_done"))
	PREFETCHT0(Mem{Base: p})
	ADDQ(U8(64), p)
	SUBQ(U8(64), n)
	JMP(LabelRef("prefetch_loop"))
	Label("prefetch_done")
	RET()
}

// genDotInt8 widens 16 int8 at a time to int16 and lets VPMADDWD form
// pairwise int32 sums; a pair is at most 2·128² = 32768, so nothing
// saturates, and the int32 lanes wrap exactly as Go's int32 addition does.
func genDotInt8() {
	TEXT("dotInt8AVX2", NOSPLIT, "func(a, b []int8) int32")
	Doc("dotInt8AVX2 covers len(a)&^31 elements; len(b) >= len(a).")
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	n := Load(Param("a").Len(), GP64())
	ANDQ(I32(-32), n)
	acc0, acc1 := YMM(), YMM()
	VPXOR(acc0, acc0, acc0)
	VPXOR(acc1, acc1, acc1)

	Label("dotint8_loop")
	TESTQ(n, n)
	JZ(LabelRef("dotint8_reduce"))
	for i, acc := range []VecVirtual{acc0, acc1} {
		wa, wb := YMM(), YMM()
		VPMOVSXBW(Mem{Base: a, Disp: 16 * i}, wa)
		VPMOVSXBW(Mem{Base: b, Disp: 16 * i}, wb)
		VPMADDWD(wb, wa, wa)
		VPADDD(wa, acc, acc)
	}
	ADDQ(U32(32), a)
	ADDQ(U32(32), b)
	SUBQ(U32(32), n)
	JMP(LabelRef("dotint8_loop"))

	Label("dotint8_reduce")
	VPADDD(acc1, acc0, acc0)
	lo := acc0.AsX()
	hi := XMM()
	VEXTRACTI128(U8(1), acc0, hi)
	VPADDD(hi, lo, lo)
	VPHADDD(lo, lo, lo)
	VPHADDD(lo, lo, lo)
	r := GP32()
	VMOVD(lo, r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// genDotInt4 scores one 64-component block (32 packed bytes) per
// iteration: the nibbles are split into two runs of 32 bytes and shifted
// from [1, 15] to [-7, 7]; VPMADDUBSW needs one unsigned operand, so it
// multiplies |x| by the query byte carrying x's sign (VPSIGNB), which
// also zeroes the query where x is 0. A pair is at most 2·7·127, the two
// runs' pairs added at most twice that, so nothing saturates; VPMADDWD
// against ones forms eight exact int32 sums, which are converted and
// accumulated with the block's scale.
func genDotInt4() {
	TEXT("dotInt4AVX2", NOSPLIT, "func(q []int8, packed []byte, scales []float32) float32")
	Doc("dotInt4AVX2 covers len(scales) blocks; len(q) = 64·len(scales), len(packed) = 32·len(scales).")
	q := Load(Param("q").Base(), GP64())
	p := Load(Param("packed").Base(), GP64())
	sc := Load(Param("scales").Base(), GP64())
	n := Load(Param("scales").Len(), GP64())

	low := broadcast32(0x0f0f0f0f)
	eight := broadcast32(0x08080808)
	ones := broadcast32(0x00010001)
	acc := YMM()
	VXORPS(acc, acc, acc)

	Label("dotint4_loop")
	TESTQ(n, n)
	JZ(LabelRef("dotint4_reduce"))
	packed := YMM()
	VMOVDQU(Mem{Base: p}, packed)
	hi := YMM()
	VPSRLW(U8(4), packed, hi)
	VPAND(low, packed, packed)
	VPAND(low, hi, hi)
	var sums [2]VecVirtual
	for i, x := range []VecVirtual{packed, hi} {
		VPSUBB(eight, x, x)
		qv, mag := YMM(), YMM()
		VMOVDQU(Mem{Base: q, Disp: 32 * i}, qv)
		VPSIGNB(x, qv, qv)
		VPABSB(x, mag)
		sums[i] = YMM()
		VPMADDUBSW(qv, mag, sums[i])
	}
	VPADDW(sums[1], sums[0], sums[0])
	VPMADDWD(ones, sums[0], sums[0])
	VCVTDQ2PS(sums[0], sums[0])
	scale := YMM()
	VBROADCASTSS(Mem{Base: sc}, scale)
	VFMADD231PS(scale, sums[0], acc)
	ADDQ(U32(64), q)
	ADDQ(U32(32), p)
	ADDQ(U32(4), sc)
	DECQ(n)
	JMP(LabelRef("dotint4_loop"))

	Label("dotint4_reduce")
	Store(horizontalSum(acc), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// broadcast32 fills a YMM register with a 32-bit pattern, without a
// constant in memory.
func broadcast32(pattern uint32) VecVirtual {
	r := GP32()
	MOVL(U32(pattern), r)
	x := YMM()
	VMOVD(r, x.AsX())
	VPBROADCASTD(x.AsX(), x)
	return x
}

// genMaxAbs keeps a running VMAXPS of |v| with the accumulator as the
// second source, which VMAXPS returns when the other is NaN: NaNs are
// skipped, as the portable loop's comparison skips them.
func genMaxAbs() {
	TEXT("maxAbsAVX2", NOSPLIT, "func(v []float32) float32")
	Doc("maxAbsAVX2 returns max|v[i]| over len(v)&^7 elements (0 for none).")
	v := Load(Param("v").Base(), GP64())
	n := Load(Param("v").Len(), GP64())
	SHRQ(U8(3), n)
	abs := broadcast32(0x7fffffff)
	acc := YMM()
	VXORPS(acc, acc, acc)
	Label("maxabs_loop")
	TESTQ(n, n)
	JZ(LabelRef("maxabs_reduce"))
	x := YMM()
	VANDPS(Mem{Base: v}, abs, x)
	VMAXPS(acc, x, acc)
	ADDQ(U32(32), v)
	DECQ(n)
	JMP(LabelRef("maxabs_loop"))
	Label("maxabs_reduce")
	lo, hi := acc.AsX(), XMM()
	VEXTRACTF128(U8(1), acc, hi)
	VMAXPS(hi, lo, lo)
	VPERMILPS(U8(0x4e), lo, hi)
	VMAXPS(hi, lo, lo)
	VPERMILPS(U8(0xb1), lo, hi)
	VMAXPS(hi, lo, lo)
	Store(lo, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// genEncodeInt8 rounds v·inv half away from zero without leaving float32:
// t = trunc(r) and r − t are exact, and t moves one step away from zero
// where |r − t| ≥ ½. (Adding ±½ and truncating, as the portable code does
// in float64, would round 0.49999997 up in float32.) The integers are
// clamped to ±127, packed to bytes with saturation, and VPERMD undoes the
// lane interleaving of the two packs.
func genEncodeInt8() {
	TEXT("encodeInt8AVX2", NOSPLIT, "func(dst []int8, v []float32, inv float32)")
	Doc("encodeInt8AVX2 sets dst[i] = round(v[i]·inv) clamped to ±127 over len(v)&^31 elements; len(dst) >= len(v).")
	dst := Load(Param("dst").Base(), GP64())
	v := Load(Param("v").Base(), GP64())
	n := Load(Param("v").Len(), GP64())
	SHRQ(U8(5), n)
	invX, _ := Param("inv").Resolve()
	inv := YMM()
	VBROADCASTSS(invX.Addr, inv)
	abs := broadcast32(0x7fffffff)
	sign := broadcast32(0x80000000)
	half := broadcast32(0x3f000000)
	one := broadcast32(0x3f800000)
	hiClamp := broadcast32(0x42fe0000) // 127
	loClamp := broadcast32(0xc2fe0000) // -127
	perm := GLOBL("encodeint8_perm", RODATA|NOPTR)
	for i, x := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(4*i, U32(x))
	}
	order := YMM()
	VMOVDQU(perm, order)

	Label("encodeint8_loop")
	TESTQ(n, n)
	JZ(LabelRef("encodeint8_done"))
	var ints [4]VecVirtual
	for i := range ints {
		r, t, f, step := YMM(), YMM(), YMM(), YMM()
		VMULPS(Mem{Base: v, Disp: 32 * i}, inv, r)
		VROUNDPS(U8(0x0b), r, t) // toward zero, no precision exception
		VSUBPS(t, r, f)
		VANDPS(abs, f, f)
		VCMPPS(U8(0x1d), half, f, f) // |r − t| ≥ ½
		VANDPS(sign, r, step)
		VORPS(one, step, step) // ±1 with r's sign
		VANDPS(f, step, step)
		VADDPS(step, t, t)
		VMINPS(hiClamp, t, t)
		VMAXPS(loClamp, t, t)
		ints[i] = YMM()
		VCVTTPS2DQ(t, ints[i])
	}
	VPACKSSDW(ints[1], ints[0], ints[0])
	VPACKSSDW(ints[3], ints[2], ints[2])
	VPACKSSWB(ints[2], ints[0], ints[0])
	VPERMD(ints[0], order, ints[0])
	VMOVDQU(ints[0], Mem{Base: dst})
	ADDQ(U32(128), v)
	ADDQ(U32(32), dst)
	DECQ(n)
	JMP(LabelRef("encodeint8_loop"))
	Label("encodeint8_done")
	VZEROUPPER()
	RET()
}

// genDotF16 widens halves with VCVTPH2PS and accumulates in four
// registers: with two, the loop waited on the FMA latency (4 cycles) and
// ran at 2.5 cycles per 8 halves.
func genDotF16() {
	TEXT("dotF16AVX2", NOSPLIT, "func(a []float32, b []uint16) float32")
	Doc("dotF16AVX2 covers len(a)&^15 elements; len(b) >= len(a). Needs F16C.")
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	n := Load(Param("a").Len(), GP64())
	ANDQ(I32(-16), n)
	var acc [4]VecVirtual
	for i := range acc {
		acc[i] = YMM()
		VXORPS(acc[i], acc[i], acc[i])
	}
	step := func(i int) {
		w := YMM()
		VCVTPH2PS(Mem{Base: b, Disp: 16 * i}, w)
		VFMADD231PS(Mem{Base: a, Disp: 32 * i}, w, acc[i])
	}

	Label("dotf16_block")
	CMPQ(n, U32(32))
	JL(LabelRef("dotf16_single"))
	for i := range acc {
		step(i)
	}
	ADDQ(U32(128), a)
	ADDQ(U32(64), b)
	SUBQ(U32(32), n)
	JMP(LabelRef("dotf16_block"))

	Label("dotf16_single")
	TESTQ(n, n)
	JZ(LabelRef("dotf16_reduce"))
	step(0)
	step(1)

	Label("dotf16_reduce")
	VADDPS(acc[1], acc[0], acc[0])
	VADDPS(acc[3], acc[2], acc[2])
	VADDPS(acc[2], acc[0], acc[0])
	Store(horizontalSum(acc[0]), ReturnIndex(0))
	VZEROUPPER()
	RET()
}

func genDecodeF16() {
	TEXT("decodeF16AVX2", NOSPLIT, "func(dst []float32, src []uint16)")
	Doc("decodeF16AVX2 widens len(dst)&^7 halves; len(src) >= len(dst). Needs F16C.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	ANDQ(I32(-8), n)
	Label("decodef16_block")
	CMPQ(n, U32(32))
	JL(LabelRef("decodef16_single"))
	for i := 0; i < 4; i++ {
		w := YMM()
		VCVTPH2PS(Mem{Base: src, Disp: 16 * i}, w)
		VMOVUPS(w, Mem{Base: dst, Disp: 32 * i})
	}
	ADDQ(U32(64), src)
	ADDQ(U32(128), dst)
	SUBQ(U32(32), n)
	JMP(LabelRef("decodef16_block"))
	Label("decodef16_single")
	TESTQ(n, n)
	JZ(LabelRef("decodef16_done"))
	w := YMM()
	VCVTPH2PS(Mem{Base: src}, w)
	VMOVUPS(w, Mem{Base: dst})
	ADDQ(U32(16), src)
	ADDQ(U32(32), dst)
	SUBQ(U32(8), n)
	JMP(LabelRef("decodef16_single"))
	Label("decodef16_done")
	VZEROUPPER()
	RET()
}

func genEncodeF16() {
	TEXT("encodeF16AVX2", NOSPLIT, "func(dst []uint16, src []float32)")
	Doc("encodeF16AVX2 narrows len(dst)&^7 floats with round-to-nearest-even",
		"(immediate 0, whatever MXCSR says); len(src) >= len(dst). Needs F16C.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	n := Load(Param("dst").Len(), GP64())
	ANDQ(I32(-8), n)
	Label("encodef16_loop")
	TESTQ(n, n)
	JZ(LabelRef("encodef16_done"))
	w := YMM()
	VMOVUPS(Mem{Base: src}, w)
	VCVTPS2PH(U8(0), w, Mem{Base: dst})
	ADDQ(U32(32), src)
	ADDQ(U32(16), dst)
	SUBQ(U32(8), n)
	JMP(LabelRef("encodef16_loop"))
	Label("encodef16_done")
	VZEROUPPER()
	RET()
}

// gemmShape describes one register-tiled micro-kernel family: a tile of
// up to maxRows rows by vecs vectors of columns.
type gemmShape struct {
	isa      string
	vecBytes int
	vecs     int
	maxRows  int
	newVec   func() VecVirtual
	// broadcastOperand uses AVX-512's embedded broadcast, so the FMA reads
	// its A element straight from memory and no register holds it. It
	// costs one load per FMA instead of one per row, which on the cores
	// measured (two 512-bit loads a cycle) made the kernel load-bound, so
	// no shape uses it now; it stays for cores with more load ports.
	broadcastOperand bool
}

// genGemmKernel emits the micro-kernel for a tile of rows×(vecs·lanes):
//
//	C[rows][cols] (+)= Σ_p A[p][0:rows] ⊗ B[p][0:cols]
//
// A is a packed panel whose k-steps are maxRows floats apart (so every row
// count shares the packing layout), B is rows of cols floats ldb floats
// apart (a packed panel, or B itself when it needs no packing), and C rows
// are ldc floats apart. Each k-step loads the B vectors once and reuses
// them for every row, which is what makes the product compute-bound.
func genGemmKernel(s gemmShape, rows int) {
	lanes := s.vecBytes / 4
	name := fmt.Sprintf("gemm%s_%dx%d", s.isa, rows, s.vecs*lanes)
	TEXT(name, NOSPLIT, "func(k int, a, b, c []float32, ldb, ldc int, accumulate bool)")
	Doc(fmt.Sprintf("%s: C[%d×%d] (+)= A-panel · B-panel over k steps.", name, rows, s.vecs*lanes))
	k := Load(Param("k"), GP64())
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(U8(2), ldb)

	acc := make([][]VecVirtual, rows)
	for i := range acc {
		acc[i] = make([]VecVirtual, s.vecs)
		for j := range acc[i] {
			acc[i][j] = s.newVec()
			VXORPS(acc[i][j], acc[i][j], acc[i][j])
		}
	}

	step := func(aOff int) {
		bv := make([]VecVirtual, s.vecs)
		for j := range bv {
			bv[j] = s.newVec()
			VMOVUPS(Mem{Base: b, Disp: j * s.vecBytes}, bv[j])
		}
		for i := 0; i < rows; i++ {
			elem := Mem{Base: a, Disp: aOff + 4*i}
			if s.broadcastOperand {
				for j := range bv {
					VFMADD231PS_BCST(elem, bv[j], acc[i][j])
				}
				continue
			}
			bc := s.newVec()
			VBROADCASTSS(elem, bc)
			for j := range bv {
				VFMADD231PS(bv[j], bc, acc[i][j])
			}
		}
		ADDQ(ldb, b)
	}

	const unroll = 4
	aStep := 4 * s.maxRows
	Label(name + "_unrolled")
	CMPQ(k, U32(unroll))
	JL(LabelRef(name + "_single"))
	for u := 0; u < unroll; u++ {
		step(u * aStep)
	}
	ADDQ(U32(unroll*aStep), a)
	SUBQ(U32(unroll), k)
	JMP(LabelRef(name + "_unrolled"))

	Label(name + "_single")
	TESTQ(k, k)
	JZ(LabelRef(name + "_store"))
	step(0)
	ADDQ(U32(aStep), a)
	DECQ(k)
	JMP(LabelRef(name + "_single"))

	Label(name + "_store")
	c := Load(Param("c").Base(), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(U8(2), ldc)
	accumulate := Load(Param("accumulate"), GP8())
	TESTB(accumulate, accumulate)
	JZ(LabelRef(name + "_overwrite"))
	row := GP64()
	MOVQ(c, row)
	for i := 0; i < rows; i++ {
		for j := 0; j < s.vecs; j++ {
			dst := Mem{Base: row, Disp: j * s.vecBytes}
			VADDPS(dst, acc[i][j], acc[i][j])
			VMOVUPS(acc[i][j], dst)
		}
		if i+1 < rows {
			ADDQ(ldc, row)
		}
	}
	JMP(LabelRef(name + "_done"))

	Label(name + "_overwrite")
	for i := 0; i < rows; i++ {
		for j := 0; j < s.vecs; j++ {
			VMOVUPS(acc[i][j], Mem{Base: c, Disp: j * s.vecBytes})
		}
		if i+1 < rows {
			ADDQ(ldc, c)
		}
	}

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// genTransposePack8 transposes an 8×8 block of floats: dst[p*ldd+r] =
// src[r*lds+p]. Packing B for MatMulTransB and packing A for both products
// are transposes of row-major data, and doing them eight lanes at a time
// keeps packing well under the cost of the product it feeds.
func genTransposePack8() {
	TEXT("transpose8x8AVX2", NOSPLIT, "func(dst, src []float32, ldd, lds int)")
	Doc("transpose8x8AVX2 sets dst[p*ldd+r] = src[r*lds+p] for r, p < 8.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	ldd := Load(Param("ldd"), GP64())
	lds := Load(Param("lds"), GP64())
	SHLQ(U8(2), ldd)
	SHLQ(U8(2), lds)

	rowsIn := make([]VecVirtual, 8)
	for r := range rowsIn {
		rowsIn[r] = YMM()
		VMOVUPS(Mem{Base: src}, rowsIn[r])
		if r < 7 {
			ADDQ(lds, src)
		}
	}
	// Stage 1: interleave pairs of rows.
	t := make([]VecVirtual, 8)
	for i := 0; i < 4; i++ {
		t[2*i] = YMM()
		t[2*i+1] = YMM()
		VUNPCKLPS(rowsIn[2*i+1], rowsIn[2*i], t[2*i])
		VUNPCKHPS(rowsIn[2*i+1], rowsIn[2*i], t[2*i+1])
	}
	// Stage 2: gather 4-element columns within each 128-bit half.
	u := make([]VecVirtual, 8)
	for h := 0; h < 2; h++ {
		base := 4 * h
		for q := 0; q < 2; q++ {
			lo, hi := YMM(), YMM()
			// 0x44 picks elements 0,1 of each source; 0xEE picks 2,3.
			VSHUFPS(U8(0x44), t[base+2+q], t[base+q], lo)
			VSHUFPS(U8(0xEE), t[base+2+q], t[base+q], hi)
			u[base+2*q] = lo
			u[base+2*q+1] = hi
		}
	}
	// Stage 3: combine 128-bit halves of rows 0–3 and rows 4–7.
	for p := 0; p < 8; p++ {
		out := YMM()
		if p < 4 {
			VPERM2F128(U8(0x20), u[4+p], u[p], out)
		} else {
			VPERM2F128(U8(0x31), u[p], u[p-4], out)
		}
		VMOVUPS(out, Mem{Base: dst})
		if p < 7 {
			ADDQ(ldd, dst)
		}
	}
	VZEROUPPER()
	RET()
}

// genPackRows emits packRows{rows}AVX2(dst, src, k, ldd, lds), which sets
// dst[p·ldd+r] = src[r·lds+p] for r < rows and p < k&^7: the transpose
// that packs rows of A into a micro-kernel panel, eight k-steps per
// iteration. rows is 4 or 2; 4-row groups build the 12-row AVX-512
// panels, a 4-row and a 2-row group the 6-row AVX2 panels.
func genPackRows(rows int) {
	name := fmt.Sprintf("packRows%dAVX2", rows)
	TEXT(name, NOSPLIT, "func(dst, src []float32, k, ldd, lds int)")
	Doc(fmt.Sprintf("%s sets dst[p*ldd+r] = src[r*lds+p] for r < %d, p < k&^7.", name, rows))
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	k := Load(Param("k"), GP64())
	ldd := Load(Param("ldd"), GP64())
	lds := Load(Param("lds"), GP64())
	SHLQ(U8(2), ldd)
	SHLQ(U8(2), lds)
	SHRQ(U8(3), k)
	// x86 addressing scales an index only by 1, 2, 4 or 8, so k-steps 3
	// and 7 use 3·ldd, and steps 4–7 a second base 4·ldd further on.
	ldd3 := GP64()
	LEAQ(Mem{Base: ldd, Index: ldd, Scale: 2}, ldd3)
	src2 := GP64()
	if rows == 4 {
		LEAQ(Mem{Base: src, Index: lds, Scale: 2}, src2)
	}
	dst4 := GP64()
	at := func(p int) Mem {
		base := Register(dst)
		if p >= 4 {
			base = dst4
			p -= 4
		}
		switch p {
		case 0:
			return Mem{Base: base}
		case 1:
			return Mem{Base: base, Index: ldd, Scale: 1}
		case 2:
			return Mem{Base: base, Index: ldd, Scale: 2}
		default:
			return Mem{Base: base, Index: ldd3, Scale: 1}
		}
	}

	Label(name + "_loop")
	TESTQ(k, k)
	JZ(LabelRef(name + "_done"))
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 4}, dst4)
	r0, r1 := YMM(), YMM()
	VMOVUPS(Mem{Base: src}, r0)
	VMOVUPS(Mem{Base: src, Index: lds, Scale: 1}, r1)
	lo01, hi01 := YMM(), YMM()
	VUNPCKLPS(r1, r0, lo01) // r0_0 r1_0 r0_1 r1_1 | r0_4 r1_4 r0_5 r1_5
	VUNPCKHPS(r1, r0, hi01) // r0_2 r1_2 r0_3 r1_3 | r0_6 r1_6 r0_7 r1_7
	if rows == 4 {
		r2, r3 := YMM(), YMM()
		VMOVUPS(Mem{Base: src2}, r2)
		VMOVUPS(Mem{Base: src2, Index: lds, Scale: 1}, r3)
		lo23, hi23 := YMM(), YMM()
		VUNPCKLPS(r3, r2, lo23)
		VUNPCKHPS(r3, r2, hi23)
		// Each 128-bit half of these is one k-step of four rows: the low
		// halves steps 0–3, the high halves steps 4–7.
		steps := []struct {
			lo, hi VecVirtual
			imm    uint8
		}{{lo01, lo23, 0x44}, {lo01, lo23, 0xEE}, {hi01, hi23, 0x44}, {hi01, hi23, 0xEE}}
		for p, st := range steps {
			v := YMM()
			VSHUFPS(U8(st.imm), st.hi, st.lo, v)
			VMOVUPS(v.AsX(), at(p))
			hi := XMM()
			VEXTRACTF128(U8(1), v, hi)
			VMOVUPS(hi, at(p+4))
		}
	} else {
		// Each 64-bit quarter of lo01 and hi01 is one k-step of two rows.
		for i, v := range []VecVirtual{lo01, hi01} {
			p := 2 * i
			VMOVLPS(v.AsX(), at(p))
			VMOVHPS(v.AsX(), at(p+1))
			hi := XMM()
			VEXTRACTF128(U8(1), v, hi)
			VMOVLPS(hi, at(p+4))
			VMOVHPS(hi, at(p+5))
		}
	}
	LEAQ(Mem{Base: dst, Index: ldd, Scale: 8}, dst)
	ADDQ(U32(32), src)
	if rows == 4 {
		ADDQ(U32(32), src2)
	}
	DECQ(k)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_done")
	VZEROUPPER()
	RET()
}

// genDotRows4 emits dotRows4{isa}(dst, a, b, lda): dst[r] = Σ a[r·lda+p]·b[p]
// for r < 4 over p < len(b) rounded down to two vectors (16 floats for
// AVX2, 32 for AVX-512). It is MatMulTransB's kernel for a few rows of A
// against many rows of B (queries against an item matrix), used either
// way round: each vector of the shared operand is loaded once for four
// FMAs instead of once per row, and two accumulators per row keep both
// FMA ports busy.
func genDotRows4(isa string, vecBytes int, newVec func() VecVirtual) {
	name := "dotRows4" + isa
	step := 2 * vecBytes / 4
	TEXT(name, NOSPLIT, "func(dst, a, b []float32, lda int)")
	Doc(fmt.Sprintf("%s sets dst[r] = Σ a[r*lda+p]·b[p] for r < 4, p < len(b)&^%d.", name, step-1))
	a := Load(Param("a").Base(), GP64())
	b := Load(Param("b").Base(), GP64())
	n := Load(Param("b").Len(), GP64())
	lda := Load(Param("lda"), GP64())
	SHLQ(U8(2), lda)
	ANDQ(I32(-step), n)
	a2 := GP64()
	LEAQ(Mem{Base: a, Index: lda, Scale: 2}, a2)
	rowAt := func(r, off int) Mem {
		switch r {
		case 0:
			return Mem{Base: a, Disp: off}
		case 1:
			return Mem{Base: a, Index: lda, Scale: 1, Disp: off}
		case 2:
			return Mem{Base: a2, Disp: off}
		}
		return Mem{Base: a2, Index: lda, Scale: 1, Disp: off}
	}
	var acc [4][2]VecVirtual
	for r := range acc {
		for u := range acc[r] {
			acc[r][u] = newVec()
			VXORPS(acc[r][u], acc[r][u], acc[r][u])
		}
	}
	Label(name + "_loop")
	TESTQ(n, n)
	JZ(LabelRef(name + "_reduce"))
	for u := 0; u < 2; u++ {
		bv := newVec()
		VMOVUPS(Mem{Base: b, Disp: vecBytes * u}, bv)
		for r := 0; r < 4; r++ {
			VFMADD231PS(rowAt(r, vecBytes*u), bv, acc[r][u])
		}
	}
	ADDQ(U32(2*vecBytes), a)
	ADDQ(U32(2*vecBytes), a2)
	ADDQ(U32(2*vecBytes), b)
	SUBQ(U32(step), n)
	JMP(LabelRef(name + "_loop"))

	Label(name + "_reduce")
	dst := Load(Param("dst").Base(), GP64())
	for r := 0; r < 4; r++ {
		VADDPS(acc[r][1], acc[r][0], acc[r][0])
		sum := acc[r][0]
		if vecBytes == 64 {
			hi := YMM()
			VEXTRACTF64X4(U8(1), sum, hi)
			VADDPS(hi, sum.AsY(), hi)
			sum = hi
		}
		VMOVSS(horizontalSum(sum), Mem{Base: dst, Disp: 4 * r})
	}
	VZEROUPPER()
	RET()
}

// genCopyRows16 emits copyRows16AVX2(dst, src, k, ldd, lds): for s < k,
// dst[s·ldd : s·ldd+16] = src[s·lds : s·lds+16]. Packing a B panel for
// MatMul is exactly this, and as k calls of copy() of 64 bytes it cost as
// much as the product for m ≈ 16.
func genCopyRows16() {
	TEXT("copyRows16AVX2", NOSPLIT, "func(dst, src []float32, k, ldd, lds int)")
	Doc("copyRows16AVX2 copies k rows of 16 floats, lds apart in src, to ldd apart in dst.")
	dst := Load(Param("dst").Base(), GP64())
	src := Load(Param("src").Base(), GP64())
	k := Load(Param("k"), GP64())
	ldd := Load(Param("ldd"), GP64())
	lds := Load(Param("lds"), GP64())
	SHLQ(U8(2), ldd)
	SHLQ(U8(2), lds)
	Label("copyrows16_loop")
	TESTQ(k, k)
	JZ(LabelRef("copyrows16_done"))
	lo, hi := YMM(), YMM()
	VMOVUPS(Mem{Base: src}, lo)
	VMOVUPS(Mem{Base: src, Disp: 32}, hi)
	VMOVUPS(lo, Mem{Base: dst})
	VMOVUPS(hi, Mem{Base: dst, Disp: 32})
	ADDQ(lds, src)
	ADDQ(ldd, dst)
	DECQ(k)
	JMP(LabelRef("copyrows16_loop"))
	Label("copyrows16_done")
	VZEROUPPER()
	RET()
}
