package recommend

import (
	"context"
	"fmt"
	"math"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/kernel"
)

// scanner is implemented by indexes that can hand out every vector without
// copying (index.Exact, and index.Auto while it scans); Scan reports
// whether it did.
type scanner interface {
	Scan(fn func(id string, vec []float32) bool) bool
}

// Ranking places one target item in the full ranking the recommender
// implies: the list Recommend returns for o.N, followed by every other
// admitted item in decreasing final score.
type Ranking struct {
	// Top is the list Recommend returned.
	Top []Result
	// Rank is the target's 1-based position; ties with other items outside
	// Top count half (rank = 1 + #higher + #equal/2). Zero if the target is
	// not admitted by the filter or not in the index.
	Rank float64
	// Candidates is the number of items ranked (admitted by the filter).
	Candidates int
}

// Rank computes the target's place in the ranking for p (see Ranking). It
// is the offline evaluation's view of exactly the lists the server returns.
func (r *Recommender) Rank(ctx context.Context, p *driftrec.Profile, v interest.View, o Options, target string) (Ranking, error) {
	top, err := r.Recommend(ctx, p, v, o)
	if err != nil {
		return Ranking{}, err
	}
	rk := Ranking{Top: top}
	inTop := make(map[string]bool, len(top))
	for i, res := range top {
		inTop[res.ID] = true
		if res.ID == target {
			rk.Rank = float64(i + 1)
		}
	}
	f := o.filter(p)
	admit := func(id string) bool { return !f.Excludes(id) }
	var scores []float64
	var targetScore float64
	scoring := r.newScoring(v, o.Metric)
	found := false
	each := func(id string, vec []float32) {
		if !admit(id) {
			return
		}
		if len(o.Categories) > 0 && !r.inCategories(id, o.Categories) {
			return
		}
		rk.Candidates++
		if inTop[id] {
			return
		}
		s := r.finalScore(scoring, vec, p != nil && len(v.Queries) > 0, id)
		if id == target {
			targetScore, found = s, true
			return
		}
		scores = append(scores, s)
	}
	sc, ok := r.idx.(scanner)
	if !ok || !sc.Scan(func(id string, vec []float32) bool { each(id, vec); return true }) {
		// Indexes without Scan: every item by search, copying vectors.
		q := v.Dynamic
		if q == nil {
			q = make([]float32, r.idx.Dim())
		}
		for _, h := range r.idx.Search(q, r.idx.Len(), o.Metric, f) {
			if vec, ok := r.idx.Vector(h.ID); ok {
				each(h.ID, vec)
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return Ranking{}, fmt.Errorf("recommend: %w", err)
	}
	if rk.Rank > 0 || !found {
		return rk, nil
	}
	higher, equal := 0, 0
	for _, s := range scores {
		switch {
		case s > targetScore:
			higher++
		case s == targetScore:
			equal++
		}
	}
	rk.Rank = float64(len(top)+1+higher) + float64(equal)/2
	return rk, nil
}

// finalScore is an item's final score outside the top list: the same rule
// Recommend orders by, or popularity for a profile without queries.
func (r *Recommender) finalScore(sc *scoring, vec []float32, personal bool, id string) float64 {
	v := sc.view
	if !personal {
		if r.pop == nil {
			return 0
		}
		return r.pop.Score(id)
	}
	if sc.mixture && v.Dynamic != nil && len(v.Dynamic) == len(vec) {
		// The mixture rule needs only θ_dynamic: skip the per-interest work.
		xn := float32(math.Sqrt(float64(kernel.Dot(vec, vec))))
		s := float64(sc.metric.Score(kernel.Dot(v.Dynamic, vec), 1, xn))
		if v.Negative != nil && len(v.Negative) == len(vec) && xn > 0 {
			s -= r.cfg.NegativePenalty * v.NegativeStrength * float64(kernel.Dot(v.Negative, vec)/xn)
		}
		if r.cfg.PopularityWeight != 0 && r.pop != nil {
			s += r.cfg.PopularityWeight * r.pop.Prior(id, sc.popMax)
		}
		return s
	}
	c := newCandidate(id, vec)
	r.score(c, sc)
	if math.IsNaN(c.global) {
		return math.Inf(-1)
	}
	return c.global
}
