package kernel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
)

// MatMul sets c = a·b where a is m×k, b is k×n and c is m×n, all row-major
// and dense. c must not overlap a or b.
func MatMul(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	bestGemm.run(gemmProblem{c: c, a: a, b: b, m: m, k: k, n: n})
}

// MatMulTransB sets c = a·bᵀ where a is m×k, b is n×k and c is m×n: every
// row of a is dotted with every row of b, the layout of PyTorch's Linear
// weights and of a batch of queries against a matrix of item vectors.
// c must not overlap a or b.
func MatMulTransB(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	bestGemm.run(gemmProblem{c: c, a: a, b: b, m: m, k: k, n: n, transB: true})
}

func checkDims(c, a, b []float32, m, k, n int) {
	if m < 0 || k < 0 || n < 0 {
		panic(fmt.Sprintf("kernel: matrix product with negative dimensions %d×%d×%d", m, k, n))
	}
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("kernel: matrix product with slices shorter than their dimensions")
	}
}

// bestGemm is the fastest family this CPU runs, chosen once at start-up.
var bestGemm = gemmFamilies()[0]

// microKernel computes one register tile of C, rows×nr, where rows is
// fixed per function (tiles[rows-1]):
//
//	C[i][j] (+)= Σ_{p<k} a[p·mr+i] · b[p·ldb+j]
//
// a is a packed A panel (k steps of mr floats, of which the first rows
// are read), b holds k rows of nr floats ldb apart, and C's rows are ldc
// apart. With accumulate false C is overwritten, so it need not be
// cleared first. The assembly versions trust these bounds; the driver
// below is the only caller and guarantees them.
type microKernel func(k int, a, b, c []float32, ldb, ldc int, accumulate bool)

// gemmKernels is one micro-kernel family and the cache blocking that fits
// it. kc is the depth of a packed block, mc its number of A rows (L2), nc
// its number of B columns; mc is a multiple of mr.
type gemmKernels struct {
	name               string
	mr, nr, kc, mc, nc int
	tiles              []microKernel
	// transpose8 transposes an 8×8 block (dst[p·ldd+r] = src[r·lds+p]);
	// nil means packing transposes element by element.
	transpose8 func(dst, src []float32, ldd, lds int)
	// packRows4 and packRows2 set dst[s·ldd+r] = src[r·lds+s] for 4 or 2
	// rows r and s < k&^7; nil means packing A goes element by element.
	packRows4, packRows2 func(dst, src []float32, k, ldd, lds int)
	// copyRows16 copies k rows of 16 floats (lds apart) to ldd apart;
	// with nil, packing B for MatMul uses copy().
	copyRows16 func(dst, src []float32, k, ldd, lds int)
	// dot is the dot product that goes with the family, and dotRows4
	// (nil for none) dots four rows lda apart with one vector over its
	// length rounded down to a multiple of dotRowsStep.
	dot         func(a, b []float32) float32
	dotRows4    func(dst, a, b []float32, lda int)
	dotRowsStep int

	// buffers recycles packing buffers between calls: a forward pass makes
	// hundreds of products, and megabytes of fresh garbage for each would
	// keep the collector busy.
	buffers sync.Pool
}

type gemmBuffers struct {
	a, b, tile []float32
}

type gemmProblem struct {
	c, a, b []float32
	m, k, n int
	transB  bool
}

const (
	// parallelMACs is the work (multiply-adds) that pays for handing a
	// share of a product to another goroutine: about 10 µs of FMA at the
	// AVX2 rate, against about 1 µs to start and join a goroutine.
	parallelMACs = 1 << 19

	// dotRows is the largest m for which MatMulTransB computes dot
	// products of rows directly: each row of b is then read from memory
	// once and used m times from L1, and packing it (a transpose) would
	// cost more than the product.
	dotRows = 8

	// MatMul reads B in place instead of packing it when A has at most
	// directRowsPerTile tiles of rows (a packed B would be used too few
	// times to repay the copy), or when B has at most directSmallB
	// floats (1 MiB, half an L2) and A at most directRowsSmallB rows: B
	// then stays in L2 and its rows are a few pages apart, so the
	// micro-kernel's strided loads cost little. Measured interleaved
	// (docs/kernels.md): in place is 10–70% faster at n = 512 up to 64
	// rows, and 10–50% slower once B is 4 MiB or more.
	directRowsPerTile = 2
	directSmallB      = 1 << 18
	directRowsSmallB  = 128
)

