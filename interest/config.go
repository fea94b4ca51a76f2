package interest

import (
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
)

// Config holds the model's parameters. DefaultConfig returns sensible
// values; every field is documented with its role in the model (see the
// package documentation for the equations).
type Config struct {
	// MaxInterests bounds the number of long-term interests per user.
	// Default 5: on MovieLens validation 2 to 8 interests score alike
	// (NDCG@10 0.0727–0.0736, TestCollabAblation, docs/eval/README.md),
	// and every interest costs a graph walk per recommendation and a
	// d-dimensional sum per profile: 8-client p99 at 100k items 17–26 ms
	// with 8, 13–18 with 5, 16 with 4 (docs/benchmarks.md). Four merges
	// the fifth topic of the seed's worked example (coffee with bread),
	// and the merged interest, the heaviest, then takes the single slot
	// of a list of one (client.Example).
	MaxInterests int `toml:"max_interests" json:"max_interests"`
	// JoinSimilarity is the cosine above which an event joins the nearest
	// interest instead of starting a new one.
	JoinSimilarity float64 `toml:"join_similarity" json:"join_similarity"`
	// EvictShare: when a new interest would exceed MaxInterests, the least
	// important one is dropped if its share of importance is below this;
	// otherwise the closest pair is merged.
	EvictShare float64 `toml:"evict_share" json:"evict_share"`
	// HalfLife is the half-life of long-term importance and centroids.
	HalfLife Duration `toml:"half_life" json:"half_life"`
	// ShortHalfLife is the half-life of the short-term state.
	ShortHalfLife Duration `toml:"short_half_life" json:"short_half_life"`
	// SessionGap ends a session after this much inactivity.
	SessionGap Duration `toml:"session_gap" json:"session_gap"`
	// ShortStepDecay multiplies the short-term state at every positive
	// event, on top of the time decay: with 0.8, the latest event counts
	// 1, the one before 0.8, then 0.64… — recency by position, for users
	// who act in quick bursts where time decay sees no difference.
	// 1 (the default) or 0 disables it.
	ShortStepDecay float64 `toml:"short_step_decay" json:"short_step_decay"`
	// NegativeHalfLife is the half-life of the memory of rejections.
	NegativeHalfLife Duration `toml:"negative_half_life" json:"negative_half_life"`
	// NegativeImportance scales how much a rejection lowers the importance
	// of the interest it resembles.
	NegativeImportance float64 `toml:"negative_importance" json:"negative_importance"`
	// Alpha is the default weight of the short-term state in the fusion.
	Alpha float64 `toml:"alpha" json:"alpha"`
	// Weights maps event types to signed weights. Rating events use Rating.
	Weights map[driftrec.EventType]float64 `toml:"weights" json:"weights"`
	// Rating maps a rating's value to a weight.
	Rating RatingMap `toml:"rating" json:"rating"`
	// Exemplars is the number of representative events kept per interest.
	Exemplars int `toml:"exemplars" json:"exemplars"`
	// ShortEvents and RecentEvents bound the event lists kept for the
	// short-term state and the profile's recent history.
	ShortEvents  int `toml:"short_events" json:"short_events"`
	RecentEvents int `toml:"recent_events" json:"recent_events"`
	// TracePoints bounds each interest's importance trace.
	TracePoints int `toml:"trace_points" json:"trace_points"`
}

// RatingMap turns a rating value into a weight: values at or above
// PositiveFrom give Base + Slope·(v − PositiveFrom); values below
// NegativeBelow give −(Base + Slope·(NegativeBelow − v)); values in
// between give Neutral (by default a small positive weight, since a rated
// item was at least consumed).
type RatingMap struct {
	PositiveFrom  float64 `toml:"positive_from" json:"positive_from"`
	NegativeBelow float64 `toml:"negative_below" json:"negative_below"`
	Base          float64 `toml:"base" json:"base"`
	Slope         float64 `toml:"slope" json:"slope"`
	Neutral       float64 `toml:"neutral" json:"neutral"`
}

