package eval

import (
	"container/heap"
	"context"
	"math"
	"time"
)

// catalogueState is what both baselines keep: item positions and, per
// user, the items already interacted with (excluded from rankings) in
// order.
type catalogueState struct {
	ids     []string
	pos     map[string]int
	seen    map[string][]bool
	history map[string][]int
}

func newCatalogueState(ids []string) catalogueState {
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	return catalogueState{ids: ids, pos: pos, seen: map[string][]bool{}, history: map[string][]int{}}
}

// observe records that a user interacted with an item.
func (c *catalogueState) observe(st *Step) (int, bool) {
	i, ok := c.pos[st.Event.Item]
	if !ok {
		return -1, false
	}
	u := st.Event.User
	s := c.seen[u]
	if s == nil {
		s = make([]bool, len(c.ids))
		c.seen[u] = s
	}
	if !s[i] {
		s[i] = true
		c.history[u] = append(c.history[u], i)
	}
	return i, true
}

// rankAndTop ranks target by score among the items user has not seen and
// returns the top listLen of them (ties by catalogue order).
func (c *catalogueState) rankAndTop(score []float64, user, target string) Prediction {
	seen := c.seen[user]
	admit := func(i int) bool { return seen == nil || !seen[i] }
	var p Prediction
	if t, ok := c.pos[target]; ok && admit(t) {
		p.Rank = RankAmong(score, t, admit)
	}
	p.Top = c.top(score, admit)
	return p
}

func (c *catalogueState) top(score []float64, admit func(int) bool) []string {
	h := &minHeap{score: score}
	for i := range score {
		if !admit(i) {
			continue
		}
		if h.Len() < listLen {
			heap.Push(h, i)
		} else if better(score, i, h.idx[0]) {
			h.idx[0] = i
			heap.Fix(h, 0)
		}
	}
	out := make([]string, h.Len())
	for k := len(out) - 1; k >= 0; k-- {
		out[k] = c.ids[heap.Pop(h).(int)]
	}
	return out
}

// better orders items by score, then by catalogue position.
func better(score []float64, a, b int) bool {
	if score[a] != score[b] {
		return score[a] > score[b]
	}
	return a < b
}

// minHeap keeps the best items with the worst on top.
type minHeap struct {
	score []float64
	idx   []int
}

func (h *minHeap) Len() int           { return len(h.idx) }
func (h *minHeap) Less(i, j int) bool { return better(h.score, h.idx[j], h.idx[i]) }
func (h *minHeap) Swap(i, j int)      { h.idx[i], h.idx[j] = h.idx[j], h.idx[i] }
func (h *minHeap) Push(x any)         { h.idx = append(h.idx, x.(int)) }
func (h *minHeap) Pop() any {
	x := h.idx[len(h.idx)-1]
	h.idx = h.idx[:len(h.idx)-1]
	return x
}

// Popularity is the popularity baseline (not driftrec's model): an item's
// score is its number of interactions. Its first variant counts the
// training interactions replayed before the prediction time (nothing from
// the future); the second counts every interaction replayed so far,
// held-out ones of other users included; the third counts the whole
// training split, future included, as static leave-last-out evaluations
// usually do.
type Popularity struct {
	cat    catalogueState
	train  []float64
	all    []float64
	static []float64
}

// NewPopularity returns the baseline over the timeline's catalogue.
func NewPopularity(tl *Timeline) *Popularity {
	p := &Popularity{
		cat:    newCatalogueState(tl.Catalogue),
		train:  make([]float64, len(tl.Catalogue)),
		all:    make([]float64, len(tl.Catalogue)),
		static: make([]float64, len(tl.Catalogue)),
	}
	for i, id := range tl.Catalogue {
		p.static[i] = float64(tl.TrainCount[id])
	}
	return p
}

// Variants implements Method.
func (p *Popularity) Variants() []Variant {
	return []Variant{
		{Name: "train-so-far", Params: map[string]any{"counts": "training interactions before the prediction time"}},
		{Name: "all-so-far", Params: map[string]any{"counts": "all interactions before the prediction time"}},
		{Name: "train-static", Params: map[string]any{"counts": "the whole training split, later events included"}},
	}
}

// Observe implements Method.
func (p *Popularity) Observe(ctx context.Context, steps []Step) error {
	for i := range steps {
		st := &steps[i]
		if st.Event.Item == "" {
			continue
		}
		if j, ok := p.cat.observe(st); ok && st.Phase != PhaseContext {
			p.all[j]++
			if st.Phase == PhaseTrain {
				p.train[j]++
			}
		}
	}
	return nil
}

