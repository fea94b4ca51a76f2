// Package recommend turns an evaluated interest profile into a ranked,
// explained list of catalogue items.
//
// Retrieval: for every query of the profile's View (one per long-term
// interest k, each already fused with the session: q_k = unit(α·ŝ +
// (1−α)·ĉ_k)) and for the seed's θ_dynamic itself, it fetches candidates
// from the index: the whole pool of K for θ_dynamic, each interest its
// share of K but never fewer than the list's length (Config.Candidates).
//
// Scoring: the final score of an item x is, by default ("mixture"), the
// seed's similarity to θ_dynamic = α·ŝ + (1−α)·Σ_k w_k·ĉ_k (w_k the
// interest's importance weight), minus β·strength·(n̂·x̂) for the user's
// rejections; an item that serves several of the user's interests, or the
// session and an interest, outranks one that matches a single old interest
// perfectly. The alternative "max" rule scores max_k rel_k(x) + τ·ln share_k
// with rel_k(x) = sim(q_k, x) − β·strength·(n̂·x̂), as multi-interest
// retrieval models do.
//
// Selection: with quotas on, slots go to interests in proportion to their
// share (importance fused with the session's affinity, see interest.View)
// by the Sainte-Laguë rule — the next slot goes to the interest with the
// largest share_k/(2·picked_k + 1) — so a user with three interests is not
// served only the loudest; the interest picks its best remaining candidate
// by maximal marginal relevance
//
//	mmr(x) = (1−λ)·rel_k(x) − λ·max_{y chosen} cos(x, y)
//
// with λ the diversity knob. With quotas off, each slot takes the best
// candidate by the final score under the same MMR rule. Quotas decide which
// items make the list; the list is then ordered by the final score, again
// with the MMR trade-off, so the best match comes first whichever interest
// it serves. Every result carries an explanation: the interest it serves,
// the past events it most resembles, and the scores behind its place.
package recommend

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/kernel"
)

// Config holds the recommender's parameters.
type Config struct {
	// NegativePenalty is β, the weight of the rejection signal.
	NegativePenalty float64 `toml:"negative_penalty" json:"negative_penalty"`
	// Candidates is K, the size of the candidate pool: the query for
	// θ_dynamic fetches max(K, 4n) items for a list of n, and each
	// interest's query max(n, ⌈K·share_k⌉), so that the pool grows with
	// the list, not with the number of interests (nine queries of K each
	// cost nine times the graph walks and scoring at 100k items, for
	// candidates the quotas would never reach). Default 40: on MovieLens
	// validation a pool of 40, 60 or 100 makes the same lists (NDCG@10
	// 0.0727 / 0.0726 / 0.0726, TestCollabAblation), and at 100k items the
	// smaller pool halves θ_dynamic's walk and the scoring (8-client p99
	// 28–30 ms before, 17–26 ms after over six runs, docs/benchmarks.md).
	Candidates int `toml:"candidates" json:"candidates"`
	// Ef bounds the candidate list of each graph walk a recommendation
	// makes (HNSW's efSearch; the index's own, -ann-ef, when that is
	// lower). Within the bound a walk keeps two candidates per item it
	// must return, so an interest with a small share walks a short list.
	// Walks start from the user's items and their results are re-scored
	// and merged, so at 100k items a bound of 48 agrees with exact search
	// as well as 96 for a quarter less time (BenchmarkRecommendHNSW100k;
	// see efPerCandidate for the agreement). Default 48; similar-item
	// search keeps the index's ef.
	Ef int `toml:"ef" json:"ef"`
	// Quotas allocates slots to interests by importance share.
	Quotas bool `toml:"quotas" json:"quotas"`
	// Temperature is τ, how much an interest's share lifts its items when
	// interests compete without quotas (and in full rankings).
	Temperature float64 `toml:"temperature" json:"temperature"`
	// Reasons is the number of past events an explanation cites.
	Reasons int `toml:"reasons" json:"reasons"`
	// Scoring is how an item's final score combines the interests:
	// "mixture" (default) scores against the seed's θ_dynamic, the α-fusion
	// of the session with the importance-weighted mean of the interests, so
	// an item that serves several interests beats one that serves one;
	// "max" takes the best interest, max_k rel_k(x) + τ·ln share_k.
	Scoring string `toml:"scoring" json:"scoring"`
	// PopularityWeight is γ in the final score's popularity prior
	// γ·log((pop(x)+1)/(pop_max+1)), pop the decayed recent interaction
	// count: with γ > 0, among items equally close to the user's
	// interests, those many people take now come first.
	PopularityWeight float64 `toml:"popularity_weight" json:"popularity_weight"`
}

