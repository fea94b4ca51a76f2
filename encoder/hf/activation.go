package hf

import (
	"fmt"
	"math"
)

// activation returns the feed-forward nonlinearity config.json names, in
// the same formula as the transformers library, applied in place to a
// slice (one call per layer rather than one per element).
func activation(name string) (func([]float32), error) {
	switch name {
	case "gelu":
		return geluErfTable.apply, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return geluTanhTable.apply, nil
	case "quick_gelu":
		return elementwise(func(x float32) float32 { return x * sigmoid(1.702*x) }), nil
	case "relu":
		return elementwise(func(x float32) float32 { return max(x, 0) }), nil
	case "silu", "swish":
		return elementwise(func(x float32) float32 { return x * sigmoid(x) }), nil
	}
	return nil, fmt.Errorf("hidden_act %q is not supported", name)
}

func elementwise(f func(float32) float32) func([]float32) {
	return func(xs []float32) {
		for i, x := range xs {
			xs[i] = f(x)
		}
	}
}

// geluErf is the exact GELU, x·Φ(x), that "gelu" means in transformers.
func geluErf(x float64) float64 { return 0.5 * x * (1 + math.Erf(x/math.Sqrt2)) }

func geluErfDeriv(x float64) float64 {
	return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
}

// geluTanh is the tanh approximation of GELU ("gelu_new").
func geluTanh(x float64) float64 {
	return 0.5 * x * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(x+0.044715*x*x*x)))
}

func geluTanhDeriv(x float64) float64 {
	const c = 0.7978845608028654 // √(2/π)
	u := c * (x + 0.044715*x*x*x)
	th := math.Tanh(u)
	return 0.5*(1+th) + 0.5*x*(1-th*th)*c*(1+3*0.044715*x*x)
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }

// cubicTable evaluates a smooth function by cubic Hermite interpolation
// between exact values and derivatives on a grid, stored as one float32
// cubic per interval. GELU runs on every element of the feed-forward layer,
// and math.Erf there took as long as a third of the matrix products; the
// table costs a few multiply-adds. With steps of 1/64 the interpolation
// error is about h⁴/384·max|f⁗| < 1e-9, below float32 rounding, so the
// result is the function to float32 precision (TestGeluTables checks it).
// Outside the grid GELU is 0 (left, below 1e-22) or the identity (right).
type cubicTable struct {
	lo, hi float32
	// scale is the intervals per unit, a power of two so that x·scale and
	// its fractional part are exact in float32: the position within an
	// interval must not lose the precision of small x.
	scale  float32
	offset int          // index of the interval starting at 0
	coef   [][4]float32 // c0 + c1·u + c2·u² + c3·u³ on each interval, u ∈ [0, 1)
}

const (
	geluTableLimit = 10
	geluTableSteps = 64 // per unit, a power of two
)

var (
	geluErfTable  = newCubicTable(geluErf, geluErfDeriv, -geluTableLimit, geluTableLimit, geluTableSteps)
	geluTanhTable = newCubicTable(geluTanh, geluTanhDeriv, -geluTableLimit, geluTableLimit, geluTableSteps)
)

func newCubicTable(f, df func(float64) float64, lo, hi float64, perUnit int) *cubicTable {
	n := int((hi - lo) * float64(perUnit))
	step := 1 / float64(perUnit)
	t := &cubicTable{lo: float32(lo), hi: float32(hi), scale: float32(perUnit), offset: int(-lo * float64(perUnit)), coef: make([][4]float32, n)}
	for i := range n {
		x0, x1 := lo+float64(i)*step, lo+float64(i+1)*step
		y0, y1 := f(x0), f(x1)
		d0, d1 := df(x0)*step, df(x1)*step
		// The Hermite cubic through (0, y0, d0) and (1, y1, d1).
		t.coef[i] = [4]float32{
			float32(y0),
			float32(d0),
			float32(3*(y1-y0) - 2*d0 - d1),
			float32(2*(y0-y1) + d0 + d1),
		}
	}
	return t
}

// apply replaces each element by the function's value. It is eval written
// out with the table's fields in locals: the feed-forward layer calls it on
// millions of elements per batch, and a call per element showed in
// profiles.
func (t *cubicTable) apply(xs []float32) {
	lo, hi, scale := t.lo, t.hi, t.scale
	coef, offset := t.coef, t.offset
	offsetF := float32(offset)
	last := len(coef) - 1
	for i, x := range xs {
		switch {
		case x >= hi:
			continue // identity
		case !(x > lo): // also NaN
			if x == x {
				xs[i] = 0
			}
			continue
		}
		// p is exact (scale is a power of two). p+offset is positive, so
		// truncating it finds the interval without a sign-dependent
		// branch, which mispredicted half the time; its rounding can
		// only land on the neighbouring interval by a hair, where the
		// cubic is still exact to float32 (u just outside [0, 1)).
		p := x * scale
		k := min(int(p+offsetF), last)
		u := p - float32(k-offset)
		c := &coef[k]
		xs[i] = ((c[3]*u+c[2])*u+c[1])*u + c[0]
	}
}

// eval is the function's value at x.
func (t *cubicTable) eval(x float32) float32 {
	v := [1]float32{x}
	t.apply(v[:])
	return v[0]
}