func (g *gemmKernels) run(p gemmProblem) {
	if p.m == 0 || p.n == 0 {
		return
	}
	if p.k == 0 {
		clear(p.c[:p.m*p.n])
		return
	}
	threads := min(runtime.GOMAXPROCS(0), p.m*p.k*p.n/parallelMACs)
	dots := p.transB && p.m <= dotRows

	// Split the larger dimension of C into contiguous shares, in whole
	// tiles. Each goroutine packs its own blocks: B for a row share, A for
	// a column share; both are small against the share's product.
	splitColumns := dots || p.n >= p.m
	unit, total := g.mr, p.m
	if splitColumns {
		unit, total = g.nr, p.n
	}
	units := (total + unit - 1) / unit
	threads = max(1, min(threads, units))
	if threads == 1 {
		g.share(p, dots, splitColumns, 0, total)
		return
	}
	// Twice as many shares as goroutines, taken from a counter: when
	// another goroutine or process holds a core, the others take over its
	// remaining shares instead of waiting for it. More shares would repack
	// A (or B) more often; at two per goroutine that costs at most a few
	// per cent (docs/kernels.md).
	shares := min(units, 2*threads)
	var next atomic.Int32
	worker := func() {
		for {
			t := int(next.Add(1)) - 1
			if t >= shares {
				return
			}
			lo := units * t / shares * unit
			hi := min(units*(t+1)/shares*unit, total)
			g.share(p, dots, splitColumns, lo, hi)
		}
	}
	var wg sync.WaitGroup
	for range threads - 1 {
		wg.Go(worker)
	}
	worker()
	wg.Wait()
}

// share computes rows [lo, hi) of C, or columns with splitColumns.
func (g *gemmKernels) share(p gemmProblem, dots, splitColumns bool, lo, hi int) {
	switch {
	case dots:
		g.transBDots(p, lo, hi)
	case splitColumns:
		g.serial(p, 0, p.m, lo, hi)
	default:
		g.serial(p, lo, hi, 0, p.n)
	}
}

// transBDots fills columns [j0, j1) of c = a·bᵀ with direct dot products.
// dotRows4 dots four rows with one vector; with four or more rows of a it
// takes four of them against each row of b, and with fewer (a single
// query against an item matrix) each row of a against four rows of b.
func (g *gemmKernels) transBDots(p gemmProblem, j0, j1 int) {
	var four [4]float32
	vk := p.k
	if g.dotRows4 != nil {
		vk -= p.k % g.dotRowsStep
	}
	j := j0
	if g.dotRows4 != nil && p.m < 4 {
		for ; j+4 <= j1; j += 4 {
			// In bounds: rows j..j+3 of b, k floats each.
			bj := p.b[j*p.k : (j+4)*p.k]
			for i := 0; i < p.m; i++ {
				ai := p.a[i*p.k : (i+1)*p.k]
				g.dotRows4(four[:], bj, ai, p.k)
				for r, s := range four {
					p.c[i*p.n+j+r] = s + dotGeneric(ai[vk:], bj[r*p.k+vk:(r+1)*p.k])
				}
			}
		}
	}
	for ; j < j1; j++ {
		bj := p.b[j*p.k : (j+1)*p.k]
		i := 0
		if g.dotRows4 != nil {
			for ; i+4 <= p.m; i += 4 {
				// In bounds: rows i..i+3 of a, k floats each.
				g.dotRows4(four[:], p.a[i*p.k:(i+4)*p.k], bj, p.k)
				for r, s := range four {
					ai := p.a[(i+r)*p.k : (i+r+1)*p.k]
					p.c[(i+r)*p.n+j] = s + dotGeneric(ai[vk:], bj[vk:])
				}
			}
		}
		for ; i < p.m; i++ {
			p.c[i*p.n+j] = g.dot(p.a[i*p.k:(i+1)*p.k], bj)
		}
	}
}

