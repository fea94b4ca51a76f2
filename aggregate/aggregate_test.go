package aggregate

import (
	"context"
	"errors"
	"fmt"
	"math"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dp"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/inmem"
)

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// world is an engine with a catalogue of 20 items in 4 categories and
// users whose clicks are known.
func world(t *testing.T, users int) *engine.Engine {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig(),
		engine.WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	topics := []string{"shoes", "coffee", "bread", "tents"}
	var items []driftrec.Item
	for i := range 20 {
		c := topics[i%4]
		items = append(items, driftrec.Item{ID: fmt.Sprintf("i%02d", i), Text: fmt.Sprintf("%s model %d", c, i), Categories: []string{c}})
	}
	if _, err := eng.UpsertItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	var evs []driftrec.Event
	for u := range users {
		user := fmt.Sprintf("u%03d", u)
		// Every user clicks i00 and i01; every other user also i02.
		for k, it := range []string{"i00", "i01", "i02"} {
			if it == "i02" && u%2 == 1 {
				continue
			}
			evs = append(evs, driftrec.Event{User: user, Type: driftrec.EventClick, Item: it, Time: t0.Add(-time.Hour + time.Duration(k)*time.Minute)})
		}
	}
	// A heavy user touches every item, twice, and dislikes one.
	for k := range 40 {
		evs = append(evs, driftrec.Event{User: "heavy", Type: driftrec.EventPurchase, Item: fmt.Sprintf("i%02d", k%20), Time: t0.Add(-2*time.Hour + time.Duration(k)*time.Second)})
	}
	evs = append(evs, driftrec.Event{User: "heavy", Type: driftrec.EventDislike, Item: "i19", Time: t0.Add(-time.Minute)})
	// An old event is outside the window.
	evs = append(evs, driftrec.Event{User: "old", Type: driftrec.EventClick, Item: "i05", Time: t0.Add(-48 * time.Hour)})
	if _, err := eng.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	return eng
}

