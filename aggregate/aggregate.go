// Package aggregate publishes statistics about many users with
// differential privacy: the data leaves users' profiles only as noisy
// aggregates whose privacy loss is bounded and accounted (package dp).
//
// Three releases exist, each computed at most once per budget window and
// then served from a cache (kept in the store's meta, so a restart does
// not pay again), so that asking again — with any parameters — neither
// spends budget nor averages the noise away:
//
//   - popular: how many users interacted positively (positive weight in
//     the interest model: views, clicks, purchases, good ratings, ...) with
//     each catalogue item in the last window. Each user adds at most 1 per
//     item and counts for at most MaxItemsPerUser items (their most recent
//     ones), so one user changes the counts by at most MaxItemsPerUser in
//     L1: Laplace noise of scale MaxItemsPerUser/ε on every item of the
//     catalogue, zeros included (the catalogue is the public domain of the
//     release; an item with no users must look like one with a few).
//   - interests: where the current interests of the users active in the
//     window lie, by catalogue category. Each interest counts for its
//     share of the user's importance (the shares sum to 1) and goes to the
//     categories of the catalogue item nearest its centroid, so a user adds
//     a vector of L1 (hence L2) norm at most 1: Gaussian noise calibrated
//     to (ε, δ) with sensitivity 1 on every category. "trend" is the
//     change against the previous window's release (post-processing of two
//     paid releases: free).
//   - profiles: one noisy vector per active user — θ_history, the
//     importance-weighted mean of their interest centroids (unit length,
//     so replacing a user's data moves it by at most 2 in L2) — with
//     Gaussian noise for (ε, δ) and sensitivity 2, in random order and
//     without user IDs. Each vector alone is (ε, δ)-DP for its user, which
//     at useful ε leaves it mostly noise: the export serves analytics over
//     many users (means, clusters), not a look at anyone.
//
// Outputs are rounded (counts to integers, masses to 1/1000) and noisy
// counts below zero are shown as zero: post-processing, which costs no
// privacy.
package aggregate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dp"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/index"
)

// Config sets the privacy parameters of each release.
type Config struct {
	Budget dp.Budget `json:"budget"`
	// Popular: ε of the Laplace mechanism and the clipping bound.
	PopularEpsilon  float64 `json:"popular_epsilon"`
	MaxItemsPerUser int     `json:"max_items_per_user"`
	// Interests: (ε, δ) of the Gaussian mechanism.
	InterestsEpsilon float64 `json:"interests_epsilon"`
	InterestsDelta   float64 `json:"interests_delta"`
	// Profiles: (ε, δ) of the Gaussian mechanism per user vector.
	ProfilesEpsilon float64 `json:"profiles_epsilon"`
	ProfilesDelta   float64 `json:"profiles_delta"`
	// MaxItems bounds the items a popular release keeps (the best by noisy
	// count), so a release of a large catalogue stays small.
	MaxItems int `json:"max_items"`
}

// DefaultConfig spends ε = 1 per release within the default budget of
// ε = 3, δ = 10⁻⁵ a day.
func DefaultConfig() Config {
	return Config{
		Budget:           dp.DefaultBudget(),
		PopularEpsilon:   1,
		MaxItemsPerUser:  10,
		InterestsEpsilon: 1,
		InterestsDelta:   1e-6,
		ProfilesEpsilon:  1,
		ProfilesDelta:    1e-6,
		MaxItems:         1000,
	}
}

// Release is the common part of every release.
type Release struct {
	Kind string `json:"release"`
	// The budget window the release belongs to, and the data it covers.
	WindowStart time.Time    `json:"window_start"`
	WindowEnd   time.Time    `json:"window_end"`
	DataFrom    time.Time    `json:"data_from"`
	DataTo      time.Time    `json:"data_to"`
	Mechanism   dp.Mechanism `json:"privacy"`
	// Clipping says how each user's contribution is bounded.
	Clipping string    `json:"clipping"`
	Created  time.Time `json:"created"`
}

// ItemCount is a noisy count of users.
type ItemCount struct {
	Item  string `json:"item"`
	Users int64  `json:"users"`
}

// PopularRelease is the popular items release.
type PopularRelease struct {
	Release
	Items []ItemCount `json:"items"`
}

// CategoryMass is a noisy interest mass.
type CategoryMass struct {
	Category string   `json:"category"`
	Mass     float64  `json:"mass"`
	Trend    *float64 `json:"trend,omitempty"`
}

