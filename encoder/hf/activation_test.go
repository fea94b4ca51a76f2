package hf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The GELU tables must agree with the closed forms to float32 precision
// everywhere, including the grid's ends.
func TestGeluTables(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, tc := range []struct {
		name  string
		table *cubicTable
		exact func(float64) float64
	}{
		{"gelu", geluErfTable, geluErf},
		{"gelu_new", geluTanhTable, geluTanh},
	} {
		worst := 0.0
		for i := range 200000 {
			var x float32
			switch {
			case i < 1000:
				x = float32(-12 + 24*float64(i)/1000)
			default:
				x = float32(r.NormFloat64() * 3)
			}
			want := tc.exact(float64(x))
			got := float64(tc.table.eval(x))
			// Error relative to the float32 spacing at the value (or an
			// absolute 1e-9 near zero).
			err := math.Abs(got-want) / max(math.Abs(want)*0x1p-23, 1e-9)
			worst = max(worst, err)
		}
		if worst > 2 {
			t.Errorf("%s: worst error %.2f float32 steps", tc.name, worst)
		}
		t.Logf("%s: worst error %.2f float32 steps", tc.name, worst)
	}
	if v := geluErfTable.eval(float32(math.NaN())); v == v {
		t.Error("NaN in, not NaN out")
	}
}

func BenchmarkGelu(b *testing.B) {
	xs := make([]float32, 4096)
	r := rand.New(rand.NewPCG(1, 1))
	for i := range xs {
		xs[i] = float32(r.NormFloat64())
	}
	out := make([]float32, len(xs))
	b.Run("table", func(b *testing.B) {
		for b.Loop() {
			copy(out, xs)
			geluErfTable.apply(out)
		}
	})
	b.Run("math.Erf", func(b *testing.B) {
		for b.Loop() {
			for i, x := range xs {
				out[i] = float32(geluErf(float64(x)))
			}
		}
	})
}

// The table softmax must agree with a float64 softmax to float32 precision.
func TestSoftmax(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	worst := 0.0
	for trial := range 2000 {
		n := 1 + trial%130
		row := make([]float32, n)
		spread := []float64{0.01, 1, 10, 100}[trial%4]
		for i := range row {
			row[i] = float32(r.NormFloat64() * spread)
		}
		want := make([]float64, n)
		mx := math.Inf(-1)
		for _, v := range row {
			mx = max(mx, float64(v)*0.125)
		}
		var sum float64
		for i, v := range row {
			want[i] = math.Exp(float64(v)*0.125 - mx)
			sum += want[i]
		}
		softmax(row, 0.125)
		for i := range row {
			w := want[i] / sum
			worst = max(worst, math.Abs(float64(row[i])-w)/max(w*0x1p-23, 1e-30))
		}
	}
	// A few float32 steps: the scores are scaled and shifted in float32.
	if worst > 64 {
		t.Errorf("worst error %.1f float32 steps", worst)
	}
	t.Logf("worst error %.1f float32 steps", worst)
}
