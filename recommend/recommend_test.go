package recommend_test

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/recommend"
)

const dim = 16

var t0 = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)

// topicVec returns a unit vector near axis `topic`, jittered.
func topicVec(rng *rand.Rand, topic int, jitter float64) []float32 {
	v := make([]float32, dim)
	v[topic] = 1
	for i := range v {
		v[i] += float32(rng.NormFloat64() * jitter)
	}
	var n float64
	for _, x := range v {
		n += float64(x * x)
	}
	for i := range v {
		v[i] /= float32(math.Sqrt(n))
	}
	return v
}

type fixture struct {
	idx   *index.Exact
	model *interest.Model
	vecs  map[string][]float32
}

// newFixture indexes 20 items per topic for topics 0..3, named "t<topic>-<i>".
func newFixture(t *testing.T) *fixture {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	f := &fixture{idx: index.NewExact(), vecs: map[string][]float32{}}
	for topic := 0; topic < 4; topic++ {
		for i := 0; i < 20; i++ {
			id := fmt.Sprintf("t%d-%02d", topic, i)
			v := topicVec(rng, topic, 0.15)
			f.vecs[id] = v
			if err := f.idx.Add(id, v, []string{fmt.Sprintf("cat%d", topic)}); err != nil {
				t.Fatal(err)
			}
		}
	}
	cfg := interest.DefaultConfig()
	cfg.JoinSimilarity = 0.6
	m, err := interest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.model = m
	return f
}

// profile applies n events per topic in the given proportions, old enough
// that no session is current.
func (f *fixture) profile(counts map[int]int) *driftrec.Profile {
	rng := rand.New(rand.NewPCG(3, 4))
	p := interest.NewProfile("u", "test")
	at := t0
	for topic, n := range counts {
		for i := 0; i < n; i++ {
			at = at.Add(time.Hour)
			e := &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: fmt.Sprintf("x%d-%d", topic, i), Time: at, Session: fmt.Sprint(at)}
			f.model.Apply(p, e, topicVec(rng, topic, 0.1))
		}
	}
	return p
}

func (f *fixture) rec(cfg recommend.Config) *recommend.Recommender {
	return recommend.New(cfg, f.idx, nil, nil)
}

func topics(res []recommend.Result) map[string]int {
	out := map[string]int{}
	for _, r := range res {
		out[r.ID[:2]]++
	}
	return out
}

func TestQuotasShareTheList(t *testing.T) {
	f := newFixture(t)
	p := f.profile(map[int]int{0: 14, 1: 6})
	v := f.model.View(p, p.Updated.Add(24*time.Hour), 0.5)
	cfg := recommend.DefaultConfig()
	res, err := f.rec(cfg).Recommend(context.Background(), p, v, recommend.Options{N: 10})
	if err != nil {
		t.Fatal(err)
	}
	got := topics(res)
	if got["t0"] < 6 || got["t1"] < 2 || got["t0"]+got["t1"] != 10 {
		t.Fatalf("quotas should give both interests slots in proportion: %v", got)
	}
	cfg.Quotas = false
	cfg.Scoring = recommend.ScoringMax
	cfg.Temperature = 1
	res, _ = f.rec(cfg).Recommend(context.Background(), p, v, recommend.Options{N: 10})
	if got := topics(res); got["t0"] != 10 {
		t.Fatalf("without quotas and a strong importance prior the loudest interest takes all: %v", got)
	}
}

func TestDiversityLowersRedundancy(t *testing.T) {
	f := newFixture(t)
	p := f.profile(map[int]int{0: 10, 2: 10})
	v := f.model.View(p, p.Updated, 0)
	r := f.rec(recommend.DefaultConfig())
	meanSim := func(res []recommend.Result) float64 {
		var s float64
		var n int
		for i := range res {
			for j := i + 1; j < len(res); j++ {
				a, b := f.vecs[res[i].ID], f.vecs[res[j].ID]
				var d float64
				for k := range a {
					d += float64(a[k] * b[k])
				}
				s += d
				n++
			}
		}
		return s / float64(n)
	}
	plain, _ := r.Recommend(context.Background(), p, v, recommend.Options{N: 8})
	diverse, _ := r.Recommend(context.Background(), p, v, recommend.Options{N: 8, Diversity: 0.9, Explain: true})
	if meanSim(diverse) >= meanSim(plain) {
		t.Fatalf("diversity 0.9 should lower mean pairwise similarity: %.3f vs %.3f", meanSim(diverse), meanSim(plain))
	}
	if _, err := r.Recommend(context.Background(), p, v, recommend.Options{N: 8, Diversity: 2}); driftrec.ErrorCode(err) != driftrec.EINVALID {
		t.Fatalf("diversity 2 must be rejected: %v", err)
	}
}

