package index

import "slices"

// Categories returns a copy of an item's categories and whether the item
// is in the index.
func (x *Exact) Categories(id string) ([]string, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.pos[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(x.cats[i]), true
}

// Categories returns an item's categories and whether the item is in the
// index.
func (h *HNSW) Categories(id string) ([]string, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n, ok := h.pos[id]
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(h.cats[n]))
	for _, c := range h.cats[n] {
		out = append(out, h.catNames[c])
	}
	return out, true
}

// Categories returns an item's categories and whether the item is in the
// index.
func (a *Auto) Categories(id string) ([]string, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	if a.graph != nil {
		return a.graph.Categories(id)
	}
	return a.exact.Categories(id)
}
