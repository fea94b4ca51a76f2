package index

import (
	"context"
	"fmt"
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

func TestHNSWRecallProbe(t *testing.T) {
	d := makeDataset(t, 5000, 200, 64, 7, true)
	h, x := buildBoth(t, HNSWConfig{Seed: 1}, entries(d, nil))
	for _, m := range []Metric{Cosine, Dot, Euclidean} {
		t.Logf("%v recall@10 = %.4f", m, recall(d, h, x, 10, m, Filter{}))
	}
}