func TestFiltersAndExclusion(t *testing.T) {
	f := newFixture(t)
	p := f.profile(map[int]int{0: 5})
	p.Seen["t0-00"] = struct{}{}
	p.Seen["t0-01"] = struct{}{}
	v := f.model.View(p, p.Updated, -1)
	r := f.rec(recommend.DefaultConfig())
	res, _ := r.Recommend(context.Background(), p, v, recommend.Options{N: 30, ExcludeSeen: true})
	for _, x := range res {
		if x.ID == "t0-00" || x.ID == "t0-01" {
			t.Fatalf("seen item %s recommended", x.ID)
		}
	}
	res, _ = r.Recommend(context.Background(), p, v, recommend.Options{N: 5, Categories: []string{"cat3"}})
	if len(res) != 5 {
		t.Fatalf("a category filter must still fill the list: %d", len(res))
	}
	for _, x := range res {
		if !strings.HasPrefix(x.ID, "t3") {
			t.Fatalf("item %s outside category cat3", x.ID)
		}
	}
}

func TestNegativeFeedbackPushesAway(t *testing.T) {
	f := newFixture(t)
	p := f.profile(map[int]int{0: 6, 1: 6})
	r := f.rec(recommend.DefaultConfig())
	before, _ := r.Recommend(context.Background(), p, f.model.View(p, p.Updated, 0), recommend.Options{N: 10})
	rng := rand.New(rand.NewPCG(9, 9))
	at := p.Updated
	for i := 0; i < 4; i++ {
		at = at.Add(time.Minute)
		f.model.Apply(p, &driftrec.Event{User: "u", Type: driftrec.EventDislike, Item: fmt.Sprintf("d%d", i), Time: at}, topicVec(rng, 1, 0.1))
	}
	after, _ := r.Recommend(context.Background(), p, f.model.View(p, at, 0), recommend.Options{N: 10, Explain: true})
	if topics(after)["t1"] >= topics(before)["t1"] {
		t.Fatalf("dislikes of topic 1 should shrink its part of the list: before %v after %v", topics(before), topics(after))
	}
	for _, x := range after {
		if strings.HasPrefix(x.ID, "t1") && x.Explanation.Scores.Negative <= 0 {
			t.Fatalf("explanation lacks the rejection score: %+v", x.Explanation.Scores)
		}
	}
}

func TestMetrics(t *testing.T) {
	idx := index.NewExact()
	idx.Add("long", []float32{3, 0}, nil)    // far along the query, large norm
	idx.Add("close", []float32{1, 0.1}, nil) // nearly parallel, unit-ish
	idx.Add("exact", []float32{0.8, 0.6}, nil)
	q := []float32{0.8, 0.6}
	if h := idx.Search(q, 1, index.Dot, index.Filter{}); h[0].ID != "long" {
		t.Fatalf("dot should favour the long vector: %v", h)
	}
	if h := idx.Search(q, 1, index.Cosine, index.Filter{}); h[0].ID != "exact" {
		t.Fatalf("cosine: %v", h)
	}
	if h := idx.Search(q, 3, index.Euclidean, index.Filter{}); h[0].ID != "exact" || h[2].ID != "long" || h[0].Score != 0 {
		t.Fatalf("euclidean: %v", h)
	}
}

func TestRankMatchesRecommend(t *testing.T) {
	f := newFixture(t)
	p := f.profile(map[int]int{0: 8, 1: 4})
	v := f.model.View(p, p.Updated, -1)
	r := f.rec(recommend.DefaultConfig())
	o := recommend.Options{N: 10, ExcludeSeen: true}
	top, _ := r.Recommend(context.Background(), p, v, o)
	for i, x := range top {
		rk, err := r.Rank(context.Background(), p, v, o, x.ID)
		if err != nil || rk.Rank != float64(i+1) || rk.Candidates != 80 {
			t.Fatalf("item %s at %d ranked %v (%d candidates), %v", x.ID, i+1, rk.Rank, rk.Candidates, err)
		}
	}
	// An item outside the list ranks after it; a far topic ranks last.
	rk, _ := r.Rank(context.Background(), p, v, o, "t3-05")
	if rk.Rank <= 10 || rk.Rank > 80 {
		t.Fatalf("outside item rank %v", rk.Rank)
	}
	var worst float64
	for i := 0; i < 20; i++ {
		rr, _ := r.Rank(context.Background(), p, v, o, fmt.Sprintf("t3-%02d", i))
		worst = math.Max(worst, rr.Rank)
	}
	if worst < 61 {
		t.Fatalf("topic 3 should fill the bottom of the ranking, worst rank %v", worst)
	}
}

