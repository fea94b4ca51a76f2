package index

import (
	"math"
	"slices"
)

// Search implements Index.
//
// Filters follow a cost-based policy (measured in docs/ann.md). A filter
// that names categories is first sized from their postings. When they hold
// few items the search scans exactly those: a scan costs about one vector
// read per item, whereas a walk that admits a share p of the nodes has to
// score about 1/p times the nodes of an unfiltered walk before it has ef
// admitted results. The two cost the same at about √(20·ef·n) items (an
// unfiltered walk costs about 20·ef item reads), so that is the default
// FlatFilterLimit: 14k items of 100k, 44k of 1M at ef 96. Otherwise the
// walk routes through every node but only admitted ones enter the ef
// results. If it still finds fewer than k admitted items (an Exclude that
// rejects nearly everything, say) the search falls back to an exact scan,
// so it returns min(k, #admitted) hits like Exact.
//
// With compressed storage the walk scores the compressed vectors and the
// final candidates are re-scored with the float32 originals when kept.
//
// Filter.Exclude runs with the index's read lock held, so it must not call
// back into the index (as with Exact): a waiting writer would deadlock it.
func (h *HNSW) Search(q []float32, k int, m Metric, f Filter) []Hit {
	return h.SearchNear(q, k, m, f, nil)
}

// SearchNear is Search with a hint: near names items believed to lie close
// to q (a user's interest and the items that formed it, say). When the
// index holds any of them, the walk starts from them on the bottom layer
// instead of descending from the global entry point. At 100k items and a
// small ef the descent and the approach to the query's region are most of
// a walk's cost; a good hint skips both. The hint only moves the start:
// items in near are returned only if they pass the filter like any other,
// and a poor hint costs recall, not correctness (measured in docs/ann.md).
func (h *HNSW) SearchNear(q []float32, k int, m Metric, f Filter, near []string) []Hit {
	return h.search(Query{Vector: q, K: k, Near: near}, m, f)
}

// search answers one Query: SearchNear with the query's ef bound.
func (h *HNSW) search(query Query, m Metric, f Filter) []Hit {
	q, k, near := query.Vector, query.K, query.Near
	h.mu.RLock()
	defer h.mu.RUnlock()
	if k <= 0 || h.live == 0 || len(q) != h.dim || !finite(q) {
		return nil
	}
	s := h.getScratch()
	defer h.putScratch(s)

	var catSet []uint32
	estimate := h.live
	if len(f.Categories) > 0 {
		estimate = 0
		for _, name := range f.Categories {
			if c, ok := h.catNum[name]; ok && !slices.Contains(catSet, c) {
				catSet = append(catSet, c)
				estimate += len(h.postings[c])
			}
		}
		if len(catSet) == 0 {
			return nil
		}
		estimate = min(estimate, h.live)
	}
	admit := h.admitter(catSet, f.Exclude, h.excludedNodes(f.ExcludeIDs, s))
	ef := h.cfg.EfSearch
	if query.Ef > 0 {
		ef = min(ef, query.Ef)
	}
	ef = max(ef, k)
	if catSet != nil && estimate <= h.flatFilterLimit(ef) {
		return h.scan(q, k, m, catSet, admit, s)
	}

	sc := &s.sc
	sc.prepare(&h.vecs, h.norms, h.inv, m, compressedView, q, s.q8)
	if !h.enterNear(sc, near, ef, admit, s) {
		cur := cand{sc.sim(h.entry), h.entry}
		for l := h.topLevel; l > 0; l-- {
			cur = h.greedy(sc, cur, l, false, s)
		}
		h.searchLayer(sc, cur, ef, 0, admit, false, s)
	}
	found := s.results.items()
	if len(found) < k && len(found) < estimate {
		return h.scan(q, k, m, catSet, admit, s)
	}

	// Re-score with the best representation: exact float32 when kept, and
	// the metric's own score rather than the walk's monotone proxy. A
	// coarse query keeps the walk's representation, whose vectors the walk
	// has just read, unless that is Int4: choosing the best k of the ef
	// candidates by 4-bit scores lost 2.4 points of agreement with exact
	// search in BenchmarkRecommendHNSW100k (0.914 against int8's 0.938),
	// and re-scoring gives them back (0.943) for less than the 4-bit walk
	// saved.
	best := sc
	if !query.Coarse || h.vecs.kind == Int4 {
		best = &s.sc2
		best.prepare(&h.vecs, h.norms, h.inv, m, bestView, q, s.q8)
	}
	top := newTopK(k)
	for i, c := range found {
		// Ask for the originals a few candidates ahead: they are scattered
		// and, at a thousand dimensions, tens of cache lines each.
		if i == 0 {
			for _, a := range found[:min(rescoreAhead, len(found))] {
				best.prefetch(a.id)
			}
		} else if i+rescoreAhead-1 < len(found) {
			best.prefetch(found[i+rescoreAhead-1].id)
		}
		top.push(Hit{ID: h.ids[c.id], Score: best.score(c.id)})
	}
	return top.sorted()
}