// The scoring rules.
const (
	ScoringMixture = "mixture"
	ScoringMax     = "max"
)

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{NegativePenalty: 0.5, Candidates: 40, Ef: 48, Quotas: true, Temperature: 0.05, Reasons: 3, Scoring: ScoringMixture}
}

// Options are per-request choices.
type Options struct {
	N int
	// Categories restricts results to items in at least one of them.
	Categories []string
	// Diversity is λ ∈ [0, 1].
	Diversity float64
	// ExcludeSeen drops items the user has already interacted with.
	ExcludeSeen bool
	// Exclude drops further items.
	Exclude func(id string) bool
	Metric  index.Metric
	Explain bool
}

// Result is one recommended item.
type Result struct {
	ID          string       `json:"id"`
	Score       float64      `json:"score"`
	Explanation *Explanation `json:"explanation,omitempty"`
}

// Explanation says why an item was recommended.
type Explanation struct {
	// Source is "interest", "short_term" or "popular".
	Source   string        `json:"source"`
	Interest *InterestInfo `json:"interest,omitempty"`
	// Because lists the user's events the item most resembles, most
	// similar first.
	Because []Reason `json:"because,omitempty"`
	Scores  Scores   `json:"scores"`
}

// InterestInfo identifies the interest a result serves.
type InterestInfo struct {
	ID         uint32  `json:"id"`
	Label      string  `json:"label"`
	Share      float64 `json:"share"`
	Importance float64 `json:"importance"`
}

// Reason is a past event that an item resembles.
type Reason struct {
	Type       driftrec.EventType `json:"type"`
	Item       string             `json:"item,omitempty"`
	Text       string             `json:"text,omitempty"`
	Time       time.Time          `json:"ts"`
	Similarity float64            `json:"similarity"`
	// Current is true for events of the current session.
	Current bool `json:"current"`
	// Gloss is the English a Chinese text was embedded as, when the
	// encoder bridges languages.
	Gloss string `json:"gloss,omitempty"`
}

// Scores are the numbers behind a result's place.
type Scores struct {
	// Relevance is the item's final score (see Config.Scoring), rejection
	// penalty included.
	Relevance float64 `json:"relevance"`
	// Fused is the similarity to the interest's fused query
	// unit(α·ŝ + (1−α)·ĉ) (the metric's score).
	Fused float64 `json:"fused"`
	// LongTerm and ShortTerm are cosines with the interest's centroid and
	// with the short-term state (absent without a session).
	LongTerm  *float64 `json:"long_term,omitempty"`
	ShortTerm *float64 `json:"short_term,omitempty"`
	// Negative is the cosine with the rejection vector times its strength.
	Negative float64 `json:"negative"`
	Alpha    float64 `json:"alpha"`
	// Redundancy is the largest cosine with an item placed above it.
	Redundancy float64 `json:"redundancy"`
	Popularity float64 `json:"popularity,omitempty"`
}

// Catalog gives the recommender item texts for labels and explanations.
type Catalog interface {
	ItemText(id string) string
}

// EventVectors is implemented by catalogs that can look up the vector of a
// remembered event (its item's vector, its text's embedding, or both, as
// ingestion combined them): profiles keep no per-event vectors, and
// explanations need them to say which past events an item resembles.
type EventVectors interface {
	EventVector(ctx context.Context, ref *driftrec.EventRef) []float32
}

// Recommender ranks items for profiles. It is safe for concurrent use.
type Recommender struct {
	cfg     Config
	idx     index.Index
	catalog Catalog
	pop     *Popularity
	// arenas recycles the candidate-vector arenas of Recommend: at a
	// thousand dimensions a pool of a hundred candidates is 400 KB.
	arenas sync.Pool
}

