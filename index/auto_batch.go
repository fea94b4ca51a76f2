package index

// SearchBatch answers several queries: in one pass over the vectors while
// the exact index serves, one graph search per query once HNSW does.
// Query i returns up to qs[i].K hits; graph walks start from qs[i].Near
// when the graph holds any of it.
func (a *Auto) SearchBatch(qs []Query, m Metric, f Filter) [][]Hit {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.graph == nil {
		return a.exact.SearchBatch(qs, m, f)
	}
	return a.graph.SearchBatch(qs, m, f)
}

// SearchBatch answers several queries, one graph walk each, from
// qs[i].Near when the graph holds any of it (SearchNear), its candidate
// list bounded by qs[i].Ef when set.
func (h *HNSW) SearchBatch(qs []Query, m Metric, f Filter) [][]Hit {
	out := make([][]Hit, len(qs))
	for i, q := range qs {
		out[i] = h.search(q, m, f)
	}
	return out
}

// Scan calls fn with every item and its vector (see Exact.Scan and
// HNSW.Scan) and reports true.
func (a *Auto) Scan(fn func(id string, vec []float32) bool) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.graph != nil {
		return a.graph.Scan(fn)
	}
	return a.exact.Scan(fn)
}
