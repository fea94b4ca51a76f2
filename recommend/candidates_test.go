package recommend

import (
	"math"
	"testing"
)

func TestInterestCandidates(t *testing.T) {
	for _, tc := range []struct {
		name          string
		k, n          int
		share         float64
		queries, want int
	}{
		{"lone short-term query takes the pool", 100, 10, 1, 1, 100},
		{"share of the pool", 100, 10, 0.3, 8, 30},
		{"rounded up", 100, 10, 0.123, 8, 13},
		{"never below the list length", 100, 10, 0.01, 8, 10},
		{"zero share still fills a list", 100, 10, 0, 8, 10},
		{"long list", 400, 100, 0.125, 8, 100},
		{"never above the pool", 100, 10, 1.5, 2, 100},
		{"NaN share falls back to the pool", 100, 10, math.NaN(), 3, 100},
	} {
		if got := interestCandidates(tc.k, tc.n, tc.share, tc.queries); got != tc.want {
			t.Errorf("%s: interestCandidates(%d, %d, %v, %d) = %d, want %d", tc.name, tc.k, tc.n, tc.share, tc.queries, got, tc.want)
		}
	}
}