// New returns a recommender over idx. pop may be nil (no cold-start
// fallback); catalog may be nil (labels then use event texts and IDs).
func New(cfg Config, idx index.Index, catalog Catalog, pop *Popularity) *Recommender {
	if cfg.Candidates <= 0 {
		cfg.Candidates = DefaultConfig().Candidates
	}
	if cfg.Reasons <= 0 {
		cfg.Reasons = DefaultConfig().Reasons
	}
	if cfg.Ef <= 0 {
		cfg.Ef = DefaultConfig().Ef
	}
	if cfg.Scoring == "" {
		cfg.Scoring = ScoringMixture
	}
	return &Recommender{cfg: cfg, idx: idx, catalog: catalog, pop: pop}
}

// Config returns the recommender's configuration.
func (r *Recommender) Config() Config { return r.cfg }

type candidate struct {
	id     string
	vec    []float32
	norm   float32   // ‖vec‖, computed once per candidate
	inv    float32   // 1/‖vec‖ (0 for a zero vector): cosines without a unit copy
	rel    []float64 // per query: fused similarity − rejection penalty
	fused  []float64 // per query: similarity to the fused query
	neg    float64
	global float64 // the final score (see Config.Scoring)
	prior  float64 // the popularity prior before its weight
	owner  int     // the interest the item serves best
	redund float64 // max cosine with chosen items
	chosen bool
}

func (o *Options) filter(p *driftrec.Profile) index.Filter {
	f := index.Filter{Categories: o.Categories}
	seen := p != nil && o.ExcludeSeen && len(p.Seen) > 0
	f.Exclude = o.Exclude
	if seen {
		f.ExcludeIDs = p.Seen
	}
	return f
}

// Recommend returns up to o.N items for the profile p evaluated as v. A nil
// profile or a view without queries falls back to popular items.
func (r *Recommender) Recommend(ctx context.Context, p *driftrec.Profile, v interest.View, o Options) ([]Result, error) {
	if o.N <= 0 {
		return nil, nil
	}
	if o.Diversity < 0 || o.Diversity > 1 || math.IsNaN(o.Diversity) {
		return nil, driftrec.FieldErrorf("diversity", "diversity must be between 0 and 1")
	}
	f := o.filter(p)
	if p == nil || len(v.Queries) == 0 {
		return r.popular(o, f), nil
	}
	k := max(r.cfg.Candidates, 4*o.N)
	pool := map[string]*candidate{}
	lists := make([][]*candidate, len(v.Queries))
	sc := r.newScoring(v, o.Metric)
	qs := make([]index.Query, 0, len(v.Queries)+1)
	for _, q := range v.Queries {
		kq := interestCandidates(k, o.N, q.Share, len(v.Queries))
		qs = append(qs, index.Query{Vector: q.Vector, K: kq, Near: walkHints(p, v, q.Interest), Ef: r.walkEf(kq), Coarse: true})
	}
	if sc.mixture && v.Dynamic != nil {
		qs = append(qs, index.Query{Vector: v.Dynamic, K: k, Near: walkHints(p, v, -1), Ef: r.walkEf(k), Coarse: true})
	}
	hits := r.search(qs, o, f)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("recommend: %w", err)
	}
	// Every hit list joins the pool, θ_dynamic's too: the best items by the
	// final score are then candidates even if no single interest finds them.
	arena := r.candidateVectors(hits, pool)
	defer r.arenas.Put(arena)
	for qi := range v.Queries {
		for _, h := range hits[qi] {
			if c := pool[h.ID]; c != nil { // nil: removed since the search
				lists[qi] = append(lists[qi], c)
			}
		}
	}
	if len(pool) == 0 {
		return nil, nil
	}
	inList := make([]map[*candidate]bool, len(lists))
	for qi := range lists {
		inList[qi] = make(map[*candidate]bool, len(lists[qi]))
		for _, c := range lists[qi] {
			inList[qi][c] = true
		}
	}
	for _, c := range pool {
		r.score(c, sc)
		if !inList[c.owner][c] {
			lists[c.owner] = append(lists[c.owner], c)
		}
	}
	for qi := range lists {
		sort.SliceStable(lists[qi], func(a, b int) bool { return lists[qi][a].rel[qi] > lists[qi][b].rel[qi] })
	}
	all := make([]*candidate, 0, len(pool))
	for _, c := range pool {
		all = append(all, c)
	}
	sort.Slice(all, func(a, b int) bool {
		if all[a].global != all[b].global {
			return all[a].global > all[b].global
		}
		return all[a].id < all[b].id
	})

	lambda := o.Diversity
	picked := make([]int, len(v.Queries))
	var chosen []*candidate
	for len(chosen) < o.N {
		var best *candidate
		owner := -1
		if r.cfg.Quotas {
			best, owner = r.nextByQuota(v, lists, picked, lambda)
		} else {
			bestVal := math.Inf(-1)
			for _, c := range all {
				if c.chosen {
					continue
				}
				if val := (1-lambda)*c.global - lambda*c.redund; val > bestVal {
					best, bestVal, owner = c, val, c.owner
				}
			}
		}
		if best == nil {
			break
		}
		best.chosen = true
		picked[owner]++
		chosen = append(chosen, best)
		if lambda > 0 {
			for _, c := range pool {
				if !c.chosen {
					c.redund = math.Max(c.redund, c.cosWith(best))
				}
			}
		}
	}
	// The quotas decide which items make the list; the order within it is
	// by relevance (with the same MMR trade-off), so the best match comes
	// first whichever interest it serves.
	out := make([]Result, 0, len(chosen))
	vecs := map[driftrec.EventRef]eventVector{}
	for _, c := range order(chosen, lambda) {
		res := Result{ID: c.id, Score: c.global}
		if o.Explain {
			res.Explanation = r.explain(ctx, p, v, c, c.owner, vecs)
		}
		out = append(out, res)
	}
	return out, nil
}