func (g *gemmKernels) getBuffers() *gemmBuffers {
	if b, ok := g.buffers.Get().(*gemmBuffers); ok {
		return b
	}
	panels := (g.nc + g.nr - 1) / g.nr
	return &gemmBuffers{
		a:    make([]float32, g.mc*g.kc),
		b:    make([]float32, g.kc*panels*g.nr),
		tile: make([]float32, g.mr*g.nr),
	}
}

// serial computes the block C[i0:i1, j0:j1] on the calling goroutine,
// looping BLIS-style: column blocks of nc, depth blocks of kc (pack B),
// row blocks of mc (pack A), then tiles.
func (g *gemmKernels) serial(p gemmProblem, i0, i1, j0, j1 int) {
	buf := g.getBuffers()
	defer g.buffers.Put(buf)

	direct := !p.transB && (i1-i0 <= directRowsPerTile*g.mr ||
		(i1-i0 <= directRowsSmallB && p.k*p.n <= directSmallB))
	// Equal depth blocks: k = 300 runs as 2×150, not 256+44, so that no
	// block is too thin to amortise storing its tiles.
	kBlocks := (p.k + g.kc - 1) / g.kc
	kStep := (p.k + kBlocks - 1) / kBlocks
	for jc := j0; jc < j1; jc += g.nc {
		ncur := min(g.nc, j1-jc)
		for pc := 0; pc < p.k; pc += kStep {
			kcur := min(kStep, p.k-pc)
			g.packB(buf.b, p, pc, kcur, jc, ncur, direct)
			for ic := i0; ic < i1; ic += g.mc {
				mcur := min(g.mc, i1-ic)
				g.packA(buf.a, p, ic, mcur, pc, kcur)
				g.block(buf, p, ic, mcur, jc, ncur, pc, kcur, direct)
			}
		}
	}
}

// block runs the micro-kernel over one packed mc×kc block of A against a
// kc×nc block of B. Tiles sweep down A for each B panel, so the B panel
// stays in L1 while A streams from L2.
func (g *gemmKernels) block(buf *gemmBuffers, p gemmProblem, ic, mcur, jc, ncur, pc, kcur int, direct bool) {
	accumulate := pc > 0
	for jr := 0; jr < ncur; jr += g.nr {
		cols := min(g.nr, ncur-jr)
		bp, ldb := buf.b[(jr/g.nr)*kcur*g.nr:], g.nr
		if direct {
			bp = buf.b // only the ragged last panel is packed
			if cols == g.nr {
				bp, ldb = p.b[pc*p.n+jc+jr:], p.n
			}
		}
		for ir := 0; ir < mcur; ir += g.mr {
			rows := min(g.mr, mcur-ir)
			ap := buf.a[(ir/g.mr)*kcur*g.mr:]
			tile := g.tiles[rows-1]
			ci := (ic+ir)*p.n + jc + jr
			if cols == g.nr {
				tile(kcur, ap, bp, p.c[ci:], ldb, p.n, accumulate)
				continue
			}
			// A ragged right edge goes through a scratch tile, so the
			// kernel never writes past the end of a row of C.
			tile(kcur, ap, bp, buf.tile, ldb, g.nr, false)
			for r := 0; r < rows; r++ {
				dst := p.c[ci+r*p.n:][:cols]
				src := buf.tile[r*g.nr:][:cols]
				if accumulate {
					for j, v := range src {
						dst[j] += v
					}
				} else {
					copy(dst, src)
				}
			}
		}
	}
}

