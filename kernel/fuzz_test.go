package kernel

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzDot takes vectors from raw bytes (any float32 bit patterns,
// including NaN, infinities and subnormals) at any length and offset and
// checks the dispatched Dot against the portable one: equal when both
// are finite and within rounding, both NaN otherwise, or both infinite
// with the same sign.
func FuzzDot(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add(make([]byte, 8*9), uint8(1))
	f.Add([]byte{0, 0, 0x80, 0x7f, 0, 0, 0x80, 0xff, 1, 0, 0, 0, 0, 0, 0x80, 0x3f}, uint8(3))
	seed := make([]byte, 4*2*37)
	for i := range seed {
		seed[i] = byte(i*29 + 7)
	}
	f.Add(seed, uint8(2))
	f.Fuzz(func(t *testing.T, raw []byte, off uint8) {
		words := len(raw) / 4
		n := words / 2
		v := make([]float32, words+int(off%4))
		for i := 0; i < words; i++ {
			v[int(off%4)+i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		a := v[int(off%4) : int(off%4)+n]
		b := v[int(off%4)+n : int(off%4)+2*n]
		got, want := float64(Dot(a, b)), float64(dotGeneric(a, b))
		var mag float64
		for i := range a {
			mag += math.Abs(float64(a[i]) * float64(b[i]))
		}
		switch {
		case math.IsNaN(want) || math.IsNaN(got) || math.IsInf(mag, 0) || mag > math.MaxFloat32/2:
			// With NaN or infinite inputs, or partial sums that can
			// overflow, the order of additions decides between ±Inf and
			// NaN, so the two orders cannot be compared; the case is still
			// run for crashes and out-of-bounds reads.
		case math.IsInf(want, 0) || math.IsInf(got, 0):
			if got != want {
				t.Fatalf("Dot = %g, portable %g", got, want)
			}
		default:
			if d := math.Abs(got - want); d > 2*sumTolerance(n, mag)+1e-38 {
				t.Fatalf("n=%d: Dot = %g, portable %g (mag %g)", n, got, want, mag)
			}
		}
	})
}

// FuzzMatMul runs fuzzer-chosen shapes (each dimension 0…80, plus a
// depth up to 600) through both products of every family and compares
// them with the float64 reference, with C prefilled with NaN and guard
// cells around every slice.
func FuzzMatMul(f *testing.F) {
	f.Add(uint8(1), uint16(1), uint8(1), uint64(1), false)
	f.Add(uint8(7), uint16(257), uint8(33), uint64(2), true)
	f.Add(uint8(13), uint16(3), uint8(80), uint64(3), false)
	f.Add(uint8(0), uint16(5), uint8(9), uint64(4), true)
	f.Add(uint8(25), uint16(0), uint8(4), uint64(5), false)
	f.Fuzz(func(t *testing.T, m uint8, k uint16, n uint8, seed uint64, transB bool) {
		s := gemmShapeCase{int(m % 81), int(k % 601), int(n % 81)}
		r := rand.New(rand.NewPCG(seed, 0))
		for _, g := range gemmFamilies() {
			if s.m == 0 || s.n == 0 || s.k == 0 {
				// An empty sum: C must come out all zeros.
				c := make([]float32, s.m*s.n)
				for i := range c {
					c[i] = float32(math.NaN())
				}
				g.run(gemmProblem{c: c, a: make([]float32, s.m*s.k), b: make([]float32, s.k*s.n),
					m: s.m, k: s.k, n: s.n, transB: transB})
				for i, v := range c {
					if v != 0 {
						t.Fatalf("%s %v: c[%d] = %g, want 0", g.name, s, i, v)
					}
				}
				continue
			}
			checkGemm(t, g, s, transB, r)
		}
	})
}

// FuzzEncodeInt8 quantises finite vectors from raw bytes at any length
// and checks the dispatched EncodeInt8 against the definition. Vectors
// with NaN or infinite components are outside its contract (the index
// rejects them first) and are skipped.
func FuzzEncodeInt8(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 0, 0, 0x3f, 0, 0, 0xfe, 0x42, 0, 0, 0, 0xbf})
	seed := make([]byte, 4*100)
	for i := range seed {
		seed[i] = byte(i*31 + 3)
	}
	f.Add(seed)
	f.Fuzz(func(t *testing.T, raw []byte) {
		v := make([]float32, len(raw)/4)
		for i := range v {
			v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			if math.IsNaN(float64(v[i])) || math.IsInf(float64(v[i]), 0) {
				return
			}
		}
		got, want := make([]int8, len(v)), make([]int8, len(v))
		if gs, ws := EncodeInt8(got, v), encodeInt8Reference(want, v); gs != ws {
			t.Fatalf("scale %g, want %g", gs, ws)
		}
		for i := range v {
			if got[i] != want[i] {
				t.Fatalf("v[%d] = %g → %d, want %d", i, v[i], got[i], want[i])
			}
		}
	})
}