// order sorts chosen candidates greedily by (1−λ)·global − λ·redundancy
// with the items already placed, and records each item's redundancy for
// its explanation.
func order(chosen []*candidate, lambda float64) []*candidate {
	out := make([]*candidate, 0, len(chosen))
	left := slices.Clone(chosen)
	for _, c := range left {
		c.redund = 0
	}
	for len(left) > 0 {
		bi, bv := 0, math.Inf(-1)
		for i, c := range left {
			v := (1-lambda)*c.global - lambda*c.redund
			if v > bv || (v == bv && c.id < left[bi].id) {
				bi, bv = i, v
			}
		}
		c := left[bi]
		out = append(out, c)
		left = slices.Delete(left, bi, bi+1)
		for _, x := range left {
			x.redund = math.Max(x.redund, x.cosWith(c))
		}
	}
	return out
}

// interestCandidates is how many candidates the query of an interest with
// the given share fetches when the pool is k for a list of n (see
// Config.Candidates). A lone query, the short-term one of a user without
// interests, fetches the whole pool.
func interestCandidates(k, n int, share float64, queries int) int {
	if queries == 1 || math.IsNaN(share) {
		return k
	}
	return max(n, min(k, int(math.Ceil(float64(k)*share))))
}

// efPerCandidate is how long a walk's candidate list is per item it must
// return. An interest with a small share asks for few candidates, and a
// walk's cost grows with its list. At 100k items
// (BenchmarkRecommendHNSW100k, docs/ann.md), with a pool of 100, two per
// candidate agree with exact search as well as a fixed list of 48 (0.995
// of the items) and 1.5 does not (0.976); with the default pool of 40,
// where most interests ask for 10, two per candidate agree on 0.971 in
// 2.2 ms against 0.995 in 3.1 ms for a fixed 48 (a floor of 32: 0.986 in
// 2.6 ms). Latency won; the benchmark's items are one-hot topics plus
// noise, so items of one topic are near-ties and the agreement is a
// pessimistic one. A larger pool (Config.Candidates) lengthens the walks.
const efPerCandidate = 2

// walkEf is the candidate list of a graph walk that must return k items:
// efPerCandidate·k, at most Config.Ef (and the index never walks with
// fewer than k).
func (r *Recommender) walkEf(k int) int {
	return min(r.cfg.Ef, efPerCandidate*k)
}

// batchSearcher is implemented by indexes that answer several queries in
// one pass (index.Exact) or walk a graph from hinted items (index.Auto).
type batchSearcher interface {
	SearchBatch(qs []index.Query, m index.Metric, f index.Filter) [][]index.Hit
}

