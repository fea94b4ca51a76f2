package index

// Scan calls fn with every item and its vector until fn returns false. The
// vector is the index's own storage: fn must not modify or retain it. The
// index is read-locked for the whole scan, so fn must not call back into
// it. Full rankings (the offline evaluation scores every item for every
// prediction) use this to avoid copying vectors.
//
// It reports true: the scan happened (see Auto.Scan, which cannot always).
func (x *Exact) Scan(fn func(id string, vec []float32) bool) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for i, id := range x.ids {
		if !fn(id, x.vecs[i*x.dim:(i+1)*x.dim]) {
			break
		}
	}
	return true
}
