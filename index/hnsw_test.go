package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/index/internal/clustered"
)

// dataset is seeded clustered data with items and queries from the same
// distribution.
type dataset struct {
	dim     int
	items   []float32
	queries []float32
}

func makeDataset(t testing.TB, n, nq, dim int, seed uint64, normalize bool) dataset {
	t.Helper()
	cfg := clustered.Default(dim, clustered.Clusters(n), seed)
	cfg.Normalize = normalize
	g, err := clustered.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	qg, err := clustered.New(cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	return dataset{dim: dim, items: g.Points(n), queries: qg.Points(nq)}
}

func (d dataset) n() int               { return len(d.items) / d.dim }
func (d dataset) item(i int) []float32 { return d.items[i*d.dim : (i+1)*d.dim] }
func (d dataset) query(i int) []float32 {
	return d.queries[i*d.dim : (i+1)*d.dim]
}

func itemID(i int) string { return fmt.Sprintf("item%06d", i) }

func entries(d dataset, cats func(i int) []string) []Entry {
	es := make([]Entry, d.n())
	for i := range es {
		es[i] = Entry{ID: itemID(i), Vector: d.item(i)}
		if cats != nil {
			es[i].Categories = cats(i)
		}
	}
	return es
}

func buildBoth(t testing.TB, cfg HNSWConfig, es []Entry) (*HNSW, *Exact) {
	t.Helper()
	h, err := NewHNSW(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	x := NewExact()
	for _, e := range es {
		if err := x.Add(e.ID, e.Vector, e.Categories); err != nil {
			t.Fatal(err)
		}
	}
	return h, x
}

// recall is the share of exact top-k IDs that the index also returns, over
// all queries.
func recall(d dataset, a, exact Index, k int, m Metric, f Filter) float64 {
	hit, total := 0, 0
	for i := range len(d.queries) / d.dim {
		want := exact.Search(d.query(i), k, m, f)
		got := a.Search(d.query(i), k, m, f)
		in := make(map[string]bool, len(got))
		for _, g := range got {
			in[g.ID] = true
		}
		for _, w := range want {
			if in[w.ID] {
				hit++
			}
		}
		total += len(want)
	}
	if total == 0 {
		return 1
	}
	return float64(hit) / float64(total)
}

// makeUnnormalized is makeDataset without normalisation, so that norms
// vary and the three metrics rank differently.
func makeUnnormalized(t testing.TB, n, nq, dim int, seed uint64) dataset {
	return makeDataset(t, n, nq, dim, seed, false)
}

func TestHNSWRecall(t *testing.T) {
	d := makeUnnormalized(t, 6000, 150, 48, 7)
	es := entries(d, nil)
	for _, st := range []Storage{Float32, Float16, Int8, Int4} {
		for _, m := range []Metric{Cosine, Dot, Euclidean} {
			t.Run(st.String()+"/"+m.String(), func(t *testing.T) {
				h, x := buildBoth(t, HNSWConfig{Metric: m, Storage: st, Seed: 1}, es)
				r := recall(d, h, x, 10, m, Filter{})
				t.Logf("recall@10 = %.4f", r)
				if r < 0.95 {
					t.Errorf("recall@10 = %.4f, want ≥ 0.95", r)
				}
			})
		}
	}
}

// TestHNSWRecallDiscardOriginals checks the graph built and searched from
// compressed vectors only.
func TestHNSWRecallDiscardOriginals(t *testing.T) {
	d := makeDataset(t, 6000, 150, 48, 8, true)
	es := entries(d, nil)
	for _, st := range []Storage{Float16, Int8} {
		t.Run(st.String(), func(t *testing.T) {
			h, x := buildBoth(t, HNSWConfig{Storage: st, DiscardOriginals: true, Seed: 1}, es)
			r := recall(d, h, x, 10, Cosine, Filter{})
			t.Logf("recall@10 = %.4f", r)
			if r < 0.95 {
				t.Errorf("recall@10 = %.4f, want ≥ 0.95", r)
			}
			v, ok := h.Vector(itemID(3))
			if !ok {
				t.Fatal("Vector: missing item")
			}
			// Normalised components are below 1: f16 keeps ~3 digits, int8
			// max|v|/254 absolute.
			for j, want := range d.item(3) {
				if diff := math.Abs(float64(v[j] - want)); diff > 0.01 {
					t.Fatalf("component %d: %v, want %v within 0.01", j, v[j], want)
				}
			}
		})
	}
}

// TestHNSWOtherMetricThanBuilt searches a cosine-built graph with the
// other metrics; on normalised vectors they rank alike, so recall must
// hold.
func TestHNSWOtherMetricThanBuilt(t *testing.T) {
	d := makeDataset(t, 5000, 100, 48, 9, true)
	h, x := buildBoth(t, HNSWConfig{Metric: Cosine, Seed: 1}, entries(d, nil))
	for _, m := range []Metric{Dot, Euclidean} {
		if r := recall(d, h, x, 10, m, Filter{}); r < 0.95 {
			t.Errorf("%v on a cosine graph: recall@10 = %.4f, want ≥ 0.95", m, r)
		}
	}
}

// TestHNSWScoresMatchExact: with float32 storage a hit's score is computed
// exactly as Exact computes it, so the same item gets the same score.
func TestHNSWScoresMatchExact(t *testing.T) {
	d := makeUnnormalized(t, 2000, 30, 32, 11)
	es := entries(d, nil)
	for _, st := range []Storage{Float32, Float16, Int8, Int4} {
		h, x := buildBoth(t, HNSWConfig{Storage: st, Seed: 1}, es)
		for _, m := range []Metric{Cosine, Dot, Euclidean} {
			for i := range 30 {
				want := map[string]float32{}
				for _, hit := range x.Search(d.query(i), 50, m, Filter{}) {
					want[hit.ID] = hit.Score
				}
				got := h.Search(d.query(i), 10, m, Filter{})
				if len(got) != 10 {
					t.Fatalf("%v/%v: %d hits, want 10", st, m, len(got))
				}
				for j, hit := range got {
					if j > 0 && worse(got[j-1], hit) {
						t.Fatalf("%v/%v: hits out of order: %v", st, m, got)
					}
					if w, ok := want[hit.ID]; ok && w != hit.Score {
						t.Fatalf("%v/%v: %s scored %v, exact %v", st, m, hit.ID, hit.Score, w)
					}
				}
			}
		}
	}
}

func TestHNSWInt4KeepsOriginals(t *testing.T) {
	if _, err := NewHNSW(HNSWConfig{Storage: Int4, DiscardOriginals: true}); err == nil || !strings.Contains(err.Error(), "int4") {
		t.Fatalf("NewHNSW(int4 without originals) = %v, want an error naming int4", err)
	}
}

func TestHNSWInputErrors(t *testing.T) {
	h, err := NewHNSW(HNSWConfig{})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.Add("a", []float32{1, 2, 3}, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		id   string
		vec  []float32
		cats []string
	}{
		{"empty id", "", []float32{1, 2, 3}, nil},
		{"empty vector", "b", nil, nil},
		{"wrong dimension", "b", []float32{1, 2}, nil},
		{"NaN", "b", []float32{1, float32(math.NaN()), 3}, nil},
		{"Inf", "b", []float32{1, float32(math.Inf(1)), 3}, nil},
		{"long id", strings.Repeat("x", 1<<16), []float32{1, 2, 3}, nil},
		{"long category", "b", []float32{1, 2, 3}, []string{strings.Repeat("x", 1<<16)}},
	} {
		if err := h.Add(tc.id, tc.vec, tc.cats); err == nil {
			t.Errorf("%s: Add succeeded", tc.name)
		}
	}
	if h.Len() != 1 {
		t.Errorf("Len = %d after rejected adds, want 1", h.Len())
	}
	for _, tc := range []struct {
		name string
		q    []float32
		k    int
	}{
		{"k = 0", []float32{1, 2, 3}, 0},
		{"wrong dimension", []float32{1, 2}, 5},
		{"NaN query", []float32{float32(math.NaN()), 0, 0}, 5},
	} {
		if hits := h.Search(tc.q, tc.k, Cosine, Filter{}); hits != nil {
			t.Errorf("%s: Search returned %v", tc.name, hits)
		}
	}
	for _, cfg := range []HNSWConfig{{M: 1}, {M: 1000}, {Metric: 7}, {Storage: 9}, {MaxDeletedRatio: 2}, {EfSearch: -1}} {
		if _, err := NewHNSW(cfg); err == nil {
			t.Errorf("NewHNSW(%+v) succeeded", cfg)
		}
	}
}

func TestHNSWEmptyAndTiny(t *testing.T) {
	h, _ := NewHNSW(HNSWConfig{})
	if got := h.Search([]float32{1}, 3, Cosine, Filter{}); got != nil {
		t.Errorf("empty index returned %v", got)
	}
	if h.Dim() != 0 || h.Len() != 0 {
		t.Errorf("empty index: Dim %d Len %d", h.Dim(), h.Len())
	}
	for i, v := range [][]float32{{1, 0}, {0, 1}, {1, 1}} {
		if err := h.Add(itemID(i), v, nil); err != nil {
			t.Fatal(err)
		}
	}
	got := h.Search([]float32{1, 0.1}, 10, Cosine, Filter{})
	if len(got) != 3 || got[0].ID != itemID(0) {
		t.Errorf("tiny index: %v", got)
	}
	for i := range 3 {
		h.Remove(itemID(i))
	}
	if h.Len() != 0 || h.Dim() != 0 {
		t.Errorf("emptied index: Len %d Dim %d", h.Len(), h.Dim())
	}
	// An emptied index accepts a new dimension.
	if err := h.Add("x", []float32{1, 2, 3, 4}, nil); err != nil {
		t.Fatal(err)
	}
	if got := h.Search([]float32{1, 2, 3, 4}, 1, Cosine, Filter{}); len(got) != 1 || got[0].ID != "x" {
		t.Errorf("after re-dimensioning: %v", got)
	}
}

// reachable counts the live nodes reachable on layer 0 from the entry
// point, which is what a search can possibly return.
func reachable(h *HNSW) int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.topLevel < 0 {
		return 0
	}
	seen := map[uint32]bool{h.entry: true}
	stack := []uint32{h.entry}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		l := h.linksOf(i, 0)
		for _, x := range l[1 : 1+l[0]] {
			if !seen[x] {
				seen[x] = true
				stack = append(stack, x)
			}
		}
	}
	n := 0
	for i := range seen {
		if h.state[i] == nodeLive {
			n++
		}
	}
	return n
}

