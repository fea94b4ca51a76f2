package eval

import (
	"context"
	"math"
	"strconv"

	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/lexical"
)

// scorer turns a replay's ranks and lists into metrics, intervals and
// slices. It holds what every method shares: the bootstrap draws (the
// same resamples for every method, so intervals are paired), the
// reference vectors for diversity and the training counts for novelty.
type scorer struct {
	tl        *Timeline
	d         *dataset.Dataset
	boot      *bootstrap
	refVec    map[string][]float32
	coldItem  int
	shortUser int
}

// newScorer embeds the catalogue with a lexical encoder fitted on it: one
// space in which every method's lists are compared for diversity,
// including the baselines, which have no vectors of their own.
func newScorer(ctx context.Context, d *dataset.Dataset, tl *Timeline, texts []string, o *Options) (*scorer, error) {
	enc := lexical.New(lexical.Options{})
	enc.Fit(texts)
	vecs, err := enc.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	ref := make(map[string][]float32, len(tl.Catalogue))
	for i, id := range tl.Catalogue {
		ref[id] = vecs[i]
	}
	return &scorer{
		tl: tl, d: d, boot: newBootstrap(len(tl.Users), o.Resamples, o.Seed),
		refVec: ref, coldItem: o.ColdItemMax, shortUser: o.ShortUserMax,
	}, nil
}

// phaseMetrics computes accuracy and list metrics for one phase.
func (s *scorer) phaseMetrics(ranks []float64, tops [][]string, probes [][][]string) (Metrics, map[string]Interval) {
	m := Metrics{}
	ci := map[string]Interval{}
	for name, vals := range rankValues(ranks) {
		m[name] = mean(vals)
		ci[name] = s.boot.meanCI(vals)
	}
	m[MetricCoverage] = Coverage(tops, len(s.tl.Catalogue))
	ci[MetricCoverage] = s.boot.coverageCI(tops, len(s.tl.Catalogue))
	div := make([]float64, len(tops))
	nov := make([]float64, len(tops))
	for u, l := range tops {
		div[u] = IntraListDiversity(l, func(id string) []float32 { return s.refVec[id] })
		nov[u] = Novelty(l, func(id string) int { return s.tl.TrainCount[id] }, s.tl.TrainTotal, len(s.tl.Catalogue))
	}
	m[MetricDiversity], ci[MetricDiversity] = meanIgnoringNaN(div), s.boot.meanCI(div)
	m[MetricNovelty], ci[MetricNovelty] = meanIgnoringNaN(nov), s.boot.meanCI(nov)
	m[MetricStability], ci[MetricStability] = math.NaN(), Interval{math.NaN(), math.NaN()}
	if probes != nil {
		st := stabilityPerUser(probes)
		m[MetricStability], ci[MetricStability] = meanIgnoringNaN(st), s.boot.meanCI(st)
	}
	return m, ci
}

// stabilityPerUser is, per user, the mean overlap@10 of successive lists
// (NaN for a user with fewer than two lists).
func stabilityPerUser(probes [][][]string) []float64 {
	out := make([]float64, len(probes))
	for u, lists := range probes {
		if len(lists) < 2 {
			out[u] = math.NaN()
			continue
		}
		var s float64
		for k := 1; k < len(lists); k++ {
			s += Overlap(lists[k-1], lists[k], listLen)
		}
		out[u] = s / float64(len(lists)-1)
	}
	return out
}

// report builds a method's report from variant v of a full replay.
func (s *scorer) report(kind, encoder string, baseline bool, res *runResult, v int, params map[string]any) *MethodReport {
	var probes [][][]string
	if v == 0 {
		probes = res.probes
	}
	mr := &MethodReport{Kind: kind, Encoder: encoder, Baseline: baseline, Params: params, Unranked: res.unranked,
		CI95: map[string]map[string]Interval{}, Slices: map[string]*SliceReport{}}
	mr.Valid, mr.CI95["valid"] = s.phaseMetrics(res.valid[v], res.validTops[v], nil)
	mr.Test, mr.CI95["test"] = s.phaseMetrics(res.test[v], res.testTops[v], probes)
	cold := func(u int) bool { return s.tl.TrainCount[s.d.Interactions[s.tl.Users[u].Test].Item] <= s.coldItem }
	short := func(u int) bool { return s.tl.TrainLen[u] <= s.shortUser }
	mr.Slices["cold_items"] = s.slice(res.test[v], cold, "test items with at most "+strconv.Itoa(s.coldItem)+" training interactions")
	mr.Slices["short_users"] = s.slice(res.test[v], short, "users with at most "+strconv.Itoa(s.shortUser)+" training interactions")
	return mr
}

// slice computes test accuracy over the users in a subset; the interval
// comes from the same resamples, restricted to the subset.
func (s *scorer) slice(ranks []float64, in func(u int) bool, def string) *SliceReport {
	sr := &SliceReport{Definition: def, Test: Metrics{}}
	vals := rankValues(ranks)
	for name, xs := range vals {
		var kept []float64
		for u, x := range xs {
			if in(u) {
				kept = append(kept, x)
			}
		}
		sr.Test[name] = mean(kept)
		sr.Users = len(kept)
	}
	masked := make([]float64, len(ranks))
	for u, x := range vals[MetricNDCG10] {
		masked[u] = math.NaN()
		if in(u) {
			masked[u] = x
		}
	}
	sr.NDCG10CI = s.boot.meanCI(masked)
	return sr
}

// validScore is the selection objective: mean validation NDCG@10 of
// variant v.
func validScore(res *runResult, v int) (ndcg, hr float64) {
	vals := rankValues(res.valid[v])
	return mean(vals[MetricNDCG10]), mean(vals[MetricHR10])
}
