package interest

import (
	"math"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// axis returns the unit vector along dimension i of an 8-d space, rotated
// slightly towards j so that vectors of one "topic" are similar but not
// identical.
func axis(i int, tilt float32, j int) []float32 {
	v := make([]float32, 8)
	v[i] = 1
	v[j] += tilt
	return v
}

var t0 = time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)

func ev(typ driftrec.EventType, at time.Duration, session string) *driftrec.Event {
	return &driftrec.Event{User: "u", Type: typ, Item: "x", Time: t0.Add(at), Session: session}
}

func newModel(t *testing.T, mod func(*Config)) *Model {
	t.Helper()
	cfg := DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	m, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWeights(t *testing.T) {
	m := newModel(t, nil)
	val := func(v float64) *float64 { return &v }
	tests := []struct {
		e    driftrec.Event
		want float64
	}{
		{driftrec.Event{Type: driftrec.EventPurchase}, 3},
		{driftrec.Event{Type: driftrec.EventDislike}, -2},
		{driftrec.Event{Type: driftrec.EventSkip}, -0.5},
		{driftrec.Event{Type: driftrec.EventRating, Value: val(5)}, 1.75},
		{driftrec.Event{Type: driftrec.EventRating, Value: val(3)}, 0.25},
		{driftrec.Event{Type: driftrec.EventRating, Value: val(1)}, -1.75},
		{driftrec.Event{Type: driftrec.EventRating}, 0},
	}
	for _, tc := range tests {
		if got := m.Weight(&tc.e); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Weight(%s %v) = %v, want %v", tc.e.Type, tc.e.Value, got, tc.want)
		}
	}
}

func TestClustersSeparateTopics(t *testing.T) {
	m := newModel(t, nil)
	p := NewProfile("u", "test")
	for i := 0; i < 5; i++ {
		m.Apply(p, ev(driftrec.EventClick, time.Duration(i)*time.Hour, "s1"), axis(0, 0.1*float32(i), 1))
		m.Apply(p, ev(driftrec.EventClick, time.Duration(i)*time.Hour+time.Minute, "s1"), axis(2, 0.1*float32(i), 3))
		m.Apply(p, ev(driftrec.EventClick, time.Duration(i)*time.Hour+2*time.Minute, "s1"), axis(4, 0.1*float32(i), 5))
	}
	if len(p.Interests) != 3 {
		t.Fatalf("want 3 interests for 3 topics, got %d", len(p.Interests))
	}
	for _, in := range p.Interests {
		if in.Count != 5 {
			t.Errorf("interest %d has %d events, want 5", in.ID, in.Count)
		}
		if len(in.Exemplars) == 0 || len(in.Exemplars) > 3 {
			t.Errorf("interest %d has %d exemplars", in.ID, len(in.Exemplars))
		}
	}
	if p.Events != 15 || len(p.Recent) != 15 {
		t.Fatalf("events %d recent %d", p.Events, len(p.Recent))
	}
}

func TestMaxInterestsMergesClosest(t *testing.T) {
	m := newModel(t, func(c *Config) { c.MaxInterests = 2; c.JoinSimilarity = 0.99; c.EvictShare = 0 })
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventClick, 0, ""), axis(0, 0, 1))
	m.Apply(p, ev(driftrec.EventClick, time.Minute, ""), axis(0, 0.5, 1)) // near topic 0
	m.Apply(p, ev(driftrec.EventClick, 2*time.Minute, ""), axis(4, 0, 5))
	if len(p.Interests) != 2 {
		t.Fatalf("got %d interests, want 2", len(p.Interests))
	}
	var counts []int
	for _, in := range p.Interests {
		counts = append(counts, in.Count)
	}
	if !(counts[0] == 2 && counts[1] == 1) {
		t.Fatalf("the two near events should have merged: counts %v", counts)
	}
}

func TestImportanceDecays(t *testing.T) {
	m := newModel(t, func(c *Config) { c.HalfLife = Duration(24 * time.Hour) })
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventClick, 0, ""), axis(0, 0, 1))
	v := m.View(p, t0.Add(48*time.Hour), -1)
	if got := v.Queries[0].Importance; math.Abs(got-0.25) > 1e-9 {
		t.Fatalf("importance after two half-lives = %v, want 0.25", got)
	}
}

func TestShortTermResetsOnNewSession(t *testing.T) {
	m := newModel(t, nil)
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventClick, 0, "a"), axis(0, 0, 1))
	m.Apply(p, ev(driftrec.EventClick, time.Minute, "b"), axis(2, 0, 1))
	if len(p.Short.Events) != 1 || p.Short.Session != "b" {
		t.Fatalf("short-term should hold only session b: %+v", p.Short.Events)
	}
	if cosine(p.Short.Sum, axis(2, 0, 1)) < 0.999 {
		t.Fatal("short-term vector should point at session b's event")
	}
	// After the session gap the view has no short-term state and α is 0.
	v := m.View(p, t0.Add(2*time.Hour), 0.5)
	if v.Short != nil || v.Alpha != 0 {
		t.Fatalf("expired session still used: alpha %v", v.Alpha)
	}
}

