package dp_test

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/driftrec/driftrec/dp"
	"github.com/driftrec/driftrec/inmem"
)

// ksStatistic is the Kolmogorov–Smirnov distance between a sample and a
// CDF.
func ksStatistic(sample []float64, cdf func(float64) float64) float64 {
	s := slices.Clone(sample)
	slices.Sort(s)
	n := float64(len(s))
	d := 0.0
	for i, x := range s {
		f := cdf(x)
		d = max(d, math.Abs(f-float64(i)/n), math.Abs(float64(i+1)/n-f))
	}
	return d
}

// ksCritical is the KS distance that a sample of n from the right
// distribution exceeds with probability 0.001.
func ksCritical(n int) float64 { return 1.949 / math.Sqrt(float64(n)) }

func laplaceCDF(b float64) func(float64) float64 {
	return func(x float64) float64 {
		if x < 0 {
			return 0.5 * math.Exp(x/b)
		}
		return 1 - 0.5*math.Exp(-x/b)
	}
}

func normalCDF(sigma float64) func(float64) float64 {
	return func(x float64) float64 { return 0.5 * math.Erfc(-x/(sigma*math.Sqrt2)) }
}

func moments(s []float64) (mean, variance float64) {
	for _, x := range s {
		mean += x
	}
	mean /= float64(len(s))
	for _, x := range s {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(s)-1)
}

// TestNoiseDistributions checks the samplers statistically: the shape
// (Kolmogorov–Smirnov against the exact CDF) and the scale (the sample
// variance against 2b² and σ², within six standard errors). The seeds are
// fixed, so the test is deterministic; the thresholds are those a correct
// sampler passes with overwhelming probability for any seed.
func TestNoiseDistributions(t *testing.T) {
	const n = 200000
	for _, tc := range []struct {
		name      string
		mech      dp.Mechanism
		cdf       func(float64) float64
		variance  float64
		kurtosis3 float64 // fourth moment over variance², for the variance's standard error
	}{
		{"laplace b=2", dp.Mechanism{Name: "laplace", Scale: 2}, laplaceCDF(2), 8, 6},
		{"laplace b=0.1", dp.Mechanism{Name: "laplace", Scale: 0.1}, laplaceCDF(0.1), 0.02, 6},
		{"gaussian σ=3", dp.Mechanism{Name: "gaussian", Scale: 3}, normalCDF(3), 9, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rng := dp.SeededRand(42)
			s := make([]float64, n)
			tc.mech.AddNoise(rng, s)
			if d := ksStatistic(s, tc.cdf); d > ksCritical(n) {
				t.Errorf("KS distance %.5f exceeds %.5f", d, ksCritical(n))
			}
			mean, v := moments(s)
			seVar := tc.variance * math.Sqrt((tc.kurtosis3-1)/n)
			if math.Abs(v-tc.variance) > 6*seVar {
				t.Errorf("variance %.5f, want %.5f ± %.5f", v, tc.variance, 6*seVar)
			}
			if se := math.Sqrt(tc.variance / n); math.Abs(mean) > 6*se {
				t.Errorf("mean %.5f, want 0 ± %.5f", mean, 6*se)
			}
		})
	}
}

