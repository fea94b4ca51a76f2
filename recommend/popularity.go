package recommend

import (
	"math"
	"sort"
	"sync"
	"time"
)

// Popularity counts interactions per item with exponential decay, so that
// "popular" means popular lately. It serves users with no profile yet and
// is the popularity baseline of the evaluation. Safe for concurrent use.
type Popularity struct {
	halfLife time.Duration

	mu     sync.RWMutex
	score  map[string]float64 // decayed to ref
	ref    time.Time
	sorted []string // cache of IDs by score, rebuilt lazily
	dirty  bool
}

// NewPopularity returns an empty counter; halfLife ≤ 0 disables decay.
func NewPopularity(halfLife time.Duration) *Popularity {
	return &Popularity{halfLife: halfLife, score: make(map[string]float64)}
}

// Add counts w interactions with item at time t. Instead of decaying every
// count as time advances, older counts stay as they are and newer ones are
// scaled up by 2^((t−ref)/h); the scale is renormalised before it overflows.
func (p *Popularity) Add(item string, w float64, t time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ref.IsZero() {
		p.ref = t
	}
	g := 1.0
	if p.halfLife > 0 {
		g = math.Exp2(float64(t.Sub(p.ref)) / float64(p.halfLife))
		if g > 1e12 {
			for k, v := range p.score {
				p.score[k] = v / g
			}
			p.ref = t
			g = 1
		}
	}
	p.score[item] += w * g
	p.dirty = true
}

// Remove forgets an item.
func (p *Popularity) Remove(item string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.score, item)
	p.dirty = true
}

// Score returns an item's relative popularity (only comparable with other
// items' scores from the same counter).
func (p *Popularity) Score(item string) float64 {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.score[item]
}

// Top calls fn with items in decreasing popularity until fn returns false.
func (p *Popularity) Top(fn func(id string, score float64) bool) {
	p.mu.Lock()
	if p.dirty || p.sorted == nil {
		// A fresh slice, never the old one reused: readers that took the
		// previous order keep iterating it unchanged.
		sorted := make([]string, 0, len(p.score))
		for k := range p.score {
			sorted = append(sorted, k)
		}
		sort.Slice(sorted, func(i, j int) bool {
			a, b := p.score[sorted[i]], p.score[sorted[j]]
			if a != b {
				return a > b
			}
			return sorted[i] < sorted[j]
		})
		p.sorted, p.dirty = sorted, false
	}
	ids := p.sorted
	scores := make([]float64, 0, 64)
	p.mu.Unlock()
	for i, id := range ids {
		if i%64 == 0 {
			scores = scores[:0]
			p.mu.RLock()
			for _, x := range ids[i:min(i+64, len(ids))] {
				scores = append(scores, p.score[x])
			}
			p.mu.RUnlock()
		}
		if !fn(id, scores[i%64]) {
			return
		}
	}
}

// Max returns the largest score (0 when empty).
func (p *Popularity) Max() float64 {
	var m float64
	p.Top(func(_ string, s float64) bool { m = s; return false })
	return m
}

// Prior returns log((score(id)+1)/(max+1)) ≤ 0: how far an item's recent
// popularity is below the most popular item's, on a log scale.
func (p *Popularity) Prior(id string, max float64) float64 {
	return math.Log((p.Score(id) + 1) / (max + 1))
}