func TestFusionFollowsSeed(t *testing.T) {
	m := newModel(t, nil)
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventQuery, 0, "old"), axis(0, 0, 1))
	m.Apply(p, ev(driftrec.EventQuery, time.Hour, "now"), axis(2, 0, 1))
	v := m.View(p, t0.Add(time.Hour), 0.2)
	// The query of the old interest is unit(0.2·ŝ + 0.8·ĉ_old).
	var old *Query
	for i := range v.Queries {
		if cosine(v.Queries[i].Centroid, axis(0, 0, 1)) > 0.999 {
			old = &v.Queries[i]
		}
	}
	if old == nil {
		t.Fatal("no query for the old interest")
	}
	want := make([]float32, 8)
	want[0], want[2] = 0.8, 0.2
	if c := cosine(old.Vector, want); c < 0.9999 {
		t.Fatalf("fused query off the seed's formula: cos %v", c)
	}
}

func TestNegativeFeedback(t *testing.T) {
	m := newModel(t, nil)
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventClick, 0, ""), axis(0, 0, 1))
	before := p.Interests[0].Importance
	m.Apply(p, ev(driftrec.EventDislike, time.Second, ""), axis(0, 0.2, 1))
	if len(p.Interests) != 1 {
		t.Fatal("a dislike must not create an interest")
	}
	if p.Interests[0].Importance >= before {
		t.Fatal("a dislike similar to an interest must lower its importance")
	}
	v := m.View(p, t0.Add(time.Second), -1)
	if v.Negative == nil || v.NegativeStrength <= 0 {
		t.Fatal("the view must carry the rejection signal")
	}
}

func TestOutOfOrderAndEmptyVectors(t *testing.T) {
	m := newModel(t, nil)
	p := NewProfile("u", "test")
	m.Apply(p, ev(driftrec.EventView, time.Hour, ""), axis(0, 0, 1))
	m.Apply(p, ev(driftrec.EventView, 0, ""), axis(0, 0, 1)) // older event
	m.Apply(p, ev(driftrec.EventView, 2*time.Hour, ""), nil)
	m.Apply(p, ev(driftrec.EventView, 3*time.Hour, ""), make([]float32, 8))
	if p.Events != 4 || !p.Updated.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("events %d updated %v", p.Events, p.Updated)
	}
	if _, ok := p.Seen["x"]; !ok {
		t.Fatal("item must be marked seen")
	}
	for _, in := range p.Interests {
		for _, x := range in.Sum {
			if math.IsNaN(float64(x)) {
				t.Fatal("NaN in interest")
			}
		}
	}
}

func TestTraceIsBounded(t *testing.T) {
	m := newModel(t, func(c *Config) { c.TracePoints = 8 })
	p := NewProfile("u", "test")
	for i := 0; i < 100; i++ {
		m.Apply(p, ev(driftrec.EventClick, time.Duration(i)*time.Hour, ""), axis(0, 0, 1))
	}
	tr := p.Interests[0].Trace
	if len(tr) > 8 || len(tr) < 4 {
		t.Fatalf("trace has %d points", len(tr))
	}
	if !tr[0].Time.Equal(t0) || !tr[len(tr)-1].Time.Equal(t0.Add(99*time.Hour)) {
		t.Fatalf("trace must span the interest's life: %v … %v", tr[0].Time, tr[len(tr)-1].Time)
	}
}

func TestConfigValidate(t *testing.T) {
	bad := []func(*Config){
		func(c *Config) { c.MaxInterests = 0 },
		func(c *Config) { c.Alpha = 1.5 },
		func(c *Config) { c.HalfLife = -1 },
		func(c *Config) { c.Weights = map[driftrec.EventType]float64{"bogus": 1} },
	}
	for i, mod := range bad {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil {
			t.Errorf("case %d: want error", i)
		}
	}
	var d Duration
	if err := d.UnmarshalText([]byte("30d")); err != nil || time.Duration(d) != 30*24*time.Hour {
		t.Fatalf("30d → %v, %v", time.Duration(d), err)
	}
}

func BenchmarkApply512(b *testing.B) {
	m, _ := New(DefaultConfig())
	p := NewProfile("u", "test")
	vecs := make([][]float32, 64)
	for i := range vecs {
		v := make([]float32, 512)
		v[i%16*8] = 1
		v[(i*7)%512] = 0.5
		vecs[i] = v
	}
	e := &driftrec.Event{User: "u", Type: driftrec.EventClick, Item: "x", Session: "s"}
	i := 0
	for b.Loop() {
		e.Time = t0.Add(time.Duration(i) * time.Second)
		m.Apply(p, e, vecs[i%len(vecs)])
		i++
	}
}
