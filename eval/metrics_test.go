package eval

import (
	"math"
	"testing"
)

func TestRankAmong(t *testing.T) {
	tests := []struct {
		name   string
		score  []float64
		target int
		admit  func(int) bool
		want   float64
	}{
		{"best", []float64{0.9, 0.5, 0.1}, 0, nil, 1},
		{"worst", []float64{0.9, 0.5, 0.1}, 2, nil, 3},
		{"one tie counts half", []float64{0.9, 0.5, 0.5}, 1, nil, 2.5},
		{"all tied", []float64{0, 0, 0, 0, 0}, 3, nil, 3},
		{"excluded above", []float64{0.9, 0.8, 0.1}, 2, func(i int) bool { return i != 0 }, 2},
		{"excluded tie", []float64{0.5, 0.5, 0.5}, 2, func(i int) bool { return i != 1 }, 1.5},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RankAmong(tc.score, tc.target, tc.admit); got != tc.want {
				t.Fatalf("rank %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRankMetrics(t *testing.T) {
	tests := []struct {
		rank                           float64
		hr10, ndcg10, hr20, ndcg20, rr float64
	}{
		{1, 1, 1, 1, 1, 1},
		{3, 1, 0.5, 1, 0.5, 1.0 / 3},                          // 1/log2(4)
		{10, 1, 1 / math.Log2(11), 1, 1 / math.Log2(11), 0.1}, // the last hit
		{10.5, 0, 0, 1, 1 / math.Log2(11.5), 1 / 10.5},        // a tie straddling K is a miss at 10
		{15, 0, 0, 1, 0.25, 1.0 / 15},                         // 1/log2(16)
		{21, 0, 0, 0, 0, 1.0 / 21},
		{math.Inf(1), 0, 0, 0, 0, 0}, // an unranked target
	}
	for _, tc := range tests {
		vals := rankValues([]float64{tc.rank})
		for name, want := range map[string]float64{MetricHR10: tc.hr10, MetricNDCG10: tc.ndcg10, MetricHR20: tc.hr20, MetricNDCG20: tc.ndcg20, MetricMRR: tc.rr} {
			if got := vals[name][0]; math.Abs(got-want) > 1e-12 {
				t.Errorf("rank %v: %s = %v, want %v", tc.rank, name, got, want)
			}
		}
	}
	// Means over users: ranks 1 and 3 and 50.
	vals := rankValues([]float64{1, 3, 50})
	if got, want := mean(vals[MetricNDCG10]), (1+0.5+0)/3.0; math.Abs(got-want) > 1e-12 {
		t.Errorf("mean NDCG@10 %v, want %v", got, want)
	}
	if got, want := mean(vals[MetricHR10]), 2/3.0; math.Abs(got-want) > 1e-12 {
		t.Errorf("HR@10 %v, want %v", got, want)
	}
}

func TestListMetrics(t *testing.T) {
	if got := Coverage([][]string{{"a", "b"}, {"b", "c"}}, 10); got != 0.3 {
		t.Errorf("coverage %v, want 0.3", got)
	}
	vec := map[string][]float32{"x": {1, 0}, "y": {0, 1}, "z": {1, 0}}
	get := func(id string) []float32 { return vec[id] }
	// Pairs: x·y = 0, x·z = 1, y·z = 0 → mean 1/3.
	if got := IntraListDiversity([]string{"x", "y", "z"}, get); math.Abs(got-2.0/3) > 1e-12 {
		t.Errorf("diversity %v, want 2/3", got)
	}
	if got := IntraListDiversity([]string{"x", "missing"}, get); !math.IsNaN(got) {
		t.Errorf("diversity of one vector %v, want NaN", got)
	}
	// p(a) = (3+1)/(6+2) = 1/2 → 1 bit; p(b) = (1+1)/8 → 2 bits.
	count := map[string]int{"a": 3, "b": 1}
	if got := Novelty([]string{"a", "b"}, func(id string) int { return count[id] }, 6, 2); math.Abs(got-1.5) > 1e-12 {
		t.Errorf("novelty %v, want 1.5", got)
	}
	if got := Overlap([]string{"a", "b", "c"}, []string{"c", "d", "a"}, 4); got != 0.5 {
		t.Errorf("overlap %v, want 0.5", got)
	}
	st := stabilityPerUser([][][]string{
		{{"a", "b"}, {"a", "c"}, {"a", "c"}}, // overlaps 1/10 and 2/10
		{{"a"}},                              // one list: no overlap
	})
	if math.Abs(st[0]-0.15) > 1e-12 || !math.IsNaN(st[1]) {
		t.Errorf("stability %v, want [0.15 NaN]", st)
	}
}

func TestBootstrap(t *testing.T) {
	xs := []float64{0, 1, 0, 1, 1, 0, 0, 1, 0, 1}
	b := newBootstrap(len(xs), 2000, 7)
	ci := b.meanCI(xs)
	if !(ci[0] < 0.5 && 0.5 < ci[1]) || ci[0] < 0 || ci[1] > 1 {
		t.Fatalf("interval %v does not hold the mean 0.5 inside [0, 1]", ci)
	}
	// A binomial mean of 10 draws at p = 0.5 has sd ≈ 0.158: the interval
	// is about ±1.96 sd wide.
	if w := ci[1] - ci[0]; w < 0.45 || w > 0.8 {
		t.Errorf("interval width %v, want about 0.62", w)
	}
	if again := newBootstrap(len(xs), 2000, 7).meanCI(xs); again != ci {
		t.Errorf("the same seed gave %v, then %v", ci, again)
	}
	if c := b.meanCI([]float64{0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3}); math.Abs(c[0]-0.3) > 1e-12 || math.Abs(c[1]-0.3) > 1e-12 {
		t.Errorf("constant values gave %v", c)
	}
	// NaN users are left out of every resample.
	nan := math.NaN()
	if c := b.meanCI([]float64{1, nan, 1, nan, 1, nan, 1, nan, 1, nan}); c[0] != 1 || c[1] != 1 {
		t.Errorf("with NaNs %v, want [1 1]", c)
	}
}
