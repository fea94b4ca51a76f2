package index

// CopyVectors copies the vectors of ids into dst, row i (dst[i·Dim():]) for
// ids[i], under one read lock, and sets found[i] to whether the index holds
// ids[i]. It reports false, copying nothing, unless dst holds exactly
// len(ids)·Dim() values and found len(ids): the dimension the caller sized
// dst by may have changed in between. It is
// Vector for many items at once without an allocation per item: a
// recommendation reads a hundred candidate vectors, and at a thousand
// dimensions a fresh 4 KB slice each was a tenth of its cost.
func (x *Exact) CopyVectors(ids []string, dst []float32, found []bool) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(dst) != len(ids)*x.dim || len(found) != len(ids) {
		return false
	}
	for i, id := range ids {
		j, ok := x.pos[id]
		found[i] = ok
		if ok {
			copy(dst[i*x.dim:(i+1)*x.dim], x.vecs[j*x.dim:(j+1)*x.dim])
		}
	}
	return true
}

// CopyVectors is Exact.CopyVectors for the graph index: rows are the
// originals when kept, the widened compressed vectors otherwise.
func (h *HNSW) CopyVectors(ids []string, dst []float32, found []bool) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if len(dst) != len(ids)*h.dim || len(found) != len(ids) {
		return false
	}
	for i, id := range ids {
		n, ok := h.pos[id]
		found[i] = ok
		if ok {
			h.vecs.decode(n, dst[i*h.dim:(i+1)*h.dim])
		}
	}
	return true
}

// CopyVectors is Exact.CopyVectors for whichever index serves.
func (a *Auto) CopyVectors(ids []string, dst []float32, found []bool) bool {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.graph != nil {
		return a.graph.CopyVectors(ids, dst, found)
	}
	return a.exact.CopyVectors(ids, dst, found)
}
