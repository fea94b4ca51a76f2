package eval

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
)

// The accuracy metrics every method reports, in table order.
const (
	MetricNDCG10 = "NDCG@10"
	MetricHR10   = "HR@10"
	MetricNDCG20 = "NDCG@20"
	MetricHR20   = "HR@20"
	MetricMRR    = "MRR"
)

// The beyond-accuracy metrics.
const (
	MetricCoverage  = "coverage"
	MetricDiversity = "diversity"
	MetricNovelty   = "novelty"
	MetricStability = "stability"
)

// AccuracyMetrics lists the rank-based metrics in table order.
var accuracyMetrics = []string{MetricNDCG10, MetricHR10, MetricNDCG20, MetricHR20, MetricMRR}

// RankAmong returns the protocol's rank of the target among candidates
// that score[i] scores: 1 + #candidates scored higher + #other candidates
// scored equal / 2. admit says which indices are candidates; the target is
// scored but never compared with itself.
func RankAmong(score []float64, target int, admit func(i int) bool) float64 {
	st := score[target]
	higher, equal := 0, 0
	for i, s := range score {
		if i == target || (admit != nil && !admit(i)) {
			continue
		}
		switch {
		case s > st:
			higher++
		case s == st:
			equal++
		}
	}
	return 1 + float64(higher) + float64(equal)/2
}

// HitAt is 1 when rank ≤ k, else 0. A fractional rank (ties) above k is a
// miss.
func HitAt(rank float64, k int) float64 {
	if rank >= 1 && rank <= float64(k) {
		return 1
	}
	return 0
}

// NDCGAt is 1/log2(rank+1) when rank ≤ k, else 0: with one relevant item
// the ideal DCG is 1.
func NDCGAt(rank float64, k int) float64 {
	if HitAt(rank, k) == 0 {
		return 0
	}
	return 1 / math.Log2(rank+1)
}

// ReciprocalRank is 1/rank (0 for an unranked target, rank 0).
func ReciprocalRank(rank float64) float64 {
	if rank < 1 {
		return 0
	}
	return 1 / rank
}

// perUser holds one value per evaluated user for each accuracy metric.
func rankValues(ranks []float64) map[string][]float64 {
	out := make(map[string][]float64, len(accuracyMetrics))
	for _, m := range accuracyMetrics {
		out[m] = make([]float64, len(ranks))
	}
	for i, r := range ranks {
		out[MetricNDCG10][i] = NDCGAt(r, 10)
		out[MetricHR10][i] = HitAt(r, 10)
		out[MetricNDCG20][i] = NDCGAt(r, 20)
		out[MetricHR20][i] = HitAt(r, 20)
		out[MetricMRR][i] = ReciprocalRank(r)
	}
	return out
}

func mean(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Coverage is the share of the catalogue that appears in at least one of
// the lists.
func Coverage(lists [][]string, catalogue int) float64 {
	if catalogue == 0 {
		return 0
	}
	seen := map[string]struct{}{}
	for _, l := range lists {
		for _, id := range l {
			seen[id] = struct{}{}
		}
	}
	return float64(len(seen)) / float64(catalogue)
}

// IntraListDiversity is 1 − the mean pairwise cosine of the vectors of a
// list's items (unit vectors assumed; items without a vector are skipped).
// A list with fewer than two vectors has no pairs and diversity NaN.
func IntraListDiversity(list []string, vec func(id string) []float32) float64 {
	var vs [][]float32
	for _, id := range list {
		if v := vec(id); v != nil {
			vs = append(vs, v)
		}
	}
	if len(vs) < 2 {
		return math.NaN()
	}
	var sum float64
	pairs := 0
	for i := range vs {
		for j := i + 1; j < len(vs); j++ {
			var d float64
			for k := range vs[i] {
				d += float64(vs[i][k]) * float64(vs[j][k])
			}
			sum += d
			pairs++
		}
	}
	return 1 - sum/float64(pairs)
}

// Novelty is the mean self-information −log2 p(i) of a list's items, with
// p(i) = (n_i + 1)/(N + |I|) the add-one smoothed share of the training
// interactions that item i received.
func Novelty(list []string, count func(id string) int, total, catalogue int) float64 {
	if len(list) == 0 {
		return math.NaN()
	}
	var s float64
	for _, id := range list {
		s -= math.Log2(float64(count(id)+1) / float64(total+catalogue))
	}
	return s / float64(len(list))
}

// Overlap is |a ∩ b| / n: the share of an n-item list that stayed.
func Overlap(a, b []string, n int) float64 {
	if n == 0 {
		return math.NaN()
	}
	in := make(map[string]struct{}, len(a))
	for _, x := range a {
		in[x] = struct{}{}
	}
	k := 0
	for _, x := range b {
		if _, ok := in[x]; ok {
			k++
		}
	}
	return float64(k) / float64(n)
}

// Interval is a confidence interval.
type Interval [2]float64

// bootstrap draws resamples of the users with replacement (the same draws
// for every statistic, so intervals of different metrics and methods are
// paired) and returns the 2.5th and 97.5th percentiles of each statistic.
// stat receives the multiplicity of every user in the resample.
type bootstrap struct {
	draws [][]int32 // draws[r][u] = times user u is in resample r
}

func newBootstrap(users, resamples int, seed uint64) *bootstrap {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := &bootstrap{draws: make([][]int32, resamples)}
	for r := range b.draws {
		w := make([]int32, users)
		for range users {
			w[rng.IntN(users)]++
		}
		b.draws[r] = w
	}
	return b
}

// meanCI is the percentile interval of the mean of xs; NaN entries (users
// the statistic does not apply to) are left out of every resample.
func (b *bootstrap) meanCI(xs []float64) Interval {
	if len(b.draws) == 0 || len(xs) == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	means := make([]float64, 0, len(b.draws))
	for _, w := range b.draws {
		var s, n float64
		for u, x := range xs {
			if w[u] == 0 || math.IsNaN(x) {
				continue
			}
			s += float64(w[u]) * x
			n += float64(w[u])
		}
		if n > 0 {
			means = append(means, s/n)
		}
	}
	return percentiles(means)
}

// coverageCI is the percentile interval of Coverage over resampled users.
func (b *bootstrap) coverageCI(lists [][]string, catalogue int) Interval {
	if len(b.draws) == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	vals := make([]float64, 0, len(b.draws))
	for _, w := range b.draws {
		var picked [][]string
		for u, l := range lists {
			if w[u] > 0 {
				picked = append(picked, l)
			}
		}
		vals = append(vals, Coverage(picked, catalogue))
	}
	return percentiles(vals)
}

func percentiles(vals []float64) Interval {
	if len(vals) == 0 {
		return Interval{math.NaN(), math.NaN()}
	}
	sort.Float64s(vals)
	at := func(q float64) float64 {
		// Linear interpolation between closest ranks.
		pos := q * float64(len(vals)-1)
		lo := int(math.Floor(pos))
		hi := min(lo+1, len(vals)-1)
		return vals[lo] + (pos-float64(lo))*(vals[hi]-vals[lo])
	}
	return Interval{at(0.025), at(0.975)}
}

// meanIgnoringNaN averages the values that are not NaN.
func meanIgnoringNaN(xs []float64) float64 {
	kept := slices.DeleteFunc(slices.Clone(xs), math.IsNaN)
	if len(kept) == 0 {
		return math.NaN()
	}
	return mean(kept)
}
