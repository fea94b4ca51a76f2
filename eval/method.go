package eval

import (
	"context"
	"time"
)

// Query asks a method where it ranks Target for User at time Now, before
// the event that holds Target out is replayed.
type Query struct {
	User   string
	Target string
	Now    time.Time
	Phase  Phase
}

// Prediction is a method's answer to a Query: the target's rank in its
// full ranking and the top of that ranking (the list it would serve).
type Prediction struct {
	Rank float64
	Top  []string
}

// Method is a recommender under evaluation. The replay calls Observe with
// every event in time order (in batches of consecutive events) and Predict
// before each held-out event. A method may answer a query in several
// variants (request-time settings such as α that need no second replay);
// Predict returns one Prediction per variant, in the order of Variants.
type Method interface {
	Variants() []Variant
	Observe(ctx context.Context, steps []Step) error
	Predict(ctx context.Context, q Query) ([]Prediction, error)
	// Top returns the first variant's list for user at now (the stability
	// probes).
	Top(ctx context.Context, user string, now time.Time) ([]string, error)
}

// Variant is one request-time setting of a method. Params are reported
// with its results.
type Variant struct {
	Name   string
	Params map[string]any
	// Alpha (nil: the configured default) and Diversity are the engine's
	// request options; baselines ignore them.
	Alpha     *float64
	Diversity float64
}

// listLen is the length of the lists the beyond-accuracy metrics are
// computed on (top-10).
const listLen = 10
