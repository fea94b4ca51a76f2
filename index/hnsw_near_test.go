package index

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

// nearIndex searches through SearchNear with hints chosen per query.
type nearIndex struct {
	*HNSW
	hints func(q []float32) []string
}

func (n nearIndex) Search(q []float32, k int, m Metric, f Filter) []Hit {
	return n.SearchNear(q, k, m, f, n.hints(q))
}

// TestSearchNear: a walk started from hinted items keeps the recall of a
// walk from the entry point, whether the hints lie near the query (what a
// user's own items are to their interest), far from it, or are absent.
func TestSearchNear(t *testing.T) {
	d := makeDataset(t, 8000, 200, 32, 11, true)
	h, x := buildBoth(t, HNSWConfig{Storage: Int8, EfSearch: 24, Seed: 4}, entries(d, nil))
	// The 20th to 22nd nearest items: close, but not the answer itself.
	nearby := func(q []float32) []string {
		hs := x.Search(q, 22, Cosine, Filter{})
		return []string{hs[19].ID, hs[20].ID, hs[21].ID}
	}
	// Items of another cluster: the walk must still find its way.
	far := func(q []float32) []string {
		hs := x.Search(q, x.Len(), Cosine, Filter{})
		return []string{hs[len(hs)-1].ID, hs[len(hs)-2].ID}
	}
	absent := func([]float32) []string { return []string{"no such item", "nor this"} }
	base := recall(d, h, x, 10, Cosine, Filter{})
	t.Logf("recall@10 from the entry point: %.4f", base)
	cases := []struct {
		name  string
		hints func([]float32) []string
		slack float64
	}{
		{"nearby", nearby, 0.01},
		{"far", far, 0.05},
		{"absent", absent, 0},
	}
	for _, tc := range cases {
		r := recall(d, nearIndex{h, tc.hints}, x, 10, Cosine, Filter{})
		t.Logf("recall@10 from %s hints: %.4f", tc.name, r)
		if r < base-tc.slack {
			t.Errorf("%s hints: recall@10 %.4f, from the entry point %.4f", tc.name, r, base)
		}
	}
	// Absent hints are no hints: the very same walk.
	for i := range 20 {
		if got, want := h.SearchNear(d.query(i), 10, Cosine, Filter{}, absent(nil)), h.Search(d.query(i), 10, Cosine, Filter{}); !slices.Equal(got, want) {
			t.Fatalf("query %d: absent hints changed the answer", i)
		}
	}
	// A hinted item is returned only if the filter admits it.
	q := d.query(0)
	top := x.Search(q, 1, Cosine, Filter{})[0].ID
	for _, hit := range h.SearchNear(q, 10, Cosine, Filter{ExcludeIDs: map[string]struct{}{top: {}}}, []string{top}) {
		if hit.ID == top {
			t.Fatalf("excluded hint %s returned", top)
		}
	}
}

// TestQueryEf: a query's Ef bounds its walk's candidate list, never widens
// it, and never below K.
func TestQueryEf(t *testing.T) {
	d := makeDataset(t, 3000, 20, 16, 12, true)
	h, _ := buildBoth(t, HNSWConfig{Storage: Int8, EfSearch: 64, Seed: 5}, entries(d, nil))
	walk := func(ef int) [][]Hit {
		h.SetSearchParams(ef, 0)
		defer h.SetSearchParams(64, 0)
		var out [][]Hit
		for i := range 20 {
			out = append(out, h.Search(d.query(i), 10, Cosine, Filter{}))
		}
		return out
	}
	batch := func(ef int) [][]Hit {
		qs := make([]Query, 20)
		for i := range qs {
			qs[i] = Query{Vector: d.query(i), K: 10, Ef: ef}
		}
		return h.SearchBatch(qs, Cosine, Filter{})
	}
	if reflect.DeepEqual(walk(10), walk(64)) {
		t.Fatal("fixture: ef 10 and 64 walk alike, so the test could not tell them apart")
	}
	for _, tc := range []struct {
		name       string
		ef, walked int
	}{
		{"lower", 10, 10},
		{"higher than the index's", 500, 64},
		{"below K", 3, 10},
		{"unset", 0, 64},
	} {
		if got, want := batch(tc.ef), walk(tc.walked); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Ef %d did not walk like ef %d", tc.name, tc.ef, tc.walked)
		}
	}
}

// TestQueryCoarse checks that a coarse query returns the walk's own best K:
// with float32 storage exactly the plain answer, with int8 the items that
// the compressed vectors rank first, scored within quantisation error of
// the exact score.
func TestQueryCoarse(t *testing.T) {
	d := makeDataset(t, 3000, 20, 16, 12, true)
	for _, tc := range []struct {
		storage Storage
		tol     float64
	}{
		{Float32, 0},
		{Int8, 0.02},
	} {
		t.Run(tc.storage.String(), func(t *testing.T) {
			h, _ := buildBoth(t, HNSWConfig{Storage: tc.storage, EfSearch: 32, Seed: 5}, entries(d, nil))
			var fine, coarse []Query
			for i := range 20 {
				// K equals ef, so both read the same walk's whole list.
				fine = append(fine, Query{Vector: d.query(i), K: 32})
				coarse = append(coarse, Query{Vector: d.query(i), K: 32, Coarse: true})
			}
			want, got := h.SearchBatch(fine, Cosine, Filter{}), h.SearchBatch(coarse, Cosine, Filter{})
			differ := false
			for i := range want {
				if len(got[i]) != len(want[i]) {
					t.Fatalf("query %d: %d coarse hits, %d plain", i, len(got[i]), len(want[i]))
				}
				exact := map[string]float32{}
				for _, hit := range want[i] {
					exact[hit.ID] = hit.Score
				}
				for j, hit := range got[i] {
					s, ok := exact[hit.ID]
					if !ok {
						t.Fatalf("query %d: coarse hit %s is not in the plain answer", i, hit.ID)
					}
					if diff := math.Abs(float64(hit.Score - s)); diff > tc.tol {
						t.Errorf("query %d: %s scored %g coarse, %g exact", i, hit.ID, hit.Score, s)
					}
					if j > 0 && hit.Score > got[i][j-1].Score {
						t.Errorf("query %d: coarse hits out of order at %d", i, j)
					}
					differ = differ || hit != want[i][j]
				}
			}
			if tc.storage == Int8 && !differ {
				t.Error("int8 coarse hits equal the re-scored ones: the re-scoring was not skipped")
			}
		})
	}
}
