package kernel

import (
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// halfValue computes the value of a half from its definition, in
// float64, independently of F16ToFloat32's bit manipulation.
func halfValue(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	exp := int(h>>10) & 0x1f
	frac := float64(h & 0x3ff)
	switch exp {
	case 0x1f:
		if frac == 0 {
			return math.Inf(int(sign))
		}
		return math.NaN()
	case 0:
		return sign * frac * 0x1p-24
	}
	return sign * (1 + frac/1024) * math.Ldexp(1, exp-15)
}

func isHalfNaN(h uint16) bool { return h&0x7c00 == 0x7c00 && h&0x3ff != 0 }

// TestF16AllHalves checks all 65536 halves: widening is exact, and
// narrowing the result gives the same half back (NaNs come back quiet,
// with sign and payload kept).
func TestF16AllHalves(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToFloat32(h)
		want := halfValue(h)
		if isHalfNaN(h) {
			if !math.IsNaN(float64(f)) {
				t.Fatalf("F16ToFloat32(%#04x) = %g, want NaN", h, f)
			}
			if got, quiet := Float32ToF16(f), h|0x200; got != quiet {
				t.Fatalf("Float32ToF16(F16ToFloat32(%#04x)) = %#04x, want %#04x", h, got, quiet)
			}
			continue
		}
		if float64(f) != want || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToFloat32(%#04x) = %g, want %g", h, f, want)
		}
		if got := Float32ToF16(f); got != h {
			t.Fatalf("Float32ToF16(%g) = %#04x, want %#04x", f, got, h)
		}
	}
}

// TestF16RoundingAtEveryMidpoint checks round-to-nearest-even between
// every pair of neighbouring finite halves of either sign, including the
// subnormals, the step from 0 to the smallest subnormal and the step from
// 65504 to infinity (whose midpoint, 65520, rounds to infinity). The
// midpoint of two halves is exact in float32.
func TestF16RoundingAtEveryMidpoint(t *testing.T) {
	for _, sign := range []uint16{0, 0x8000} {
		for h := uint16(0); h < 0x7c00; h++ {
			lo, hi := h|sign, (h+1)|sign
			hiValue := halfValue(hi)
			if h+1 == 0x7c00 {
				// Past the largest finite half, rounding sees the next
				// step of the exponent, 65536, as the neighbour.
				hiValue = math.Copysign(65536, hiValue)
			}
			mid := float32((halfValue(lo) + hiValue) / 2)
			even := lo
			if lo&1 == 1 {
				even = hi
			}
			below := math.Nextafter32(mid, 0)
			above := math.Nextafter32(mid, float32(math.Copysign(math.Inf(1), float64(mid))))
			if mid == 0 { // only for h = 0, sign 0 or 1: Nextafter32 toward 0 stays
				below = 0
			}
			for _, tc := range []struct {
				f    float32
				want uint16
			}{{mid, even}, {below, lo}, {above, hi}} {
				if got := Float32ToF16(tc.f); got != tc.want {
					t.Fatalf("Float32ToF16(%g [%#08x]) = %#04x, want %#04x",
						tc.f, math.Float32bits(tc.f), got, tc.want)
				}
			}
		}
	}
	specials := []struct {
		f    float32
		want uint16
	}{
		{float32(math.Inf(1)), 0x7c00}, {float32(math.Inf(-1)), 0xfc00},
		{1e10, 0x7c00}, {-1e10, 0xfc00}, {math.MaxFloat32, 0x7c00},
		{math.SmallestNonzeroFloat32, 0}, {-math.SmallestNonzeroFloat32, 0x8000},
		{0x1p-25, 0}, {0x1.000002p-25, 1}, {65519.99, 0x7bff}, {65520, 0x7c00},
	}
	for _, s := range specials {
		if got := Float32ToF16(s.f); got != s.want {
			t.Fatalf("Float32ToF16(%g) = %#04x, want %#04x", s.f, got, s.want)
		}
	}
}

// TestF16ManyFloat32s narrows float32 bit patterns with the portable
// code and with the bulk EncodeF16 (VCVTPS2PH where the CPU has F16C) and
// checks that they agree bit for bit: 2²² patterns spread over the whole
// range by default, all 2³² with DRIFTREC_EXHAUSTIVE=1 (about a minute on
// two cores; last run recorded in docs/kernels.md). On a CPU without F16C
// both sides are the portable code, and the midpoint test above is the
// reference.
func TestF16ManyFloat32s(t *testing.T) {
	stride := uint64(1024)
	if os.Getenv("DRIFTREC_EXHAUSTIVE") == "1" {
		stride = 1
	}
	workers := runtime.GOMAXPROCS(0)
	const chunk = 1 << 16
	var wg sync.WaitGroup
	var failed atomic.Bool
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			src := make([]float32, chunk)
			dst := make([]uint16, chunk)
			for c := uint64(w); c*chunk*stride < 1<<32 && !failed.Load(); c += uint64(workers) {
				for i := range src {
					// Odd multipliers vary the low bits between samples.
					bits := (c*chunk+uint64(i))*stride + (uint64(i)*2654435761)%stride
					src[i] = math.Float32frombits(uint32(bits))
				}
				EncodeF16(dst, src)
				for i, f := range src {
					if want := Float32ToF16(f); dst[i] != want {
						failed.Store(true)
						t.Errorf("float32 %#08x: EncodeF16 gives %#04x, Float32ToF16 %#04x",
							math.Float32bits(f), dst[i], want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestF16BulkAndDot(t *testing.T) {
	r := rand.New(rand.NewPCG(31, 32))
	for n := 0; n <= 300; n++ {
		off := n % 4
		a, aOK := guarded(r, n, off, 0)
		copy(a, randomFloats(r, n))
		h := make([]uint16, n+3)[3-off:][:n]
		EncodeF16(h, a)
		back, backOK := guarded(r, n, 3-off, 0)
		DecodeF16(back, h)
		for i := range a {
			if want := Float32ToF16(a[i]); h[i] != want {
				t.Fatalf("EncodeF16 n=%d: h[%d] = %#04x, want %#04x", n, i, h[i], want)
			}
			if want := F16ToFloat32(h[i]); back[i] != want {
				t.Fatalf("DecodeF16 n=%d: [%d] = %g, want %g", n, i, back[i], want)
			}
		}
		var want, mag float64
		for i := range a {
			v := float64(a[i]) * float64(back[i])
			want += v
			mag += math.Abs(v)
		}
		got := DotF16(a, h)
		if d := math.Abs(float64(got) - want); !(d <= sumTolerance(n, mag)) {
			t.Fatalf("DotF16 n=%d = %g, want %g", n, got, want)
		}
		if !aOK() || !backOK() {
			t.Fatalf("n=%d: wrote outside a slice", n)
		}
	}
}

func TestDecodeF16AllHalves(t *testing.T) {
	src := make([]uint16, 1<<16)
	for i := range src {
		src[i] = uint16(i)
	}
	dst := make([]float32, len(src))
	DecodeF16(dst, src)
	for i, h := range src {
		want := F16ToFloat32(h)
		if math.Float32bits(dst[i]) != math.Float32bits(want) {
			t.Fatalf("DecodeF16(%#04x) = %#08x, want %#08x", h, math.Float32bits(dst[i]), math.Float32bits(want))
		}
	}
}