// InterestsRelease is the release of interests by category.
type InterestsRelease struct {
	Release
	Categories []CategoryMass `json:"categories"`
}

// ProfilesRelease is the export of noisy profile vectors.
type ProfilesRelease struct {
	Release
	Encoder string      `json:"encoder"`
	Vectors [][]float32 `json:"vectors"`
}

// uncategorised is the category of items that have none.
const uncategorised = "(none)"

// Releaser computes and caches releases for one engine.
type Releaser struct {
	eng   *engine.Engine
	cfg   Config
	acc   *dp.Accountant
	clock func() time.Time
	rand  func() *mrand.Rand

	mu sync.Mutex // one release at a time
}

// Option customises New.
type Option func(*Releaser)

// WithClock sets the clock (tests).
func WithClock(now func() time.Time) Option { return func(r *Releaser) { r.clock = now } }

// WithRand sets the noise source of every release (tests).
func WithRand(fn func() *mrand.Rand) Option { return func(r *Releaser) { r.rand = fn } }

// New returns a releaser that accounts in the engine's store.
func New(eng *engine.Engine, cfg Config, opts ...Option) (*Releaser, error) {
	if cfg.MaxItemsPerUser < 1 {
		return nil, errors.New("aggregate: MaxItemsPerUser must be at least 1")
	}
	if cfg.MaxItems < 1 {
		cfg.MaxItems = DefaultConfig().MaxItems
	}
	acc, err := dp.NewAccountant(eng.Store(), cfg.Budget)
	if err != nil {
		return nil, err
	}
	r := &Releaser{eng: eng, cfg: cfg, acc: acc, clock: time.Now, rand: dp.NewRand}
	for _, o := range opts {
		o(r)
	}
	// Check the mechanisms now, so a bad configuration fails at start.
	for _, f := range []func() (dp.Mechanism, error){r.popularMechanism, r.interestsMechanism, r.profilesMechanism} {
		if _, err := f(); err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
	}
	return r, nil
}

// Accountant returns the budget's accountant.
func (r *Releaser) Accountant() *dp.Accountant { return r.acc }

func (r *Releaser) popularMechanism() (dp.Mechanism, error) {
	return dp.NewLaplace(float64(r.cfg.MaxItemsPerUser), r.cfg.PopularEpsilon)
}

func (r *Releaser) interestsMechanism() (dp.Mechanism, error) {
	return dp.NewGaussian(1, r.cfg.InterestsEpsilon, r.cfg.InterestsDelta)
}

func (r *Releaser) profilesMechanism() (dp.Mechanism, error) {
	return dp.NewGaussian(2, r.cfg.ProfilesEpsilon, r.cfg.ProfilesDelta)
}

func metaKey(kind string, windowStart time.Time) string {
	return "dp/release/" + kind + "/" + windowStart.UTC().Format(time.RFC3339)
}

// cached loads a stored release into v; false when there is none.
func (r *Releaser) cached(ctx context.Context, kind string, windowStart time.Time, v any) (bool, error) {
	b, err := r.eng.Store().Meta(ctx, metaKey(kind, windowStart))
	switch {
	case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("aggregate: read release: %w", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("aggregate: stored %s release is unreadable: %w", kind, err)
	}
	return true, nil
}

// publish charges the budget for a computed release and stores it. The
// charge comes after the computation (which reads data but discloses
// nothing) and before anything is returned.
func (r *Releaser) publish(ctx context.Context, kind string, rel *Release, v any) error {
	if _, err := r.acc.Charge(ctx, kind, rel.Mechanism, rel.Created); err != nil {
		return err
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	// The previous window's release stays for the trend; older ones go.
	if err := r.eng.Store().PutMeta(ctx, metaKey(kind, rel.WindowStart), b); err != nil {
		return fmt.Errorf("aggregate: store release: %w", err)
	}
	return nil
}

// base fills the common fields for a release made now.
func (r *Releaser) base(kind string, m dp.Mechanism, clipping string) Release {
	now := r.clock().UTC()
	start, end := r.acc.Window(now)
	return Release{Kind: kind, WindowStart: start, WindowEnd: end, DataFrom: now.Add(-r.cfg.Budget.Window), DataTo: now,
		Mechanism: m, Clipping: clipping, Created: now}
}

// catalogue lists the items' categories.
func (r *Releaser) catalogue(ctx context.Context) (map[string][]string, error) {
	cats := map[string][]string{}
	err := r.eng.Store().ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
		cats[it.ID] = it.Categories
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("aggregate: scan catalogue: %w", err)
	}
	return cats, nil
}

// users lists the stored users.
func (r *Releaser) users(ctx context.Context) ([]string, error) {
	var users []string
	if err := r.eng.Store().ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return nil, fmt.Errorf("aggregate: scan users: %w", err)
	}
	return users, nil
}

