package index

import "slices"

// Compact repairs the graph around tombstoned nodes and frees their slots
// for reuse. Remove calls it when tombstones exceed MaxDeletedRatio of the
// nodes; call it directly to reclaim memory at a quiet moment (before Save,
// say). Searches wait while it runs.
//
// The repair, per layer, for every live node that links to a tombstone:
// the candidates are its live links plus the live links of its tombstoned
// neighbours (the nodes it reached through them), and the neighbour
// heuristic picks the new list from those. Nodes that no live node links
// to afterwards, or that lost all their links, are reinserted with a
// graph search, so that every live node stays reachable.
func (h *HNSW) Compact() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live == 0 {
		if h.tombstones > 0 {
			h.resetStorage(h.dim)
		}
		return
	}
	h.compact()
}

func (h *HNSW) compact() {
	if h.tombstones == 0 {
		return
	}
	s := h.getScratch()
	defer h.putScratch(s)
	n := len(h.levels)
	for i := range n {
		if h.state[i] != nodeLive {
			continue
		}
		for l := 0; l <= int(h.levels[i]); l++ {
			h.repairLinks(uint32(i), l, s)
		}
	}

	if h.state[h.entry] != nodeLive {
		best, bestLevel := uint32(0), -1
		for i := range n {
			if h.state[i] == nodeLive && int(h.levels[i]) > bestLevel {
				best, bestLevel = uint32(i), int(h.levels[i])
			}
		}
		h.entry, h.topLevel = best, bestLevel
	}

	for i := range n {
		if h.state[i] != nodeDeleted {
			continue
		}
		h.state[i] = nodeFree
		clear(h.linksOf(uint32(i), 0))
		h.upper[i] = nil
		h.ids[i] = ""
		h.cats[i] = nil
		h.free = append(h.free, uint32(i))
	}
	for c, p := range h.postings {
		h.postings[c] = slices.DeleteFunc(p, func(i uint32) bool { return h.state[i] != nodeLive })
	}
	h.tombstones = 0

	h.reconnectOrphans(s)
}

// repairLinks replaces node i's links to dead nodes on layer l.
func (h *HNSW) repairLinks(i uint32, l int, s *searchScratch) {
	links := h.linksOf(i, l)
	cur := links[1 : 1+links[0]]
	dead := false
	for _, x := range cur {
		if h.state[x] != nodeLive {
			dead = true
			break
		}
	}
	if !dead {
		return
	}
	s.visited.begin(len(h.levels))
	s.visited.visit(i)
	ids := s.links[:0]
	add := func(x uint32) {
		if h.state[x] == nodeLive && !s.visited.visit(x) {
			ids = append(ids, x)
		}
	}
	for _, x := range cur {
		if h.state[x] == nodeLive {
			add(x)
			continue
		}
		// A node links on layer l only to nodes that have layer l.
		dl := h.linksOf(x, l)
		for _, y := range dl[1 : 1+dl[0]] {
			add(y)
		}
	}
	s.links = ids
	sc := &s.sc3
	h.prepareNode(sc, i, s)
	cs := s.prune[:0]
	for _, x := range ids {
		cs = append(cs, cand{sc.sim(x), x})
	}
	sortBySim(cs)
	s.prune = cs
	kept := h.selectNeighbors(cs, h.mMax(l), s.kept, s)
	s.kept = kept
	links[0] = uint32(len(kept))
	for j, c := range kept {
		links[1+j] = c.id
	}
}

// reconnectOrphans reinserts the live nodes that a search cannot reach on
// layer 0 from the entry point, or that have no links of their own. A
// repair can leave such nodes where a whole neighbourhood was deleted, and
// plain insertion leaves a few too (about one in a thousand on
// low-dimensional data) when later neighbours' pruning drops every link to
// a node or to its small island. A reinserted node is linked from its
// closest reachable neighbour even if the heuristic would prune it; that
// can strand another node in turn, hence the few rounds.
func (h *HNSW) reconnectOrphans(s *searchScratch) {
	if h.topLevel < 0 {
		return
	}
	vec := make([]float32, h.dim)
	for range 4 {
		orphans := h.unreachable()
		if len(orphans) == 0 {
			return
		}
		for _, u := range orphans {
			h.vecs.decode(u, vec)
			h.insert(u, vec, true, s)
		}
	}
}

// unreachable lists the live nodes that a breadth-first walk of layer 0
// from the entry point misses (tombstones relay the walk, as they relay a
// search), and the live nodes without links.
func (h *HNSW) unreachable() []uint32 {
	n := len(h.levels)
	seen := make([]bool, n)
	seen[h.entry] = true
	queue := []uint32{h.entry}
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		l := h.linksOf(i, 0)
		for _, x := range l[1 : 1+l[0]] {
			if !seen[x] {
				seen[x] = true
				queue = append(queue, x)
			}
		}
	}
	var out []uint32
	for i := range n {
		u := uint32(i)
		if h.state[i] != nodeLive || u == h.entry {
			continue
		}
		if !seen[i] || h.linksOf(u, 0)[0] == 0 {
			out = append(out, u)
		}
	}
	return out
}