// TestGaussianSigma checks the calibration against the privacy curve it
// inverts, and against known values: the classic bound (valid for ε ≤ 1)
// must never be below the exact σ.
func TestGaussianSigma(t *testing.T) {
	for _, tc := range []struct{ sens, eps, delta float64 }{
		{1, 1, 1e-5}, {1, 0.1, 1e-6}, {2, 0.5, 1e-5}, {1, 5, 1e-6}, {math.Sqrt(10), 1, 1e-5},
	} {
		sigma, err := dp.GaussianSigma(tc.sens, tc.eps, tc.delta)
		if err != nil {
			t.Fatal(err)
		}
		if tc.eps <= 1 {
			classic := tc.sens * math.Sqrt(2*math.Log(1.25/tc.delta)) / tc.eps
			if sigma > classic || sigma < 0.5*classic {
				t.Errorf("Δ=%v ε=%v δ=%v: σ=%.4f, classic bound %.4f", tc.sens, tc.eps, tc.delta, sigma, classic)
			}
		}
		// σ scales linearly with the sensitivity.
		unit, _ := dp.GaussianSigma(1, tc.eps, tc.delta)
		if math.Abs(sigma-tc.sens*unit) > 1e-6*sigma {
			t.Errorf("σ(Δ=%v) = %v is not Δ·σ(1) = %v", tc.sens, sigma, tc.sens*unit)
		}
	}
	// Balle and Wang's Figure: for ε = 1, δ = 1e-5 the exact σ is about
	// 3.73 against the classic 4.84.
	if s, _ := dp.GaussianSigma(1, 1, 1e-5); math.Abs(s-3.73) > 0.02 {
		t.Errorf("σ(ε=1, δ=1e-5) = %.4f, want ≈ 3.73", s)
	}
	for _, bad := range [][3]float64{{0, 1, 1e-5}, {1, 0, 1e-5}, {1, 1, 0}, {1, 1, 1}, {1, -1, 1e-5}, {math.Inf(1), 1, 1e-5}, {1, math.NaN(), 1e-5}} {
		if _, err := dp.GaussianSigma(bad[0], bad[1], bad[2]); err == nil {
			t.Errorf("GaussianSigma%v accepted", bad)
		}
	}
	if b, err := dp.LaplaceScale(10, 0.5); err != nil || b != 20 {
		t.Errorf("LaplaceScale(10, 0.5) = %v, %v", b, err)
	}
}

func TestClipL2(t *testing.T) {
	v := dp.ClipL2([]float64{3, 4}, 1)
	if math.Abs(math.Hypot(v[0], v[1])-1) > 1e-12 || math.Abs(v[0]/v[1]-0.75) > 1e-12 {
		t.Fatalf("ClipL2 = %v", v)
	}
	if v := dp.ClipL2([]float64{0.3, 0.4}, 1); v[0] != 0.3 || v[1] != 0.4 {
		t.Fatalf("ClipL2 changed a short vector: %v", v)
	}
}

func TestAccountant(t *testing.T) {
	ctx := context.Background()
	st := inmem.New()
	budget := dp.Budget{Epsilon: 2, Delta: 1e-5, Window: 24 * time.Hour}
	acc, err := dp.NewAccountant(st, budget)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	m, _ := dp.NewLaplace(1, 1)
	for i := 0; i < 2; i++ {
		if _, err := acc.Charge(ctx, "popular", m, now); err != nil {
			t.Fatalf("charge %d: %v", i, err)
		}
	}
	if _, err := acc.Charge(ctx, "popular", m, now.Add(time.Hour)); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatalf("third charge: %v", err)
	}
	// The ledger survives a new accountant (a restart) ...
	acc2, _ := dp.NewAccountant(st, budget)
	l, err := acc2.Ledger(ctx, now)
	if err != nil || len(l.Charges) != 2 || !l.WindowStart.Equal(time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("ledger %+v %v", l, err)
	}
	if _, err := acc2.Charge(ctx, "x", m, now); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatal("a restart refilled the budget")
	}
	// ... and the next window starts afresh.
	if _, err := acc2.Charge(ctx, "popular", m, now.Add(24*time.Hour)); err != nil {
		t.Fatalf("next window: %v", err)
	}
	g, _ := dp.NewGaussian(1, 0.5, 1e-5)
	g2, _ := dp.NewGaussian(1, 0.5, 1e-5)
	if _, err := acc2.Charge(ctx, "g", g, now.Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := acc2.Charge(ctx, "g", g2, now.Add(25*time.Hour)); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatalf("δ over budget: %v", err)
	}
	if _, err := dp.NewAccountant(st, dp.Budget{Epsilon: 1, Delta: 0, Window: time.Second}); err == nil {
		t.Fatal("a one-second window was accepted")
	}
}