func (r *Recommender) search(qs []index.Query, o Options, f index.Filter) [][]index.Hit {
	if bs, ok := r.idx.(batchSearcher); ok {
		return bs.SearchBatch(qs, o.Metric, f)
	}
	out := make([][]index.Hit, len(qs))
	for i, q := range qs {
		out[i] = r.idx.Search(q.Vector, q.K, o.Metric, f)
	}
	return out
}

// walkHints names the items of the events that formed a query, where a
// graph walk for it can start (index.HNSW.SearchNear): the session's
// events, which every query fuses, and the exemplars of the interest
// (interest < 0: of every interest, for θ_dynamic). A walk from them starts
// close to the query instead of descending from the graph's entry point.
func walkHints(p *driftrec.Profile, v interest.View, interest int) []string {
	var near []string
	add := func(refs []driftrec.EventRef) {
		for _, ref := range refs {
			if ref.Item != "" && !slices.Contains(near, ref.Item) {
				near = append(near, ref.Item)
			}
		}
	}
	if interest >= 0 && interest < len(p.Interests) {
		add(p.Interests[interest].Exemplars)
		if v.Short != nil {
			add(p.Short.Events)
		}
		return near
	}
	if v.Short != nil {
		add(p.Short.Events)
	}
	for _, q := range v.Queries {
		if q.Interest >= 0 && q.Interest < len(p.Interests) {
			add(p.Interests[q.Interest].Exemplars)
		}
	}
	return near
}

// vectorCopier is an index that copies many vectors under one lock.
type vectorCopier interface {
	CopyVectors(ids []string, dst []float32, found []bool) bool
}

// candidateVectors adds a candidate to pool for every distinct hit the
// index still holds, their vectors in one arena from r.arenas, which it
// returns: the caller puts it back once the candidates are no longer used.
func (r *Recommender) candidateVectors(hits [][]index.Hit, pool map[string]*candidate) *[]float32 {
	var ids []string
	for _, list := range hits {
		for _, h := range list {
			if _, dup := pool[h.ID]; !dup {
				pool[h.ID] = nil
				ids = append(ids, h.ID)
			}
		}
	}
	dim := r.idx.Dim()
	arena, _ := r.arenas.Get().(*[]float32)
	if arena == nil {
		arena = new([]float32)
	}
	if cap(*arena) < len(ids)*dim {
		*arena = make([]float32, len(ids)*dim)
	}
	rows := (*arena)[:len(ids)*dim]
	found := make([]bool, len(ids))
	if vc, ok := r.idx.(vectorCopier); ok {
		vc.CopyVectors(ids, rows, found) // false leaves found all false
	} else {
		for i, id := range ids {
			var vec []float32
			vec, found[i] = r.idx.Vector(id)
			found[i] = found[i] && len(vec) == dim
			copy(rows[i*dim:(i+1)*dim], vec)
		}
	}
	for i, id := range ids {
		if !found[i] {
			delete(pool, id) // removed since the search
			continue
		}
		pool[id] = newCandidate(id, rows[i*dim:(i+1)*dim:(i+1)*dim])
	}
	return arena
}

// nextByQuota picks the interest owed the next slot and its best remaining
// candidate.
func (r *Recommender) nextByQuota(v interest.View, lists [][]*candidate, picked []int, lambda float64) (*candidate, int) {
	for {
		qi, bestPrio := -1, math.Inf(-1)
		for i, q := range v.Queries {
			if len(lists[i]) == 0 {
				continue
			}
			if prio := q.Share / float64(2*picked[i]+1); prio > bestPrio {
				qi, bestPrio = i, prio
			}
		}
		if qi < 0 {
			return nil, -1
		}
		var best *candidate
		bestVal := math.Inf(-1)
		live := lists[qi][:0]
		for _, c := range lists[qi] {
			if c.chosen {
				continue
			}
			live = append(live, c)
			if val := (1-lambda)*c.rel[qi] - lambda*c.redund; val > bestVal {
				best, bestVal = c, val
			}
		}
		lists[qi] = live
		if best != nil {
			return best, qi
		}
	}
}

