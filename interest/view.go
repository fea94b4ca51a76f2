package interest

import (
	"math"
	"slices"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/kernel"
)

// View is a profile evaluated at one moment with one α: the vectors the
// recommender searches with. Building a View does not modify the profile.
type View struct {
	Now time.Time
	// Alpha is the fusion weight actually used: the requested α, or 0 when
	// the user has no current short-term state.
	Alpha float64
	// Short is the unit short-term vector (nil when there is none) and
	// ShortWeight its decayed weight.
	Short       []float32
	ShortWeight float64
	// Negative is the unit rejection vector (nil when there is none) and
	// NegativeStrength its decayed weight squashed into [0, 1).
	Negative         []float32
	NegativeStrength float64
	// Queries holds one fused query per long-term interest, most important
	// first, or a single short-term query for a user with no interests yet.
	Queries []Query
	// History is θ_history, the importance-weighted mean of the interest
	// centroids, and Dynamic the seed's θ_dynamic = α·ŝ + (1−α)·θ_history,
	// both unit length (nil without interests or short-term state).
	History []float32
	Dynamic []float32
}

// Query is the search vector for one interest.
type Query struct {
	// Interest indexes Profile.Interests, or is -1 for the short-term query
	// of a user with no long-term interests yet.
	Interest int
	// Vector is unit(α·ŝ + (1−α)·ĉ).
	Vector []float32
	// Centroid is the interest's unit centroid ĉ (nil for the short-term
	// query).
	Centroid []float32
	// Importance is the interest's decayed importance now and Weight its
	// fraction of the total importance (its weight in θ_history). Share is its
	// part of the list: (1−α)·importance/Σimportance + α·affinity/Σaffinity,
	// where affinity = max(0, ĉ·ŝ) relates the interest to the session.
	Importance float64
	Weight     float64
	Share      float64
}

// View evaluates p at time now (the profile's last event time if zero) with
// fusion weight alpha (the configured default if negative).
func (m *Model) View(p *driftrec.Profile, now time.Time, alpha float64) View {
	if now.IsZero() {
		now = p.Updated
	}
	if alpha < 0 || alpha > 1 || math.IsNaN(alpha) {
		alpha = m.cfg.Alpha
	}
	v := View{Now: now}
	s := &p.Short
	if s.Weight > 0 && len(s.Sum) > 0 && !now.After(s.Updated.Add(time.Duration(m.cfg.SessionGap))) {
		if u := unit(s.Sum); u != nil {
			v.Short = u
			v.ShortWeight = s.Weight * decay(s.Updated, now, m.cfg.ShortHalfLife)
			v.Alpha = alpha
		}
	}
	n := &p.Negative
	if n.Weight > 0 && len(n.Sum) > 0 {
		if u := unit(n.Sum); u != nil {
			w := n.Weight * decay(n.Updated, now, m.cfg.NegativeHalfLife)
			v.Negative = u
			v.NegativeStrength = 1 - math.Exp(-w)
		}
	}
	var total float64
	for i := range p.Interests {
		in := &p.Interests[i]
		c := unit(in.Sum)
		if c == nil {
			continue
		}
		imp := in.Importance * decay(in.Updated, now, m.cfg.HalfLife)
		q := c
		if v.Short != nil && len(v.Short) == len(c) {
			q = make([]float32, len(c))
			kernel.Axpy(float32(v.Alpha), v.Short, q)
			kernel.Axpy(float32(1-v.Alpha), c, q)
			if u := unit(q); u != nil {
				q = u
			} else {
				q = c
			}
		}
		v.Queries = append(v.Queries, Query{Interest: i, Vector: q, Centroid: c, Importance: imp})
		total += imp
	}
	if len(v.Queries) == 0 && v.Short != nil {
		v.Queries = append(v.Queries, Query{Interest: -1, Vector: v.Short, Importance: 1})
		total = 1
	}
	// Shares follow the seed's fusion too: (1−α) from long-term importance
	// and α from the current session's affinity with each interest, so
	// that interests related to what the user does now get more of the
	// list while the session lasts.
	var affTotal float64
	aff := make([]float64, len(v.Queries))
	if v.Short != nil {
		for i, q := range v.Queries {
			if q.Centroid != nil && len(q.Centroid) == len(v.Short) {
				aff[i] = math.Max(0, float64(kernel.Dot(q.Centroid, v.Short)))
				affTotal += aff[i]
			}
		}
	}
	var hist []float32
	for i := range v.Queries {
		q := &v.Queries[i]
		q.Weight = 1 / float64(len(v.Queries))
		if total > 0 {
			q.Weight = q.Importance / total
		}
		q.Share = q.Weight
		if affTotal > 0 {
			q.Share = (1-v.Alpha)*q.Weight + v.Alpha*aff[i]/affTotal
		}
		if q.Centroid != nil {
			if hist == nil {
				hist = make([]float32, len(q.Centroid))
			}
			if len(hist) == len(q.Centroid) {
				kernel.Axpy(float32(q.Weight), q.Centroid, hist)
			}
		}
	}
	v.History = unit(hist)
	switch {
	case v.History != nil && v.Short != nil && len(v.Short) == len(v.History):
		dyn := make([]float32, len(v.History))
		kernel.Axpy(float32(v.Alpha), v.Short, dyn)
		kernel.Axpy(float32(1-v.Alpha), v.History, dyn)
		v.Dynamic = unit(dyn)
	case v.History != nil:
		v.Dynamic = v.History
	default:
		v.Dynamic = v.Short
	}
	slices.SortStableFunc(v.Queries, func(a, b Query) int {
		switch {
		case a.Share > b.Share:
			return -1
		case a.Share < b.Share:
			return 1
		}
		return 0
	})
	return v
}

// unit returns x/‖x‖ as a new slice, or nil for a zero vector.
func unit(x []float32) []float32 {
	n := norm(x)
	if n == 0 || math.IsNaN(n) || math.IsInf(n, 0) {
		return nil
	}
	u := slices.Clone(x)
	kernel.Scale(float32(1/n), u)
	return u
}
