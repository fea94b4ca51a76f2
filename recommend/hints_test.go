package recommend_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/recommend"
)

// recordingHNSW records the queries of each batch it answers.
type recordingHNSW struct {
	*index.HNSW
	batches [][]index.Query
}

func (r *recordingHNSW) SearchBatch(qs []index.Query, m index.Metric, f index.Filter) [][]index.Hit {
	r.batches = append(r.batches, qs)
	return r.HNSW.SearchBatch(qs, m, f)
}

// TestWalkHints: each interest's graph walk starts from the items of its
// exemplars and the session, θ_dynamic's from the session and every
// exemplar; every walk is coarse with a list sized to its K; and the list
// agrees with walks from the entry point and with an exact scan.
func TestWalkHints(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	h, err := index.NewHNSW(index.HNSWConfig{Storage: index.Int8, EfSearch: 24, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	x := index.NewExact()
	vecs := map[string][]float32{}
	var es []index.Entry
	for i := range 6000 {
		id := fmt.Sprintf("t%d-%d", i%12, i)
		vecs[id] = topicVec(rng, i%12, 0.3)
		es = append(es, index.Entry{ID: id, Vector: vecs[id]})
		if err := x.Add(id, vecs[id], nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := h.AddBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	m, err := interest.New(interest.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	p := interest.NewProfile("u", "test")
	at := t0
	for i := range 60 {
		at = at.Add(10 * time.Minute)
		id := es[rng.IntN(len(es))].ID
		if i >= 50 { // the current session: topic 3
			id = fmt.Sprintf("t3-%d", 3+12*i)
		}
		m.Apply(p, &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: id, Time: at, Session: fmt.Sprint(i / 10)}, vecs[id])
	}
	v := m.View(p, at, -1)
	if len(v.Queries) < 2 || v.Short == nil {
		t.Fatalf("fixture: %d interests, session %v", len(v.Queries), v.Short != nil)
	}
	rec := &recordingHNSW{HNSW: h}
	o := recommend.Options{N: 10, ExcludeSeen: true}
	hinted, err := recommend.New(recommend.DefaultConfig(), rec, nil, nil).Recommend(context.Background(), p, v, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.batches) != 1 || len(rec.batches[0]) != len(v.Queries)+1 {
		t.Fatalf("searched %d batches; want one of %d queries", len(rec.batches), len(v.Queries)+1)
	}
	session := p.Short.Events[len(p.Short.Events)-1].Item
	cfg := recommend.DefaultConfig()
	for qi, q := range rec.batches[0] {
		// The recommender re-scores candidates itself, and a walk's list
		// is two per candidate within the configured bound.
		if !q.Coarse {
			t.Errorf("query %d is not coarse", qi)
		}
		if want := min(cfg.Ef, 2*q.K); q.Ef != want {
			t.Errorf("query %d: K %d walks a list of %d, want %d", qi, q.K, q.Ef, want)
		}
		if !slices.Contains(q.Near, session) {
			t.Errorf("query %d: hints %v lack the session's item %s", qi, q.Near, session)
		}
		if qi == len(v.Queries) {
			continue // θ_dynamic
		}
		for _, ex := range p.Interests[v.Queries[qi].Interest].Exemplars {
			if ex.Item != "" && !slices.Contains(q.Near, ex.Item) {
				t.Errorf("interest query %d: hints %v lack exemplar %s", qi, q.Near, ex.Item)
			}
		}
	}
	plain, err := recommend.New(recommend.DefaultConfig(), walks{HNSW: h, coarse: true}, nil, nil).Recommend(context.Background(), p, v, o)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := recommend.New(recommend.DefaultConfig(), x, nil, nil).Recommend(context.Background(), p, v, o)
	if err != nil {
		t.Fatal(err)
	}
	overlap := func(a, b []recommend.Result) int {
		n := 0
		for _, r := range a {
			if slices.ContainsFunc(b, func(s recommend.Result) bool { return s.ID == r.ID }) {
				n++
			}
		}
		return n
	}
	t.Logf("of %d exact recommendations: %d from hinted walks, %d from the entry point", len(exact), overlap(hinted, exact), overlap(plain, exact))
	if len(hinted) != o.N || overlap(hinted, exact) < overlap(plain, exact)-1 {
		t.Errorf("hinted walks: %d items, %d in the exact list; walks from the entry point: %d", len(hinted), overlap(hinted, exact), overlap(plain, exact))
	}
}