// score fills a candidate's per-query relevance, its final score and the
// interest it serves best.
func (r *Recommender) score(c *candidate, sc *scoring) {
	v, m := sc.view, sc.metric
	c.rel = make([]float64, len(v.Queries))
	c.fused = make([]float64, len(v.Queries))
	if v.Negative != nil && len(v.Negative) == len(c.vec) {
		c.neg = v.NegativeStrength * c.cos(v.Negative)
	}
	penalty := r.cfg.NegativePenalty * c.neg
	xn := c.norm
	best := math.Inf(-1)
	c.owner = 0
	for i, q := range v.Queries {
		s := float64(m.Score(kernel.Dot(q.Vector, c.vec), sc.queryNorms[i], xn))
		c.fused[i] = s
		c.rel[i] = s - penalty
		var contrib float64
		if sc.mixture {
			// The interest the item is most like: the one an explanation
			// names. (Weighting by importance would credit every item to
			// the heaviest interest whenever the encoder finds unrelated
			// texts somewhat similar.)
			if q.Centroid != nil {
				contrib = c.cos(q.Centroid)
			} else {
				contrib = s
			}
		} else {
			contrib = c.rel[i] + r.cfg.Temperature*math.Log(math.Max(q.Share, 1e-9))
		}
		if contrib > best {
			best, c.owner = contrib, i
		}
	}
	if sc.mixture && v.Dynamic != nil && len(v.Dynamic) == len(c.vec) {
		c.global = float64(m.Score(kernel.Dot(v.Dynamic, c.vec), 1, xn)) - penalty
	} else {
		c.global = best
	}
	if r.cfg.PopularityWeight != 0 && r.pop != nil {
		c.prior = r.pop.Prior(c.id, sc.popMax)
		c.global += r.cfg.PopularityWeight * c.prior
	}
}

// scoring is what scoring candidates against one view needs, computed
// once per request rather than once per candidate.
type scoring struct {
	view       interest.View
	metric     index.Metric
	queryNorms []float32 // ‖view.Queries[i].Vector‖
	mixture    bool      // Config.Scoring is the mixture rule
	popMax     float64
}

func (r *Recommender) newScoring(v interest.View, m index.Metric) *scoring {
	sc := &scoring{view: v, metric: m, mixture: r.cfg.Scoring != ScoringMax, popMax: r.popMax()}
	sc.queryNorms = make([]float32, len(v.Queries))
	for i, q := range v.Queries {
		sc.queryNorms[i] = float32(math.Sqrt(float64(kernel.Dot(q.Vector, q.Vector))))
	}
	return sc
}

// popMax is the popularity of the most popular item, for the prior.
func (r *Recommender) popMax() float64 {
	if r.cfg.PopularityWeight == 0 || r.pop == nil {
		return 0
	}
	return r.pop.Max()
}

func (r *Recommender) popular(o Options, f index.Filter) []Result {
	if r.pop == nil {
		return nil
	}
	out := make([]Result, 0, o.N)
	r.pop.Top(func(id string, score float64) bool {
		if f.Excludes(id) {
			return true
		}
		if len(o.Categories) > 0 && !r.inCategories(id, o.Categories) {
			return true
		}
		if _, ok := r.idx.Vector(id); !ok {
			return true // interacted with but not in the catalogue
		}
		res := Result{ID: id, Score: score}
		if o.Explain {
			res.Explanation = &Explanation{Source: "popular", Scores: Scores{Relevance: score, Popularity: score}}
		}
		out = append(out, res)
		return len(out) < o.N
	})
	return out
}

func (r *Recommender) inCategories(id string, cats []string) bool {
	if cc, ok := r.catalog.(interface{ ItemCategories(string) []string }); ok {
		for _, c := range cc.ItemCategories(id) {
			if slices.Contains(cats, c) {
				return true
			}
		}
		return false
	}
	return true
}