// TestPopularClipping checks the exact counts behind the release: one
// count per user and item, at most MaxItemsPerUser items per user (their
// most recent), positive events only, and only inside the window.
func TestPopularClipping(t *testing.T) {
	eng := world(t, 10)
	cfg := DefaultConfig()
	cfg.MaxItemsPerUser = 3
	r, err := New(eng, cfg, WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	counts, err := r.popularCounts(context.Background(), t0.Add(-24*time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	// heavy's three most recent positive items: its last purchases are
	// i19 (k=39), i18, i17 (the dislike of i19 is not positive, and the
	// purchase of i19 still counts once).
	want := map[string]float64{"i00": 10, "i01": 10, "i02": 5, "i17": 1, "i18": 1, "i19": 1}
	for id, c := range counts {
		if c != want[id] {
			t.Errorf("count of %s = %v, want %v", id, c, want[id])
		}
	}
	if len(counts) != 20 {
		t.Errorf("%d items in the domain, want the whole catalogue (20)", len(counts))
	}
}

// TestPopularNoiseScale checks that the released counts carry noise of
// the documented Laplace scale MaxItemsPerUser/ε: it takes the exact counts
// of a release and publishes them 300 times through the release's output
// step with fresh noise, and compares the error's variance with 2b² (plus
// 1/12 for the rounding) within six standard errors.
func TestPopularNoiseScale(t *testing.T) {
	eng := world(t, 200)
	cfg := DefaultConfig()
	cfg.MaxItemsPerUser, cfg.PopularEpsilon = 4, 2 // b = 2
	r, err := New(eng, cfg, WithClock(func() time.Time { return t0 }), WithRand(func() *mrand.Rand { return dp.SeededRand(7) }))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := r.Popular(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rel.Mechanism
	if m.Name != "laplace" || m.Scale != 2 || m.Epsilon != 2 || m.Sensitivity != 4 {
		t.Fatalf("mechanism %+v, want Laplace with b = 4/2", m)
	}
	exact, err := r.popularCounts(context.Background(), rel.DataFrom, rel.DataTo)
	if err != nil {
		t.Fatal(err)
	}
	var errs []float64
	for seed := range uint64(300) {
		for _, it := range noisyTop(exact, m, dp.SeededRand(1000+seed), 1000) {
			if exact[it.Item] >= 100 { // far from the clamp at zero
				errs = append(errs, float64(it.Users)-exact[it.Item])
			}
		}
	}
	if len(errs) != 900 {
		t.Fatalf("%d counts above 100, want 3 items × 300", len(errs))
	}
	var mean, v float64
	for _, e := range errs {
		mean += e
	}
	mean /= float64(len(errs))
	for _, e := range errs {
		v += (e - mean) * (e - mean)
	}
	v /= float64(len(errs) - 1)
	want := 2*2.0*2.0 + 1.0/12
	se := 8 * math.Sqrt(5.0/float64(len(errs))) // Var(s²) ≈ (κ−1)σ⁴/n, κ = 6 for Laplace
	if math.Abs(v-want) > 6*se || math.Abs(mean) > 6*math.Sqrt(want/float64(len(errs))) {
		t.Fatalf("noise of %d counts: mean %.3f, variance %.3f, want 0 and %.3f ± %.3f", len(errs), mean, v, want, 6*se)
	}
}

func TestBudgetAndCache(t *testing.T) {
	eng := world(t, 20)
	ctx := context.Background()
	now := t0
	cfg := DefaultConfig()
	cfg.Budget = dp.Budget{Epsilon: 2, Delta: 1e-5, Window: 24 * time.Hour}
	r, err := New(eng, cfg, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.Popular(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Popular(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Items) != fmt.Sprint(b.Items) {
		t.Fatal("a second request in the window got a new release")
	}
	in, err := r.Interests(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Categories) != 5 || in.Mechanism.Name != "gaussian" {
		t.Fatalf("interests release: %+v", in)
	}
	// ε = 2 is spent; a third kind of release must wait for the next window.
	if _, err := r.Profiles(ctx); !errors.Is(err, dp.ErrBudgetExhausted) {
		t.Fatalf("profiles over budget: %v", err)
	}
	l, _ := r.Accountant().Ledger(ctx, now)
	if eps, _ := l.Spent(); eps != 2 || len(l.Charges) != 2 {
		t.Fatalf("ledger %+v", l)
	}
	// A new releaser (a restart) serves the cached releases without paying.
	r2, _ := New(eng, cfg, WithClock(func() time.Time { return now }))
	c, err := r2.Popular(ctx)
	if err != nil || fmt.Sprint(c.Items) != fmt.Sprint(a.Items) {
		t.Fatalf("after a restart: %v %v", c, err)
	}
	now = now.Add(24 * time.Hour)
	p, err := r2.Profiles(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Nobody was active in the new window's data range.
	if len(p.Vectors) != 0 {
		t.Fatalf("%d vectors from inactive users", len(p.Vectors))
	}
}

// TestInterestsSensitivity checks that each active user adds at most 1 to
// the category masses, whatever their interests.
func TestInterestsSensitivity(t *testing.T) {
	eng := world(t, 10)
	r, err := New(eng, DefaultConfig(), WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	mass, err := r.interestMass(context.Background(), t0.Add(-24*time.Hour), t0)
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, m := range mass {
		total += m
	}
	// 11 users active in the window (10 and heavy), each adding exactly 1.
	if math.Abs(total-11) > 1e-9 {
		t.Fatalf("total mass %v, want 11 (one per active user): %v", total, mass)
	}
}

// TestInterestsNoiseScale checks the Gaussian noise of the interests
// release the same way: σ from the analytic calibration for sensitivity 1,
// and an error variance of σ² across 2000 fresh publications.
func TestInterestsNoiseScale(t *testing.T) {
	eng := world(t, 50)
	r, err := New(eng, DefaultConfig(), WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := r.Interests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	m := rel.Mechanism
	want, _ := dp.GaussianSigma(1, 1, 1e-6)
	if m.Name != "gaussian" || m.Scale != want || m.Sensitivity != 1 || m.Delta != 1e-6 {
		t.Fatalf("mechanism %+v, want Gaussian σ=%v", m, want)
	}
	// The exact masses, shifted far from zero so that the clamp never acts.
	mass, err := r.interestMass(context.Background(), rel.DataFrom, rel.DataTo)
	if err != nil {
		t.Fatal(err)
	}
	for c := range mass {
		mass[c] += 1000
	}
	var errs []float64
	for seed := range uint64(2000) {
		for _, cm := range noisyMasses(mass, m, dp.SeededRand(seed)) {
			errs = append(errs, cm.Mass-mass[cm.Category])
		}
	}
	var mean, v float64
	for _, e := range errs {
		mean += e
	}
	mean /= float64(len(errs))
	for _, e := range errs {
		v += (e - mean) * (e - mean)
	}
	v /= float64(len(errs) - 1)
	sigma2 := m.Scale * m.Scale
	se := sigma2 * math.Sqrt(2/float64(len(errs)))
	if math.Abs(v-sigma2) > 6*se || math.Abs(mean) > 6*math.Sqrt(sigma2/float64(len(errs))) {
		t.Fatalf("noise: mean %.4f variance %.4f, want 0 and %.4f ± %.4f", mean, v, sigma2, 6*se)
	}
}