// Popular returns the window's popular items release, computing it (and
// spending its budget) on the first call of the window.
func (r *Releaser) Popular(ctx context.Context) (*PopularRelease, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := r.popularMechanism()
	if err != nil {
		return nil, err
	}
	rel := &PopularRelease{Release: r.base("popular", m,
		fmt.Sprintf("each user counts once per item and for at most %d items (their most recent)", r.cfg.MaxItemsPerUser))}
	if ok, err := r.cached(ctx, rel.Kind, rel.WindowStart, rel); ok || err != nil {
		return rel, err
	}
	counts, err := r.popularCounts(ctx, rel.DataFrom, rel.DataTo)
	if err != nil {
		return nil, err
	}
	rel.Items = noisyTop(counts, m, r.rand(), r.cfg.MaxItems)
	if err := r.publish(ctx, rel.Kind, &rel.Release, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

// popularCounts counts, per catalogue item, the users with a positive
// event on it in [from, to), each user clipped to MaxItemsPerUser items.
func (r *Releaser) popularCounts(ctx context.Context, from, to time.Time) (map[string]float64, error) {
	cats, err := r.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]float64, len(cats))
	for id := range cats {
		counts[id] = 0
	}
	users, err := r.users(ctx)
	if err != nil {
		return nil, err
	}
	model := r.eng.Model()
	for _, u := range users {
		evs, err := r.eng.UserEvents(ctx, u, 0)
		if err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		taken := map[string]bool{}
		for i := len(evs) - 1; i >= 0 && len(taken) < r.cfg.MaxItemsPerUser; i-- { // most recent first
			e := &evs[i]
			if e.Item == "" || e.Time.Before(from) || !e.Time.Before(to) || taken[e.Item] {
				continue
			}
			if _, ok := cats[e.Item]; !ok || model.Weight(e) <= 0 {
				continue
			}
			taken[e.Item] = true
			counts[e.Item]++
		}
	}
	return counts, nil
}

// noisyTop adds noise to every count and keeps the max best, rounded and
// clamped at zero.
func noisyTop(counts map[string]float64, m dp.Mechanism, rng *mrand.Rand, max int) []ItemCount {
	ids := make([]string, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.Sort(ids) // noise in a fixed order: reproducible with a seeded source
	noisy := make([]float64, len(ids))
	for i, id := range ids {
		noisy[i] = counts[id] + m.Noise(rng)
	}
	order := make([]int, len(ids))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return noisy[order[a]] > noisy[order[b]] })
	if len(order) > max {
		order = order[:max]
	}
	out := make([]ItemCount, len(order))
	for k, i := range order {
		out[k] = ItemCount{Item: ids[i], Users: int64(math.Max(0, math.Round(noisy[i])))}
	}
	return out
}

// Interests returns the window's interests-by-category release.
func (r *Releaser) Interests(ctx context.Context) (*InterestsRelease, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := r.interestsMechanism()
	if err != nil {
		return nil, err
	}
	rel := &InterestsRelease{Release: r.base("interests", m,
		"each active user's interests count for their shares of the user's importance, which sum to 1")}
	if ok, err := r.cached(ctx, rel.Kind, rel.WindowStart, rel); ok || err != nil {
		return rel, err
	}
	mass, err := r.interestMass(ctx, rel.DataFrom, rel.DataTo)
	if err != nil {
		return nil, err
	}
	rel.Categories = noisyMasses(mass, m, r.rand())
	var prev InterestsRelease
	if ok, err := r.cached(ctx, rel.Kind, rel.WindowStart.Add(-r.cfg.Budget.Window), &prev); err == nil && ok {
		before := map[string]float64{}
		for _, c := range prev.Categories {
			before[c.Category] = c.Mass
		}
		for i := range rel.Categories {
			if b, ok := before[rel.Categories[i].Category]; ok {
				d := math.Round((rel.Categories[i].Mass-b)*1000) / 1000
				rel.Categories[i].Trend = &d
			}
		}
	}
	sort.SliceStable(rel.Categories, func(a, b int) bool { return rel.Categories[a].Mass > rel.Categories[b].Mass })
	if err := r.publish(ctx, rel.Kind, &rel.Release, rel); err != nil {
		return nil, err
	}
	return rel, nil
}