// Predict implements Method.
func (p *Popularity) Predict(ctx context.Context, q Query) ([]Prediction, error) {
	return []Prediction{
		p.cat.rankAndTop(p.train, q.User, q.Target),
		p.cat.rankAndTop(p.all, q.User, q.Target),
		p.cat.rankAndTop(p.static, q.User, q.Target),
	}, nil
}

// Top implements Method.
func (p *Popularity) Top(ctx context.Context, user string, now time.Time) ([]string, error) {
	return p.cat.rankAndTop(p.train, user, "").Top, nil
}

// ItemKNN is the item-based nearest-neighbour baseline (not driftrec's
// model): items are binary vectors over the users who interacted with
// them in the training split, similarity is their cosine
// |U(i) ∩ U(j)| / √(|U(i)|·|U(j)|), and an item's score is the sum of its
// similarities to the user's last Window items (as replayed: training
// items, and the validation item for the test query).
type ItemKNN struct {
	cat    catalogueState
	window int
	// users[i] are the users of item i and items[u] the items of user u
	// in the training split: the sparse co-occurrence structure.
	users [][]int32
	items [][]int32
	// invSqrt[i] = 1/√|U(i)| (0 for items without training users).
	invSqrt []float64
	acc     []float64
}

// NewItemKNN fits the co-occurrence structure on the timeline's training
// interactions.
func NewItemKNN(tl *Timeline, window int) *ItemKNN {
	k := &ItemKNN{cat: newCatalogueState(tl.Catalogue), window: window}
	n := len(tl.Catalogue)
	k.users = make([][]int32, n)
	userID := map[string]int32{}
	seen := map[[2]int32]bool{}
	for i := range tl.Steps {
		st := &tl.Steps[i]
		if st.Phase != PhaseTrain || st.Event.Item == "" {
			continue
		}
		it, ok := k.cat.pos[st.Event.Item]
		if !ok {
			continue
		}
		u, ok := userID[st.Event.User]
		if !ok {
			u = int32(len(k.items))
			userID[st.Event.User] = u
			k.items = append(k.items, nil)
		}
		if seen[[2]int32{u, int32(it)}] {
			continue // a repeated interaction is one co-occurrence
		}
		seen[[2]int32{u, int32(it)}] = true
		k.items[u] = append(k.items[u], int32(it))
		k.users[it] = append(k.users[it], u)
	}
	k.invSqrt = make([]float64, n)
	for i, us := range k.users {
		if len(us) > 0 {
			k.invSqrt[i] = 1 / math.Sqrt(float64(len(us)))
		}
	}
	k.acc = make([]float64, n)
	return k
}

// Variants implements Method.
func (k *ItemKNN) Variants() []Variant {
	return []Variant{{Name: "cosine", Params: map[string]any{"similarity": "cosine", "window": k.window}}}
}

// Observe implements Method.
func (k *ItemKNN) Observe(ctx context.Context, steps []Step) error {
	for i := range steps {
		if steps[i].Event.Item != "" {
			k.cat.observe(&steps[i])
		}
	}
	return nil
}

// scores fills k.acc with Σ_h cos(h, j) over the user's last items h:
// Σ_h Σ_{u ∈ U(h)} Σ_{j ∈ I(u)} 1/(√|U(h)|·√|U(j)|), which walks the
// co-occurrences instead of materialising the item–item matrix.
func (k *ItemKNN) scores(user string) []float64 {
	clear(k.acc)
	hist := k.cat.history[user]
	for _, h := range hist[max(0, len(hist)-k.window):] {
		wh := k.invSqrt[h]
		for _, u := range k.users[h] {
			for _, j := range k.items[u] {
				k.acc[j] += wh
			}
		}
	}
	for j := range k.acc {
		k.acc[j] *= k.invSqrt[j]
	}
	return k.acc
}

// Predict implements Method.
func (k *ItemKNN) Predict(ctx context.Context, q Query) ([]Prediction, error) {
	return []Prediction{k.cat.rankAndTop(k.scores(q.User), q.User, q.Target)}, nil
}

// Top implements Method.
func (k *ItemKNN) Top(ctx context.Context, user string, now time.Time) ([]string, error) {
	return k.cat.rankAndTop(k.scores(user), user, "").Top, nil
}
