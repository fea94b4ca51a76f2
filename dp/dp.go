// Package dp holds the differential-privacy mechanisms behind driftrec's
// aggregate statistics: the Laplace mechanism (ε-DP), the Gaussian
// mechanism calibrated exactly (the analytic Gaussian mechanism of Balle
// and Wang, ICML 2018, which is valid for every ε > 0 and adds less noise
// than the classic σ = Δ₂·√(2 ln(1.25/δ))/ε bound), and a privacy budget
// per release window (Accountant).
//
// A mechanism protects one user's whole contribution to a release: the
// sensitivity passed in must bound how much adding or removing one user
// changes the released vector (in L1 for Laplace, L2 for Gaussian), which
// the callers guarantee by clipping each user's contribution.
//
// We write these few functions rather than import a library: the
// maintained Go options are either tied to a SQL engine or unmaintained,
// and the mathematics is short enough to check here (see dp_test.go for
// the statistical tests of the noise).
//
// Known limit: the noise is sampled in floating point, which leaks
// through the low bits of the output (Mironov, CCS 2012). Releases round
// their outputs (counts to integers, masses to 1/1000), which removes the
// low bits that attack reads but is not a proof of safety; a snapping
// mechanism would be.
package dp

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
)

// NewRand returns a noise source seeded from the operating system's
// cryptographic random source. Each release should use a fresh one.
func NewRand() *mrand.Rand {
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		panic(fmt.Sprintf("dp: crypto/rand failed: %v", err))
	}
	return mrand.New(mrand.NewChaCha8(seed))
}

// SeededRand returns a deterministic noise source, for tests.
func SeededRand(seed uint64) *mrand.Rand {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return mrand.New(mrand.NewChaCha8(s))
}

// Laplace returns a sample of the Laplace distribution with mean 0 and
// scale b (variance 2b²), by inverting its CDF.
func Laplace(rng *mrand.Rand, b float64) float64 {
	// u is uniform on (-1/2, 1/2), never exactly ±1/2, so the log is finite.
	var u float64
	for u == 0 {
		u = rng.Float64()
	}
	u -= 0.5
	if u < 0 {
		return b * math.Log(1+2*u)
	}
	return -b * math.Log(1-2*u)
}

// LaplaceScale is the scale that makes the Laplace mechanism ε-DP for a
// query of L1 sensitivity Δ₁.
func LaplaceScale(l1Sensitivity, epsilon float64) (float64, error) {
	if err := checkEpsilon(epsilon); err != nil {
		return 0, err
	}
	if !(l1Sensitivity > 0) || math.IsInf(l1Sensitivity, 0) {
		return 0, fmt.Errorf("dp: sensitivity must be positive and finite, got %v", l1Sensitivity)
	}
	return l1Sensitivity / epsilon, nil
}

func checkEpsilon(epsilon float64) error {
	if !(epsilon > 0) || epsilon > 20 {
		return fmt.Errorf("dp: ε must be in (0, 20], got %v", epsilon)
	}
	return nil
}

// phi is the standard normal CDF.
func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// gaussianDelta is the smallest δ for which Gaussian noise of standard
// deviation sigma makes a query of L2 sensitivity delta2 (ε, δ)-DP
// (Balle and Wang 2018, Theorem 8).
func gaussianDelta(sigma, delta2, epsilon float64) float64 {
	a := delta2 / (2 * sigma)
	b := epsilon * sigma / delta2
	return phi(a-b) - math.Exp(epsilon)*phi(-a-b)
}

// GaussianSigma is the smallest standard deviation (to a relative 1e-9)
// that makes the Gaussian mechanism (ε, δ)-DP for a query of L2
// sensitivity Δ₂.
func GaussianSigma(l2Sensitivity, epsilon, delta float64) (float64, error) {
	if err := checkEpsilon(epsilon); err != nil {
		return 0, err
	}
	if !(delta > 0) || delta >= 1 {
		return 0, fmt.Errorf("dp: δ must be in (0, 1), got %v", delta)
	}
	if !(l2Sensitivity > 0) || math.IsInf(l2Sensitivity, 0) {
		return 0, fmt.Errorf("dp: sensitivity must be positive and finite, got %v", l2Sensitivity)
	}
	// gaussianDelta falls as sigma grows: bracket, then bisect.
	lo, hi := 1e-6*l2Sensitivity, l2Sensitivity
	for gaussianDelta(hi, l2Sensitivity, epsilon) > delta {
		lo, hi = hi, 2*hi
		if hi > 1e12*l2Sensitivity {
			return 0, errors.New("dp: no σ reaches this δ")
		}
	}
	for hi-lo > 1e-9*hi {
		mid := (lo + hi) / 2
		if gaussianDelta(mid, l2Sensitivity, epsilon) > delta {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}

// Mechanism describes the noise of one release, for its report.
type Mechanism struct {
	// Name is "laplace" or "gaussian".
	Name    string  `json:"mechanism"`
	Epsilon float64 `json:"epsilon"`
	Delta   float64 `json:"delta"`
	// Sensitivity bounds one user's effect on the released vector: in
	// L1 for Laplace, in L2 for Gaussian.
	Sensitivity float64 `json:"sensitivity"`
	// Scale is the Laplace scale b or the Gaussian standard deviation σ.
	Scale float64 `json:"scale"`
}

// NewLaplace returns the Laplace mechanism for ε and an L1 sensitivity.
func NewLaplace(l1Sensitivity, epsilon float64) (Mechanism, error) {
	b, err := LaplaceScale(l1Sensitivity, epsilon)
	return Mechanism{Name: "laplace", Epsilon: epsilon, Sensitivity: l1Sensitivity, Scale: b}, err
}

// NewGaussian returns the Gaussian mechanism for (ε, δ) and an L2
// sensitivity.
func NewGaussian(l2Sensitivity, epsilon, delta float64) (Mechanism, error) {
	s, err := GaussianSigma(l2Sensitivity, epsilon, delta)
	return Mechanism{Name: "gaussian", Epsilon: epsilon, Delta: delta, Sensitivity: l2Sensitivity, Scale: s}, err
}

// Noise returns one sample of the mechanism's noise.
func (m Mechanism) Noise(rng *mrand.Rand) float64 {
	if m.Name == "laplace" {
		return Laplace(rng, m.Scale)
	}
	return rng.NormFloat64() * m.Scale
}

// AddNoise adds independent noise to every element of v.
func (m Mechanism) AddNoise(rng *mrand.Rand, v []float64) {
	for i := range v {
		v[i] += m.Noise(rng)
	}
}

// ClipL2 scales v down to L2 norm at most c and returns it.
func ClipL2(v []float64, c float64) []float64 {
	var s float64
	for _, x := range v {
		s += x * x
	}
	if n := math.Sqrt(s); n > c && n > 0 {
		for i := range v {
			v[i] *= c / n
		}
	}
	return v
}