// packA copies A[ic:ic+mcur, pc:pc+kcur] into panels of mr rows laid out
// k-step by k-step: dst[q·kcur·mr + p·mr + r] = A[ic+q·mr+r][pc+p]. Rows
// past mcur in the last panel are left as they are: the kernel for a
// short panel never reads them. This is a transpose, and for products
// with a small n (attention heads, n = 64) it costs as much as the
// product itself when done element by element, hence packRows.
func (g *gemmKernels) packA(dst []float32, p gemmProblem, ic, mcur, pc, kcur int) {
	for q := 0; q*g.mr < mcur; q++ {
		rows := min(g.mr, mcur-q*g.mr)
		panel := dst[q*kcur*g.mr : (q+1)*kcur*g.mr]
		row0 := (ic + q*g.mr) * p.k
		r := 0
		if g.packRows4 != nil {
			// In bounds: rows r..r+3 < rows ≤ mr of panel, k-steps < kcur.
			for ; r+4 <= rows; r += 4 {
				g.packRows4(panel[r:], p.a[row0+r*p.k+pc:], kcur, g.mr, p.k)
			}
			for ; r+2 <= rows; r += 2 {
				g.packRows2(panel[r:], p.a[row0+r*p.k+pc:], kcur, g.mr, p.k)
			}
			for rr := 0; rr < r; rr++ {
				src := p.a[row0+rr*p.k+pc:][:kcur]
				for s := kcur &^ 7; s < kcur; s++ {
					panel[s*g.mr+rr] = src[s]
				}
			}
		}
		for ; r < rows; r++ {
			src := p.a[row0+r*p.k+pc:][:kcur]
			for s, v := range src {
				panel[s*g.mr+r] = v
			}
		}
	}
}

// packB copies B[pc:pc+kcur, jc:jc+ncur] (MatMul) or the same block of bᵀ
// (MatMulTransB) into panels of nr columns: dst[q·kcur·nr + p·nr + j].
// Columns past ncur are zero so that edge tiles compute harmless zeros.
// With direct set only the ragged last panel is packed, to dst[0:].
func (g *gemmKernels) packB(dst []float32, p gemmProblem, pc, kcur, jc, ncur int, direct bool) {
	first := 0
	if direct {
		first = ncur / g.nr
		if first*g.nr == ncur {
			return
		}
	}
	for q := first; q*g.nr < ncur; q++ {
		cols := min(g.nr, ncur-q*g.nr)
		off := q
		if direct {
			off = 0
		}
		panel := dst[off*kcur*g.nr : (off+1)*kcur*g.nr]
		col0 := jc + q*g.nr
		if !p.transB {
			src := p.b[pc*p.n+col0:]
			if cols == g.nr && g.copyRows16 != nil {
				// In bounds: kcur rows of nr floats on both sides.
				for c := 0; c < g.nr; c += 16 {
					g.copyRows16(panel[c:], src[c:], kcur, g.nr, p.n)
				}
				continue
			}
			for s := 0; s < kcur; s++ {
				row := panel[s*g.nr : (s+1)*g.nr]
				copy(row, src[s*p.n:][:cols])
				clear(row[cols:])
			}
			continue
		}
		g.packTransposed(panel, p.b, p.k, col0, cols, pc, kcur)
	}
}

// packTransposed fills panel[s·nr + j] = b[(col0+j)·ldb + pc + s] for
// j < cols and s < kcur, zeroing columns cols..nr-1.
func (g *gemmKernels) packTransposed(panel, b []float32, ldb, col0, cols, pc, kcur int) {
	j := 0
	if g.transpose8 != nil {
		for ; j+8 <= cols; j += 8 {
			s := 0
			for ; s+8 <= kcur; s += 8 {
				// Both sides are in bounds: 8 rows of panel from s·nr+j,
				// 8 rows of b from (col0+j)·ldb+pc+s.
				g.transpose8(panel[s*g.nr+j:], b[(col0+j)*ldb+pc+s:], g.nr, ldb)
			}
			for r := 0; r < 8; r++ {
				src := b[(col0+j+r)*ldb+pc:][:kcur]
				for t := s; t < kcur; t++ {
					panel[t*g.nr+j+r] = src[t]
				}
			}
		}
	}
	for ; j < cols; j++ {
		src := b[(col0+j)*ldb+pc:][:kcur]
		for s, v := range src {
			panel[s*g.nr+j] = v
		}
	}
	if cols < g.nr {
		for s := 0; s < kcur; s++ {
			clear(panel[s*g.nr+cols : (s+1)*g.nr])
		}
	}
}
