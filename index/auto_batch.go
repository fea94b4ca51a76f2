package index

// SearchBatch answers several queries: in one pass over the vectors while
// the exact index serves, one graph search per query once HNSW does.
// Query i returns up to ks[i] hits.
func (a *Auto) SearchBatch(qs [][]float32, ks []int, m Metric, f Filter) [][]Hit {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.graph == nil {
		return a.exact.SearchBatch(qs, ks, m, f)
	}
	out := make([][]Hit, len(qs))
	if len(ks) != len(qs) {
		return out
	}
	for i, q := range qs {
		out[i] = a.graph.Search(q, ks[i], m, f)
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