// TestHNSWChurn inserts, deletes and replaces items in rounds and checks,
// against an exact index kept in step, that the graph stays complete,
// navigable and accurate through tombstoning and repair.
func TestHNSWChurn(t *testing.T) {
	const dim = 32
	cfg := clustered.Default(dim, 40, 5)
	gen, err := clustered.New(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	qgen, _ := clustered.New(cfg, 2)
	queries := dataset{dim: dim, queries: qgen.Points(100)}
	h, err := NewHNSW(HNSWConfig{Seed: 2, BuildWorkers: 2})
	if err != nil {
		t.Fatal(err)
	}
	x := NewExact()
	rng := rand.New(rand.NewPCG(3, 4))
	live := map[string]bool{}
	next := 0
	add := func(n int) {
		var es []Entry
		for range n {
			v := gen.Points(1)
			es = append(es, Entry{ID: itemID(next), Vector: v})
			next++
		}
		if err := h.AddBatch(context.Background(), es); err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			if err := x.Add(e.ID, e.Vector, nil); err != nil {
				t.Fatal(err)
			}
			live[e.ID] = true
		}
	}
	add(3000)
	compactions := 0
	for round := range 6 {
		ids := make([]string, 0, len(live))
		for id := range live {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		del := ids[:len(ids)/4]
		before := h.Stats().Tombstones
		for _, id := range del {
			h.Remove(id)
			x.Remove(id)
			delete(live, id)
		}
		if h.Stats().Tombstones < before+len(del) {
			compactions++
		}
		// Replace a few items in place (same ID, new vector).
		for _, id := range ids[len(ids)/4 : len(ids)/4+50] {
			v := gen.Points(1)
			if err := h.Add(id, v, nil); err != nil {
				t.Fatal(err)
			}
			if err := x.Add(id, v, nil); err != nil {
				t.Fatal(err)
			}
		}
		add(600)
		if h.Len() != len(live) || x.Len() != len(live) {
			t.Fatalf("round %d: Len %d, exact %d, want %d", round, h.Len(), x.Len(), len(live))
		}
		for _, id := range del[:10] {
			if _, ok := h.Vector(id); ok {
				t.Fatalf("round %d: deleted %s still has a vector", round, id)
			}
		}
		for i := range 100 {
			for _, hit := range h.Search(queries.query(i), 10, Cosine, Filter{}) {
				if !live[hit.ID] {
					t.Fatalf("round %d: search returned removed item %s", round, hit.ID)
				}
			}
		}
		r := recall(queries, h, x, 10, Cosine, Filter{})
		st := h.Stats()
		t.Logf("round %d: live %d tombstones %d free %d recall %.4f", round, st.Live, st.Tombstones, st.Free, r)
		if r < 0.95 {
			t.Errorf("round %d: recall@10 %.4f, want ≥ 0.95", round, r)
		}
	}
	if compactions == 0 {
		t.Error("no repair ran during churn")
	}
	h.Compact()
	st := h.Stats()
	if st.Tombstones != 0 {
		t.Errorf("after Compact: %d tombstones", st.Tombstones)
	}
	if got := reachable(h); got != h.Len() {
		t.Errorf("after Compact: %d of %d live nodes reachable", got, h.Len())
	}
	if r := recall(queries, h, x, 10, Cosine, Filter{}); r < 0.95 {
		t.Errorf("after Compact: recall@10 %.4f", r)
	}
}

// TestHNSWDeleteMost deletes all but a few items, the case where whole
// neighbourhoods vanish and repair has to reconnect orphans.
func TestHNSWDeleteMost(t *testing.T) {
	d := makeDataset(t, 3000, 20, 16, 12, true)
	h, x := buildBoth(t, HNSWConfig{Seed: 3, MaxDeletedRatio: 0.5}, entries(d, nil))
	for i := range 3000 {
		if i%50 != 0 {
			h.Remove(itemID(i))
			x.Remove(itemID(i))
		}
	}
	h.Compact()
	if h.Len() != 60 {
		t.Fatalf("Len = %d, want 60", h.Len())
	}
	if got := reachable(h); got != 60 {
		t.Errorf("%d of 60 live nodes reachable", got)
	}
	for i := range 20 {
		got := h.Search(d.query(i), 60, Cosine, Filter{})
		if len(got) != 60 {
			t.Fatalf("query %d: %d hits, want all 60", i, len(got))
		}
	}
	if r := recall(d, h, x, 10, Cosine, Filter{}); r < 0.99 {
		t.Errorf("recall@10 %.4f on 60 items", r)
	}
}

// fmtSscan parses an itemID back to its number.
func fmtSscan(id string, i *int) (int, error) { return fmt.Sscanf(id, "item%d", i) }