func (r *Recommender) explain(ctx context.Context, p *driftrec.Profile, v interest.View, c *candidate, owner int, vecs map[driftrec.EventRef]eventVector) *Explanation {
	q := v.Queries[owner]
	e := &Explanation{Source: "interest", Scores: Scores{
		Relevance:  c.global,
		Fused:      c.fused[owner],
		Negative:   c.neg,
		Alpha:      v.Alpha,
		Redundancy: c.redund,
	}}
	if q.Centroid != nil {
		lt := c.cos(q.Centroid)
		e.Scores.LongTerm = &lt
	}
	if v.Short != nil && len(v.Short) == len(c.vec) {
		st := c.cos(v.Short)
		e.Scores.ShortTerm = &st
	}
	if r.pop != nil {
		e.Scores.Popularity = r.pop.Score(c.id)
	}
	var refs []driftrec.EventRef
	if q.Interest >= 0 {
		in := &p.Interests[q.Interest]
		e.Interest = &InterestInfo{ID: in.ID, Label: r.Label(in), Share: q.Share, Importance: q.Importance}
		refs = append(refs, in.Exemplars...)
	} else {
		e.Source = "short_term"
	}
	if v.Short != nil {
		refs = append(refs, p.Short.Events...)
	}
	inSession := func(ref *driftrec.EventRef) bool {
		if v.Short == nil {
			return false
		}
		for i := range p.Short.Events {
			s := &p.Short.Events[i]
			if s.Time.Equal(ref.Time) && s.Type == ref.Type && s.Item == ref.Item && s.Text == ref.Text {
				return true
			}
		}
		return false
	}
	type scored struct {
		ref     *driftrec.EventRef
		sim     float64
		current bool
	}
	var cands []scored
	ev, _ := r.catalog.(EventVectors)
	for i := range refs {
		ref := &refs[i]
		if ev == nil {
			break
		}
		vec, ok := vecs[*ref]
		if !ok {
			vec = newEventVector(ev.EventVector(ctx, ref))
			vecs[*ref] = vec
		}
		if len(vec.v) != len(c.vec) || vec.inv == 0 {
			continue // a zero vector resembles nothing
		}
		cands = append(cands, scored{ref, float64(kernel.Dot(vec.v, c.vec) * vec.inv * c.inv), inSession(ref)})
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].sim > cands[b].sim })
	seen := map[string]bool{}
	for _, s := range cands {
		key := string(s.ref.Type) + "\x00" + s.ref.Item + "\x00" + s.ref.Text
		if seen[key] {
			continue
		}
		seen[key] = true
		e.Because = append(e.Because, Reason{
			Type: s.ref.Type, Item: s.ref.Item, Text: r.refText(s.ref), Time: s.ref.Time,
			Similarity: s.sim, Current: s.current,
		})
		if len(e.Because) == r.cfg.Reasons {
			break
		}
	}
	return e
}

// Label names an interest by its best exemplar: the event's text, or the
// text of the item it refers to.
func (r *Recommender) Label(in *driftrec.Interest) string {
	best := -1
	for i, ex := range in.Exemplars {
		if best < 0 || ex.Weight > in.Exemplars[best].Weight {
			best = i
		}
	}
	if best < 0 {
		return fmt.Sprintf("interest %d", in.ID)
	}
	return r.refText(&in.Exemplars[best])
}

func (r *Recommender) refText(ref *driftrec.EventRef) string {
	if ref.Text != "" {
		return ref.Text
	}
	if r.catalog != nil && ref.Item != "" {
		if t := r.catalog.ItemText(ref.Item); t != "" {
			return t
		}
	}
	return ref.Item
}

func newCandidate(id string, vec []float32) *candidate {
	n := math.Sqrt(float64(kernel.Dot(vec, vec)))
	c := &candidate{id: id, vec: vec, norm: float32(n)}
	if n > 0 {
		c.inv = float32(1 / n)
	}
	return c
}

// cos is the cosine of the candidate with a unit vector u (0 when the
// lengths differ).
func (c *candidate) cos(u []float32) float64 {
	if len(u) != len(c.vec) {
		return 0
	}
	return float64(kernel.Dot(u, c.vec) * c.inv)
}

// cosWith is the cosine of two candidates.
func (c *candidate) cosWith(d *candidate) float64 {
	if len(c.vec) != len(d.vec) {
		return 0
	}
	return float64(kernel.Dot(c.vec, d.vec) * c.inv * d.inv)
}

// eventVector is a remembered event's vector with 1/‖v‖ (0 for a zero
// vector), so that explanations take cosines without a unit copy.
type eventVector struct {
	v   []float32
	inv float32
}

func newEventVector(v []float32) eventVector {
	ev := eventVector{v: v}
	if n := math.Sqrt(float64(kernel.Dot(v, v))); n > 0 {
		ev.inv = float32(1 / n)
	}
	return ev
}
