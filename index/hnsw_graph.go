package index

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// insertAll links the allocated nodes into the graph, BuildWorkers at a
// time, and reports which were linked (all of them unless ctx ends early).
// vectors are taken from entries so that construction reads the float32
// originals even when storage discards them.
func (h *HNSW) insertAll(ctx context.Context, nodes []uint32, entries []Entry, last map[string]int) []bool {
	done := make([]bool, len(nodes))
	vecOf := func(j int) []float32 { return entries[last[h.ids[nodes[j]]]].Vector }
	start := 0
	if h.topLevel < 0 && len(nodes) > 0 {
		// The first node becomes the entry point; nothing to link.
		n := nodes[0]
		h.entry, h.topLevel = n, int(h.levels[n])
		done[0] = true
		start = 1
	}
	workers := min(h.cfg.BuildWorkers, len(nodes)-start)
	if workers <= 1 {
		s := h.getScratch()
		defer h.putScratch(s)
		for j := start; j < len(nodes); j++ {
			if ctx.Err() != nil {
				break
			}
			h.insert(nodes[j], vecOf(j), false, s)
			done[j] = true
		}
		return done
	}
	var next atomic.Int64
	next.Store(int64(start))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			s := h.getScratch()
			defer h.putScratch(s)
			for {
				j := int(next.Add(1) - 1)
				if j >= len(nodes) || ctx.Err() != nil {
					return
				}
				h.insert(nodes[j], vecOf(j), false, s)
				done[j] = true
			}
		})
	}
	wg.Wait()
	return done
}

// insert links node n (whose vector is vec) into every layer up to its
// level, as in algorithm 1 of the paper. It is safe to run concurrently
// with other inserts: link lists are read and written under their stripe
// lock, one lock at a time, so stripes cannot deadlock. It also relinks an
// existing node (relink) that nothing links to.
func (h *HNSW) insert(n uint32, vec []float32, relink bool, s *searchScratch) {
	level := int(h.levels[n])
	h.entryMu.Lock()
	ep, top := h.entry, h.topLevel
	h.entryMu.Unlock()
	if level > top {
		// Serialise the rare insertions that raise the top layer so that
		// two of them cannot each miss the other's upper layers.
		h.promoteMu.Lock()
		defer h.promoteMu.Unlock()
		h.entryMu.Lock()
		ep, top = h.entry, h.topLevel
		h.entryMu.Unlock()
	}
	if ep == n {
		return
	}
	sc := &s.sc
	sc.prepare(&h.vecs, h.norms, h.inv, h.cfg.Metric, bestView, vec, s.q8)
	cur := cand{sc.sim(ep), ep}
	for l := top; l > level; l-- {
		cur = h.greedy(sc, cur, l, true, s)
	}
	for l := min(top, level); l >= 0; l-- {
		h.searchLayer(sc, cur, h.cfg.EfConstruction, l, nil, true, s)
		w := s.pick[:0]
		for _, c := range s.results.items() {
			if c.id != n {
				w = append(w, c)
			}
		}
		sortBySim(w)
		s.pick = w
		if len(w) == 0 {
			continue
		}
		cur = w[0]
		nb := h.selectNeighbors(w, h.cfg.M, s.chosen, s)
		s.chosen = nb
		h.setLinks(n, l, nb)
		for j, c := range nb {
			// An orphan being relinked must end up linked from its
			// closest neighbour even if the heuristic would prune it.
			h.addLink(c.id, n, l, relink && j == 0, s)
		}
	}
	if level > top {
		h.entryMu.Lock()
		if level > h.topLevel {
			h.entry, h.topLevel = n, level
		}
		h.entryMu.Unlock()
	}
}

func sortBySim(c []cand) {
	slices.SortFunc(c, func(a, b cand) int {
		switch {
		case a.sim > b.sim:
			return -1
		case a.sim < b.sim:
			return 1
		case a.id < b.id:
			return -1
		case a.id > b.id:
			return 1
		}
		return 0
	})
}

func (h *HNSW) stripe(i uint32) *sync.Mutex { return &h.stripes[i&(lockStripes-1)] }

// neighbours returns node i's links on a layer. With locking it copies them
// under the stripe lock into s.links (a parallel build may be rewriting
// them); otherwise it returns the stored slice.
func (h *HNSW) neighbours(i uint32, level int, locking bool, s *searchScratch) []uint32 {
	if !locking {
		l := h.linksOf(i, level)
		return l[1 : 1+l[0]]
	}
	mu := h.stripe(i)
	mu.Lock()
	l := h.linksOf(i, level)
	s.links = append(s.links[:0], l[1:1+l[0]]...)
	mu.Unlock()
	return s.links
}

func (h *HNSW) setLinks(i uint32, level int, nb []cand) {
	mu := h.stripe(i)
	mu.Lock()
	l := h.linksOf(i, level)
	l[0] = uint32(len(nb))
	for j, c := range nb {
		l[1+j] = c.id
	}
	mu.Unlock()
}

// greedy walks a layer from cur to a local maximum of similarity (the
// upper-layer descent, ef = 1).
func (h *HNSW) greedy(sc *scorer, cur cand, level int, locking bool, s *searchScratch) cand {
	for changed := true; changed; {
		changed = false
		for _, nb := range h.neighbours(cur.id, level, locking, s) {
			if sim := sc.sim(nb); sim > cur.sim {
				cur, changed = cand{sim, nb}, true
			}
		}
	}
	return cur
}

