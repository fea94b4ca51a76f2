package index

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// TestSearchBatchMatchesSearch checks that a batch answers each query
// exactly as its own Search would, with a different k per query, on the
// exact index and on Auto both before and after it switches to HNSW, and
// that excluded items (by predicate or by ID set) never come back.
func TestSearchBatchMatchesSearch(t *testing.T) {
	d := makeDataset(t, 600, 8, 16, 7, true)
	x := NewExact()
	below, err := NewAuto(Config{AutoThreshold: 10000})
	if err != nil {
		t.Fatal(err)
	}
	above, err := NewAuto(Config{AutoThreshold: 100, HNSW: HNSWConfig{Seed: 3}})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 600 {
		cats := []string{[]string{"p", "q"}[i%2]}
		for _, ix := range []Index{x, below, above} {
			if err := ix.Add(itemID(i), d.item(i), cats); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := above.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if above.Kind() != "hnsw" {
		t.Fatalf("above the threshold: %s", above.Kind())
	}
	qs := [][]float32{d.query(0), d.query(1), d.query(2), d.query(3)}
	// The ID set holds query 0's three best items, so it must change that
	// query's answer.
	top := x.Search(qs[0], 3, Cosine, Filter{})
	bestIDs := map[string]struct{}{"absent": {}}
	for _, h := range top {
		bestIDs[h.ID] = struct{}{}
	}
	filters := []struct {
		name string
		f    Filter
	}{
		{"none", Filter{}},
		{"category", Filter{Categories: []string{"q"}}},
		{"exclude", Filter{Exclude: func(id string) bool { return id == itemID(3) || id == itemID(4) }}},
		{"exclude ids", Filter{ExcludeIDs: bestIDs}},
		{"both", Filter{Exclude: func(id string) bool { return id == itemID(3) }, ExcludeIDs: map[string]struct{}{itemID(6): {}}}},
	}
	type batcher interface {
		Index
		SearchBatch(qs []Query, m Metric, f Filter) [][]Hit
	}
	for _, tc := range []struct {
		name string
		ix   batcher
	}{{"exact", x}, {"auto/exact", below}, {"auto/hnsw", above}} {
		for _, fc := range filters {
			for _, ks := range [][]int{{10, 10, 10, 10}, {0, 1, 25, 700}, {3, 0, 0, 50}} {
				batch := make([]Query, len(qs))
				for i := range qs {
					batch[i] = Query{Vector: qs[i], K: ks[i]}
				}
				got := tc.ix.SearchBatch(batch, Cosine, fc.f)
				if len(got) != len(qs) {
					t.Fatalf("%s/%s %v: %d lists for %d queries", tc.name, fc.name, ks, len(got), len(qs))
				}
				for i, q := range qs {
					for _, h := range got[i] {
						if fc.f.Excludes(h.ID) {
							t.Errorf("%s/%s: excluded %s returned", tc.name, fc.name, h.ID)
						}
					}
					want := tc.ix.Search(q, ks[i], Cosine, fc.f)
					if len(want) == 0 && len(got[i]) == 0 {
						continue
					}
					if !reflect.DeepEqual(got[i], want) {
						t.Errorf("%s/%s k=%d: batch %v, search %v", tc.name, fc.name, ks[i], ids(got[i]), ids(want))
					}
				}
			}
		}
		if got := tc.ix.SearchBatch([]Query{{Vector: qs[0][:3], K: 5}}, Cosine, Filter{}); len(got) != 1 || got[0] != nil {
			t.Errorf("%s: a query of the wrong dimension answered %v", tc.name, got)
		}
	}
}

func ids(hs []Hit) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.ID
	}
	return out
}