// maxNear bounds how many hinted items a walk starts from.
const maxNear = 16

// enterNear starts a bottom-layer walk from the live items of near (at most
// maxNear) and runs it; it reports false, doing nothing, when none is in
// the index.
func (h *HNSW) enterNear(sc *scorer, near []string, ef int, admit func(uint32) bool, s *searchScratch) bool {
	started := false
	for _, id := range near[:min(len(near), maxNear)] {
		n, ok := h.pos[id]
		if !ok || h.state[n] != nodeLive {
			continue
		}
		if !started {
			h.beginWalk(s)
			started = true
		}
		h.enter(cand{sc.sim(n), n}, ef, admit, s)
	}
	if started {
		h.walkLayer(sc, ef, 0, admit, false, s)
	}
	return started
}

// rescoreAhead is how many candidates ahead the re-scoring prefetches.
const rescoreAhead = 8

// walkCostPerEf is what an unfiltered walk costs per unit of ef, in item
// reads of a scan: measured at about 2,000 for ef 96 at 100k items
// (docs/ann.md).
const walkCostPerEf = 20

// flatFilterLimit is the category size below which a filtered search scans.
func (h *HNSW) flatFilterLimit(ef int) int {
	if h.cfg.FlatFilterLimit != 0 {
		return h.cfg.FlatFilterLimit
	}
	return int(math.Sqrt(walkCostPerEf * float64(ef) * float64(h.live)))
}

// admitter returns the predicate of nodes a search may return: live, in one
// of the categories (when any are given) and not excluded. It returns nil
// when every node qualifies.
func (h *HNSW) admitter(catSet []uint32, exclude func(string) bool, excluded []uint32) func(uint32) bool {
	if catSet == nil && exclude == nil && len(excluded) == 0 && h.tombstones == 0 {
		return nil
	}
	return func(i uint32) bool {
		if h.state[i] != nodeLive {
			return false
		}
		if len(excluded) > 0 {
			if _, found := slices.BinarySearch(excluded, i); found {
				return false
			}
		}
		if catSet != nil {
			ok := false
			for _, c := range h.cats[i] {
				if slices.Contains(catSet, c) {
					ok = true
					break
				}
			}
			if !ok {
				return false
			}
		}
		return exclude == nil || !exclude(h.ids[i])
	}
}

// scan scores every admitted node exactly: the categories' postings when
// catSet is given, all nodes otherwise.
func (h *HNSW) scan(q []float32, k int, m Metric, catSet []uint32, admit func(uint32) bool, s *searchScratch) []Hit {
	sc := &s.sc2
	sc.prepare(&h.vecs, h.norms, h.inv, m, bestView, q, s.q8)
	top := newTopK(k)
	consider := func(i uint32) {
		if admit == nil || admit(i) {
			top.push(Hit{ID: h.ids[i], Score: sc.score(i)})
		}
	}
	if catSet == nil {
		for i := range h.state {
			if h.state[i] == nodeLive {
				consider(uint32(i))
			}
		}
		return top.sorted()
	}
	s.visited.begin(len(h.levels))
	for _, c := range catSet {
		for _, i := range h.postings[c] {
			if !s.visited.visit(i) {
				consider(i)
			}
		}
	}
	return top.sorted()
}

func finite(v []float32) bool {
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return false
		}
	}
	return true
}

// excludedNodes resolves Filter.ExcludeIDs to the sorted node numbers of
// the items the index holds, in the search's scratch space.
func (h *HNSW) excludedNodes(ids map[string]struct{}, s *searchScratch) []uint32 {
	s.excluded = s.excluded[:0]
	for id := range ids {
		if n, ok := h.pos[id]; ok {
			s.excluded = append(s.excluded, n)
		}
	}
	slices.Sort(s.excluded)
	return s.excluded
}