// searchLayer is algorithm 2 of the paper: a best-first walk of one layer
// from entry that leaves the ef most similar admitted nodes in s.results.
// Nodes that admit rejects (tombstones, filtered-out items) are still
// walked through, so they keep the graph navigable, but never enter the
// results; admit nil admits every node.
func (h *HNSW) searchLayer(sc *scorer, entry cand, ef, level int, admit func(uint32) bool, locking bool, s *searchScratch) {
	h.beginWalk(s)
	h.enter(entry, ef, admit, s)
	h.walkLayer(sc, ef, level, admit, locking, s)
}

// beginWalk clears the visited set and both candidate lists for a new walk.
func (h *HNSW) beginWalk(s *searchScratch) {
	s.visited.begin(len(h.levels))
	s.frontier.reset()
	s.results.reset()
}

// enter adds a starting node to a walk begun with beginWalk: the frontier
// always, the results if admitted (keeping the ef best).
func (h *HNSW) enter(c cand, ef int, admit func(uint32) bool, s *searchScratch) {
	if s.visited.visit(c.id) {
		return
	}
	s.frontier.push(c)
	if admit == nil || admit(c.id) {
		s.results.push(c)
		if s.results.len() > ef {
			s.results.pop()
		}
	}
}

// walkLayer runs searchLayer's best-first walk from the frontier as it is.
func (h *HNSW) walkLayer(sc *scorer, ef, level int, admit func(uint32) bool, locking bool, s *searchScratch) {
	for s.frontier.len() > 0 {
		c := s.frontier.pop()
		if s.results.len() >= ef && c.sim < s.results.top().sim {
			break
		}
		nbs := h.neighbours(c.id, level, locking, s)
		for _, nb := range nbs {
			if !s.visited.seen(nb) {
				sc.prefetch(nb)
			}
		}
		for _, nb := range nbs {
			if s.visited.visit(nb) {
				continue
			}
			sim := sc.sim(nb)
			if s.results.len() < ef || sim > s.results.top().sim {
				s.frontier.push(cand{sim, nb})
				if admit == nil || admit(nb) {
					s.results.push(cand{sim, nb})
					if s.results.len() > ef {
						s.results.pop()
					}
				}
			}
		}
	}
}

// prepareNode sets sc up with node i as the query, reading its best
// available representation without copying where possible.
func (h *HNSW) prepareNode(sc *scorer, i uint32, s *searchScratch) {
	v := &h.vecs
	sc.s, sc.norms, sc.inv, sc.metric = v, h.norms, h.inv, h.cfg.Metric
	sc.qNorm, sc.qInv = h.norms[i], h.inv[i]
	switch {
	case v.exact != nil:
		sc.mode = Float32
		sc.q = v.exactRow(i)
	case v.kind == Int8:
		sc.mode = Int8
		sc.q8 = v.bytes[int(i)*v.dim : int(i+1)*v.dim]
		sc.qScale = v.scale[i]
	default:
		sc.mode = v.kind
		v.decode(i, s.vec)
		sc.q = s.vec
	}
}

// selectNeighbors is the heuristic of algorithm 4 of the paper (without
// extending or keeping pruned candidates): walking candidates from the most
// similar, keep one only if it is more similar to the base than to every
// one kept so far. This spreads links across directions, which is what
// keeps clustered data navigable. cands must be sorted best first; the
// result is appended to kept[:0].
func (h *HNSW) selectNeighbors(cands []cand, m int, kept []cand, s *searchScratch) []cand {
	kept = kept[:0]
	if len(cands) <= m {
		return append(kept, cands...)
	}
	sc := &s.sc2
	for _, c := range cands {
		if len(kept) >= m {
			break
		}
		h.prepareNode(sc, c.id, s)
		good := true
		for _, r := range kept {
			if sc.sim(r.id) > c.sim {
				good = false
				break
			}
		}
		if good {
			kept = append(kept, c)
		}
	}
	return kept
}

// addLink adds a link from e to n on a layer, pruning e's list with the
// heuristic when it is full; with force, n replaces the least similar kept
// link if the heuristic pruned it.
func (h *HNSW) addLink(e, n uint32, level int, force bool, s *searchScratch) {
	mu := h.stripe(e)
	mu.Lock()
	defer mu.Unlock()
	l := h.linksOf(e, level)
	cnt := int(l[0])
	if slices.Contains(l[1:1+cnt], n) {
		return
	}
	if m := h.mMax(level); cnt < m {
		l[1+cnt] = n
		l[0]++
		return
	}
	sc := &s.sc3
	h.prepareNode(sc, e, s)
	cs := s.prune[:0]
	for _, x := range l[1 : 1+cnt] {
		cs = append(cs, cand{sc.sim(x), x})
	}
	cs = append(cs, cand{sc.sim(n), n})
	sortBySim(cs)
	s.prune = cs
	kept := h.selectNeighbors(cs, h.mMax(level), s.kept, s)
	if force && !slices.ContainsFunc(kept, func(c cand) bool { return c.id == n }) {
		kept[len(kept)-1] = cand{id: n}
	}
	s.kept = kept
	l[0] = uint32(len(kept))
	for j, c := range kept {
		l[1+j] = c.id
	}
}
