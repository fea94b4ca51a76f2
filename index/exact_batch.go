package index

import "github.com/driftrec/driftrec/kernel"

// Query is one search of a batch: up to K items most similar to Vector.
// Near optionally names items believed close to Vector, where a graph walk
// may start (HNSW.SearchNear). Ef, when positive, bounds the graph walk's
// candidate list for this query: min(the index's EfSearch, Ef), and at
// least K. An exact scan uses neither.
//
// Coarse is for callers that re-score the hits with the items' vectors
// themselves (the recommender does): a graph walk over compressed storage
// then returns its best K in the walk's own order, scored from the
// compressed vectors, and skips re-scoring with the float32 originals,
// which reads every candidate's 4·dim bytes a second time. Exact scores
// either way. Int4 storage re-scores all the same: its order is too rough
// to pick the best K from the walk's candidates (docs/ann.md).
type Query struct {
	Vector []float32
	K      int
	Near   []string
	Ef     int
	Coarse bool
}

// SearchBatch runs several searches with one pass over the vectors: each
// item is read once and scored against every query while it is in L1, and
// the filter runs once per item instead of once per item and query. The
// recommender searches once per interest, so this is its common case. (A
// matrix product would re-pack every block of items for a handful of
// queries; measured slower than dot products for fewer than ~32 queries.)
// Query i returns up to qs[i].K hits, exactly as Search(qs[i].Vector,
// qs[i].K, m, f) would; an exact scan has no use for Query.Near.
func (x *Exact) SearchBatch(qs []Query, m Metric, f Filter) [][]Hit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	out := make([][]Hit, len(qs))
	if len(x.ids) == 0 || len(qs) == 0 {
		return out
	}
	d := x.dim
	q := make([]float32, 0, len(qs)*d)
	qn := make([]float32, len(qs))
	tops := make([]*topK, len(qs))
	for i, qq := range qs {
		v := qq.Vector
		if len(v) != d {
			return out
		}
		q = append(q, v...)
		qn[i] = sqrt32(kernel.Dot(v, v))
		tops[i] = newTopK(max(qq.K, 0))
	}
	for i, id := range x.ids {
		if !f.admits(id, x.cats[i]) {
			continue
		}
		v := x.vecs[i*d : (i+1)*d]
		for qi := range qs {
			tops[qi].push(Hit{ID: id, Score: m.Score(kernel.Dot(q[qi*d:(qi+1)*d], v), qn[qi], x.norms[i])})
		}
	}
	for i := range tops {
		out[i] = tops[i].sorted()
	}
	return out
}
