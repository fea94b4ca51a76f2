package index

// cand is a node with its similarity to the current query.
type cand struct {
	sim float32
	id  uint32
}

// candHeap is a binary heap of candidates. With best set it pops the most
// similar first (the frontier of a graph search); otherwise it pops the
// least similar first (the bounded result set, whose top is the bar a new
// node must clear). It is hand-written rather than container/heap because
// the interface calls cost more than the comparisons at this size.
type candHeap struct {
	best bool
	c    []cand
}

func (h *candHeap) len() int      { return len(h.c) }
func (h *candHeap) top() cand     { return h.c[0] }
func (h *candHeap) reset()        { h.c = h.c[:0] }
func (h *candHeap) items() []cand { return h.c }

func (h *candHeap) before(a, b cand) bool {
	if h.best {
		return a.sim > b.sim
	}
	return a.sim < b.sim
}

func (h *candHeap) push(x cand) {
	h.c = append(h.c, x)
	i := len(h.c) - 1
	for i > 0 {
		p := (i - 1) / 2
		if !h.before(h.c[i], h.c[p]) {
			break
		}
		h.c[i], h.c[p] = h.c[p], h.c[i]
		i = p
	}
}

func (h *candHeap) pop() cand {
	x := h.c[0]
	n := len(h.c) - 1
	h.c[0] = h.c[n]
	h.c = h.c[:n]
	i := 0
	for {
		l := 2*i + 1
		if l >= n {
			break
		}
		m := l
		if r := l + 1; r < n && h.before(h.c[r], h.c[l]) {
			m = r
		}
		if !h.before(h.c[m], h.c[i]) {
			break
		}
		h.c[i], h.c[m] = h.c[m], h.c[i]
		i = m
	}
	return x
}

// visitedSet marks nodes seen during one search. Clearing is O(1): a mark
// counts as set only when it equals the current generation, and the array
// is wiped only when the generation counter wraps.
type visitedSet struct {
	mark []uint32
	gen  uint32
}

func (v *visitedSet) begin(n int) {
	if len(v.mark) < n {
		v.mark = make([]uint32, n+n/4)
		v.gen = 0
	}
	v.gen++
	if v.gen == 0 {
		clear(v.mark)
		v.gen = 1
	}
}

// seen reports whether i is marked, without marking it.
func (v *visitedSet) seen(i uint32) bool { return v.mark[i] == v.gen }

// visit marks i and reports whether it was already marked.
func (v *visitedSet) visit(i uint32) bool {
	if v.mark[i] == v.gen {
		return true
	}
	v.mark[i] = v.gen
	return false
}