func TestColdStartPopularity(t *testing.T) {
	f := newFixture(t)
	pop := recommend.NewPopularity(0)
	pop.Add("t2-03", 5, t0)
	pop.Add("t1-07", 2, t0)
	pop.Add("not-in-catalogue", 9, t0)
	r := recommend.New(recommend.DefaultConfig(), f.idx, nil, pop)
	res, _ := r.Recommend(context.Background(), nil, interest.View{}, recommend.Options{N: 3, Explain: true})
	if len(res) != 2 || res[0].ID != "t2-03" || res[0].Explanation.Source != "popular" {
		t.Fatalf("cold start: %+v", res)
	}
}

func BenchmarkRecommend10k(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	idx := index.NewExact()
	const d = 512
	for i := 0; i < 10000; i++ {
		v := make([]float32, d)
		v[i%32] = 1
		for k := range v {
			v[k] += float32(rng.NormFloat64() * 0.05)
		}
		idx.Add(fmt.Sprint(i), v, nil)
	}
	m, _ := interest.New(interest.DefaultConfig())
	p := interest.NewProfile("u", "bench")
	at := t0
	for i := 0; i < 200; i++ {
		at = at.Add(time.Minute)
		v := make([]float32, d)
		v[(i*7)%32] = 1
		for k := range v {
			v[k] += float32(rng.NormFloat64() * 0.05)
		}
		m.Apply(p, &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: fmt.Sprint(i), Time: at, Session: "s"}, v)
	}
	r := recommend.New(recommend.DefaultConfig(), idx, nil, nil)
	v := m.View(p, at, -1)
	b.ReportMetric(float64(len(v.Queries)), "interests")
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Recommend(context.Background(), p, v, recommend.Options{N: 10, ExcludeSeen: true, Explain: true}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPopularityPrior(t *testing.T) {
	idx := index.NewExact()
	idx.Add("quiet", []float32{1, 0.005}, nil) // a hair closer
	idx.Add("popular", []float32{1, -0.02}, nil)
	idx.Add("far", []float32{0, 1}, nil)
	pop := recommend.NewPopularity(0)
	pop.Add("popular", 50, t0)
	pop.Add("quiet", 1, t0)
	m, _ := interest.New(interest.DefaultConfig())
	p := interest.NewProfile("u", "test")
	m.Apply(p, &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: "x", Time: t0}, []float32{1, 0})
	v := m.View(p, t0, 0)
	for _, tc := range []struct {
		gamma float64
		first string
	}{{0, "quiet"}, {0.1, "popular"}} {
		cfg := recommend.DefaultConfig()
		cfg.PopularityWeight = tc.gamma
		r := recommend.New(cfg, idx, nil, pop)
		res, err := r.Recommend(context.Background(), p, v, recommend.Options{N: 2})
		if err != nil || res[0].ID != tc.first {
			t.Fatalf("γ=%v: %+v %v", tc.gamma, res, err)
		}
		rk, _ := r.Rank(context.Background(), p, v, recommend.Options{N: 1}, "far")
		if rk.Rank != 3 {
			t.Fatalf("γ=%v: far ranked %v", tc.gamma, rk.Rank)
		}
	}
}

// walks answers the recommender's queries on an HNSW graph with parts of
// index.Query switched off, the baselines of BenchmarkRecommendHNSW100k:
// without hints every walk starts from the graph's entry point, and
// without coarse the index re-scores its hits with the float32 originals.
type walks struct {
	*index.HNSW
	hints, coarse bool
}

func (w walks) SearchBatch(qs []index.Query, m index.Metric, f index.Filter) [][]index.Hit {
	changed := make([]index.Query, len(qs))
	for i, q := range qs {
		changed[i] = q
		if !w.hints {
			changed[i].Near = nil
		}
		changed[i].Coarse = q.Coarse && w.coarse
	}
	return w.HNSW.SearchBatch(changed, m, f)
}

