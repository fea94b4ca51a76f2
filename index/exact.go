package index

import (
	"fmt"
	"slices"
	"sync"

	"github.com/driftrec/driftrec/kernel"
)

// Exact is a brute-force index: every search scores every item. Vectors are
// kept in one contiguous row-major matrix so that a scan is a sequence of
// SIMD dot products over memory read once, front to back.
type Exact struct {
	mu    sync.RWMutex
	dim   int
	ids   []string
	pos   map[string]int
	vecs  []float32 // len(ids) × dim
	norms []float32
	cats  [][]string
}

// NewExact returns an empty exact index.
func NewExact() *Exact {
	return &Exact{pos: make(map[string]int)}
}

// Add implements Index.
func (x *Exact) Add(id string, vec []float32, categories []string) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if len(vec) == 0 {
		return fmt.Errorf("index: empty vector for item %q", id)
	}
	if x.dim == 0 || len(x.ids) == 0 {
		x.dim = len(vec)
	}
	if len(vec) != x.dim {
		return fmt.Errorf("index: item %q has %d dimensions, the index has %d", id, len(vec), x.dim)
	}
	norm := sqrt32(kernel.Dot(vec, vec))
	if i, ok := x.pos[id]; ok {
		copy(x.vecs[i*x.dim:(i+1)*x.dim], vec)
		x.norms[i] = norm
		x.cats[i] = slices.Clone(categories)
		return nil
	}
	x.pos[id] = len(x.ids)
	x.ids = append(x.ids, id)
	x.vecs = append(x.vecs, vec...)
	x.norms = append(x.norms, norm)
	x.cats = append(x.cats, slices.Clone(categories))
	return nil
}

// Remove implements Index. The last item moves into the freed slot so the
// matrix stays dense.
func (x *Exact) Remove(id string) {
	x.mu.Lock()
	defer x.mu.Unlock()
	i, ok := x.pos[id]
	if !ok {
		return
	}
	last := len(x.ids) - 1
	if i != last {
		x.ids[i] = x.ids[last]
		copy(x.vecs[i*x.dim:(i+1)*x.dim], x.vecs[last*x.dim:(last+1)*x.dim])
		x.norms[i] = x.norms[last]
		x.cats[i] = x.cats[last]
		x.pos[x.ids[i]] = i
	}
	delete(x.pos, id)
	x.ids = x.ids[:last]
	x.vecs = x.vecs[:last*x.dim]
	x.norms = x.norms[:last]
	x.cats[last] = nil
	x.cats = x.cats[:last]
}

// Search implements Index.
func (x *Exact) Search(q []float32, k int, m Metric, f Filter) []Hit {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if k <= 0 || len(x.ids) == 0 || len(q) != x.dim {
		return nil
	}
	qn := sqrt32(kernel.Dot(q, q))
	top := newTopK(k)
	for i, id := range x.ids {
		if !f.admits(id, x.cats[i]) {
			continue
		}
		d := kernel.Dot(q, x.vecs[i*x.dim:(i+1)*x.dim])
		top.push(Hit{ID: id, Score: m.Score(d, qn, x.norms[i])})
	}
	return top.sorted()
}

// Vector implements Index.
func (x *Exact) Vector(id string) ([]float32, bool) {
	x.mu.RLock()
	defer x.mu.RUnlock()
	i, ok := x.pos[id]
	if !ok {
		return nil, false
	}
	return slices.Clone(x.vecs[i*x.dim : (i+1)*x.dim]), true
}

// Len implements Index.
func (x *Exact) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.ids)
}

// Dim implements Index.
func (x *Exact) Dim() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	if len(x.ids) == 0 {
		return 0
	}
	return x.dim
}

func (f *Filter) admits(id string, cats []string) bool {
	if len(f.Categories) > 0 {
		ok := false
		for _, c := range f.Categories {
			if slices.Contains(cats, c) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return !f.Excludes(id)
}