// Weight returns the weight of a rating value.
func (r RatingMap) Weight(v float64) float64 {
	switch {
	case v >= r.PositiveFrom:
		return r.Base + r.Slope*(v-r.PositiveFrom)
	case v < r.NegativeBelow:
		return -(r.Base + r.Slope*(r.NegativeBelow-v))
	}
	return r.Neutral
}

// DefaultConfig returns the defaults: 5 interests, a 30-day half-life for
// long-term interests, 30-minute sessions, α = 0.5 (the seed's advice to
// start at 0.5), and weights that rank purchases above carts above clicks
// above views.
func DefaultConfig() Config {
	return Config{
		MaxInterests:       5,
		JoinSimilarity:     0.5,
		EvictShare:         0.02,
		HalfLife:           Duration(30 * 24 * time.Hour),
		ShortHalfLife:      Duration(30 * time.Minute),
		SessionGap:         Duration(30 * time.Minute),
		NegativeHalfLife:   Duration(14 * 24 * time.Hour),
		NegativeImportance: 0.25,
		Alpha:              0.5,
		Weights: map[driftrec.EventType]float64{
			driftrec.EventQuery:     1,
			driftrec.EventView:      0.5,
			driftrec.EventClick:     1,
			driftrec.EventAddToCart: 2,
			driftrec.EventPurchase:  3,
			driftrec.EventComment:   1,
			driftrec.EventLike:      2,
			driftrec.EventDislike:   -2,
			driftrec.EventSkip:      -0.5,
		},
		Rating: RatingMap{
			PositiveFrom:  3.5,
			NegativeBelow: 2.5,
			Base:          1,
			Slope:         0.5,
			Neutral:       0.25,
		},
		Exemplars:    3,
		ShortEvents:  10,
		RecentEvents: 20,
		TracePoints:  64,
	}
}

// Validate reports the first invalid parameter.
func (c *Config) Validate() error {
	switch {
	case c.MaxInterests < 1 || c.MaxInterests > 64:
		return fmt.Errorf("interest: max_interests must be 1..64, got %d", c.MaxInterests)
	case c.JoinSimilarity < -1 || c.JoinSimilarity > 1:
		return fmt.Errorf("interest: join_similarity must be in [-1, 1], got %g", c.JoinSimilarity)
	case c.EvictShare < 0 || c.EvictShare >= 1:
		return fmt.Errorf("interest: evict_share must be in [0, 1), got %g", c.EvictShare)
	case c.Alpha < 0 || c.Alpha > 1:
		return fmt.Errorf("interest: alpha must be in [0, 1], got %g", c.Alpha)
	case c.HalfLife < 0 || c.ShortHalfLife < 0 || c.NegativeHalfLife < 0 || c.SessionGap < 0:
		return fmt.Errorf("interest: half-lives and session_gap must not be negative")
	case c.ShortStepDecay < 0 || c.ShortStepDecay > 1:
		return fmt.Errorf("interest: short_step_decay must be in [0, 1], got %g", c.ShortStepDecay)
	case c.Exemplars < 1 || c.ShortEvents < 1 || c.RecentEvents < 1 || c.TracePoints < 2:
		return fmt.Errorf("interest: exemplars, short_events, recent_events must be ≥ 1 and trace_points ≥ 2")
	}
	for t := range c.Weights {
		if !t.Valid() {
			return fmt.Errorf("interest: weight for unknown event type %q", t)
		}
	}
	return nil
}

// Duration is a time.Duration that reads and writes as text ("720h",
// "30m") in configuration files and JSON.
type Duration time.Duration

// MarshalText implements encoding.TextMarshaler.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; besides Go durations
// it accepts a "d" suffix for days ("30d").
func (d *Duration) UnmarshalText(b []byte) error {
	s := string(b)
	if n := len(s); n > 1 && s[n-1] == 'd' {
		var days float64
		if _, err := fmt.Sscanf(s[:n-1], "%g", &days); err != nil {
			return fmt.Errorf("invalid duration %q", s)
		}
		*d = Duration(days * float64(24*time.Hour))
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("invalid duration %q: %w", s, err)
	}
	*d = Duration(v)
	return nil
}