// BenchmarkRecommendHNSW100k is the load benchmark's recommendation
// (docs/benchmarks.md) without HTTP: 100,000 clustered 1,024-d items in
// HNSW, a user with 8 interests and a session, 10 explained results, for
// each vector storage and a few efSearch values, with and without walks
// from the user's items and the index's re-scoring. Each graph takes
// about a minute to build on 2 cores; run it by hand.
func BenchmarkRecommendHNSW100k(b *testing.B) {
	const (
		n      = 100000
		d      = 1024
		topics = 256
	)
	rng := rand.New(rand.NewPCG(7, 8))
	vec := func(topic int) []float32 {
		v := make([]float32, d)
		v[topic%d] = 1
		for k := range v {
			v[k] += float32(rng.NormFloat64() * 0.03)
		}
		return v
	}
	entries := make([]index.Entry, n)
	for i := range entries {
		entries[i] = index.Entry{ID: fmt.Sprint(i), Vector: vec(rng.IntN(topics))}
	}
	m, _ := interest.New(interest.DefaultConfig())
	p := interest.NewProfile("u", "bench")
	at := t0
	for i := 0; i < 200; i++ {
		at = at.Add(time.Minute)
		id := rng.IntN(n)
		m.Apply(p, &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: fmt.Sprint(id), Time: at, Session: "s"}, entries[id].Vector)
	}
	v := m.View(p, at, -1)
	// Agreement with exact search is measured on coherent users too: 20
	// profiles of 60 clicks on 4 topics each.
	type user struct {
		p *driftrec.Profile
		v interest.View
	}
	users := []user{{p, v}}
	for u := range 20 {
		pu := interest.NewProfile(fmt.Sprint("c", u), "bench")
		mine := []int{rng.IntN(topics), rng.IntN(topics), rng.IntN(topics), rng.IntN(topics)}
		at := t0
		for range 60 {
			at = at.Add(time.Minute)
			id := rng.IntN(n)
			for int(entries[id].Vector[mine[0]]) != 1 && int(entries[id].Vector[mine[1]]) != 1 && int(entries[id].Vector[mine[2]]) != 1 && int(entries[id].Vector[mine[3]]) != 1 {
				id = rng.IntN(n)
			}
			m.Apply(pu, &driftrec.Event{User: pu.User, Type: driftrec.EventClick, Item: fmt.Sprint(id), Time: at, Session: "s"}, entries[id].Vector)
		}
		users = append(users, user{pu, m.View(pu, at, -1)})
	}
	opts := recommend.Options{N: 10, ExcludeSeen: true, Explain: true}
	x := index.NewExact()
	for _, e := range entries {
		if err := x.Add(e.ID, e.Vector, nil); err != nil {
			b.Fatal(err)
		}
	}
	exact := make([]map[string]bool, len(users))
	for i, u := range users {
		res, err := recommend.New(recommend.DefaultConfig(), x, nil, nil).Recommend(context.Background(), u.p, u.v, opts)
		if err != nil {
			b.Fatal(err)
		}
		exact[i] = map[string]bool{}
		for _, r := range res {
			exact[i][r.ID] = true
		}
	}
	x = nil
	// agreement is the share of the exact index's recommendations that r
	// also makes, over all users.
	agreement := func(b *testing.B, r *recommend.Recommender) float64 {
		same, total := 0, 0
		for i, u := range users {
			res, err := r.Recommend(context.Background(), u.p, u.v, opts)
			if err != nil {
				b.Fatal(err)
			}
			for _, r := range res {
				if exact[i][r.ID] {
					same++
				}
			}
			total += len(exact[i])
		}
		return float64(same) / float64(total)
	}
	for _, st := range []index.Storage{index.Float32, index.Int8, index.Int4} {
		b.Run(fmt.Sprintf("storage=%v", st), func(b *testing.B) {
			h, err := index.NewHNSW(index.HNSWConfig{Storage: st})
			if err != nil {
				b.Fatal(err)
			}
			if err := h.AddBatch(context.Background(), entries); err != nil {
				b.Fatal(err)
			}
			for _, hints := range []bool{false, true} {
				for _, ef := range []int{96, 48, 24} {
					for _, coarse := range []bool{false, true} {
						cfg := recommend.DefaultConfig()
						cfg.Ef = 1 << 20 // the index's ef, set per sub-benchmark
						r := recommend.New(cfg, walks{h, hints, coarse}, nil, nil)
						b.Run(fmt.Sprintf("ef=%d/hints=%v/coarse=%v", ef, hints, coarse), func(b *testing.B) {
							h.SetSearchParams(ef, 0)
							b.ReportMetric(float64(len(v.Queries)), "interests")
							for b.Loop() {
								if _, err := r.Recommend(context.Background(), p, v, opts); err != nil {
									b.Fatal(err)
								}
							}
							b.ReportMetric(agreement(b, r), "agree@10")
						})
					}
				}
			}
		})
	}
}