// noisyMasses adds noise to every category's mass, rounded to 1/1000
// and clamped at zero, in category order.
func noisyMasses(mass map[string]float64, m dp.Mechanism, rng *mrand.Rand) []CategoryMass {
	cats := make([]string, 0, len(mass))
	for c := range mass {
		cats = append(cats, c)
	}
	slices.Sort(cats) // noise in a fixed order: reproducible with a seeded source
	out := make([]CategoryMass, len(cats))
	for i, c := range cats {
		out[i] = CategoryMass{Category: c, Mass: math.Max(0, math.Round((mass[c]+m.Noise(rng))*1000)/1000)}
	}
	return out
}

// interestMass sums, per category, the importance shares of the
// interests of users whose profile changed in [from, to).
func (r *Releaser) interestMass(ctx context.Context, from, to time.Time) (map[string]float64, error) {
	cats, err := r.catalogue(ctx)
	if err != nil {
		return nil, err
	}
	mass := map[string]float64{uncategorised: 0}
	for _, cs := range cats {
		for _, c := range cs {
			mass[c] = 0
		}
	}
	users, err := r.users(ctx)
	if err != nil {
		return nil, err
	}
	idx := r.eng.Index()
	for _, u := range users {
		p, err := r.eng.Profile(ctx, u)
		if driftrec.ErrorCode(err) == driftrec.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		if p.Updated.Before(from) || !p.Updated.Before(to) {
			continue
		}
		view := r.eng.Model().View(p, to, 0)
		for _, q := range view.Queries {
			if q.Interest < 0 || q.Centroid == nil || !(q.Weight > 0) {
				continue
			}
			hits := idx.Search(q.Centroid, 1, index.Cosine, index.Filter{})
			if len(hits) == 0 {
				continue
			}
			cs := cats[hits[0].ID]
			if len(cs) == 0 {
				mass[uncategorised] += q.Weight
				continue
			}
			for _, c := range cs {
				if _, ok := mass[c]; ok {
					mass[c] += q.Weight / float64(len(cs))
				}
			}
		}
	}
	return mass, nil
}

// Profiles returns the window's export of noisy profile vectors.
func (r *Releaser) Profiles(ctx context.Context) (*ProfilesRelease, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	m, err := r.profilesMechanism()
	if err != nil {
		return nil, err
	}
	rel := &ProfilesRelease{Release: r.base("profiles", m,
		"each vector is the user's unit-length θ_history (replacing a user's data moves it by at most 2)"),
		Encoder: r.eng.Encoder().ID()}
	if ok, err := r.cached(ctx, rel.Kind, rel.WindowStart, rel); ok || err != nil {
		return rel, err
	}
	users, err := r.users(ctx)
	if err != nil {
		return nil, err
	}
	rng := r.rand()
	for _, u := range users {
		p, err := r.eng.Profile(ctx, u)
		if driftrec.ErrorCode(err) == driftrec.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("aggregate: %w", err)
		}
		if p.Updated.Before(rel.DataFrom) || !p.Updated.Before(rel.DataTo) {
			continue
		}
		h := r.eng.Model().View(p, rel.DataTo, 0).History
		if h == nil {
			continue
		}
		v := make([]float64, len(h))
		for i, x := range h {
			v[i] = float64(x)
		}
		dp.ClipL2(v, 1)
		m.AddNoise(rng, v)
		out := make([]float32, len(v))
		for i, x := range v {
			out[i] = float32(math.Round(x*1000) / 1000)
		}
		rel.Vectors = append(rel.Vectors, out)
	}
	rng.Shuffle(len(rel.Vectors), func(i, j int) { rel.Vectors[i], rel.Vectors[j] = rel.Vectors[j], rel.Vectors[i] })
	if err := r.publish(ctx, rel.Kind, &rel.Release, rel); err != nil {
		return nil, err
	}
	return rel, nil
}
