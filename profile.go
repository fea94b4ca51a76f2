package driftrec

import (
	"slices"
	"time"
)

// Profile is everything the interest model keeps about one user: several
// long-term interests, a short-term (session) state, a memory of what the
// user rejected, and the items already consumed. Package interest owns the
// mathematics that updates it; this type is only the state, so that storage
// adapters can persist it without depending on the model.
type Profile struct {
	User string `json:"user"`
	// Encoder is the ID of the encoder whose space the vectors live in.
	Encoder string `json:"encoder"`
	// Version increases by one with every committed update; storage adapters
	// use it to detect concurrent writers.
	Version uint64 `json:"version"`
	// Updated is the time of the latest event applied (event time, which is
	// the clock every decay in the profile is measured against).
	Updated time.Time `json:"updated"`
	// Events counts the events applied.
	Events int `json:"events"`
	// NextInterestID numbers new interests so that IDs stay unique for the
	// life of the profile even after merges.
	NextInterestID uint32 `json:"next_interest_id"`

	Interests []Interest `json:"interests"`
	Short     ShortTerm  `json:"short_term"`
	Negative  Signal     `json:"negative"`
	// Recent holds the latest events, newest last, bounded by the model.
	Recent []EventRef `json:"recent"`
	// Seen is the set of items the user has interacted with, for excluding
	// consumed items from recommendations.
	Seen map[string]struct{} `json:"-"`
}

// Interest is one long-term interest: a cluster of the user's event vectors.
type Interest struct {
	ID uint32 `json:"id"`
	// Sum is the time-decayed, weight-scaled sum of the member vectors; its
	// direction is the interest's centroid.
	Sum []float32 `json:"-"`
	// Mass is the decayed total weight behind Sum, as of Updated.
	Mass float64 `json:"mass"`
	// Importance is the decayed importance as of Updated.
	Importance float64 `json:"importance"`
	// Count is the number of events that joined this interest.
	Count   int       `json:"count"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Exemplars are the events that best represent the interest (highest
	// weight × similarity to the centroid), used for labels and explanations.
	Exemplars []EventRef `json:"exemplars"`
	// Trace samples the importance over time (bounded), for drift charts.
	Trace []TracePoint `json:"trace,omitempty"`
}

// TracePoint is one sample of an interest's importance.
type TracePoint struct {
	Time       time.Time `json:"t"`
	Importance float64   `json:"importance"`
}

// ShortTerm is the user's current state: a quickly decaying summary of the
// latest events in the current session.
type ShortTerm struct {
	Session string     `json:"session,omitempty"`
	Sum     []float32  `json:"-"`
	Weight  float64    `json:"weight"`
	Updated time.Time  `json:"updated"`
	Events  []EventRef `json:"events"`
}

// Signal is a decayed sum of vectors, used for the memory of negative
// feedback.
type Signal struct {
	Sum     []float32  `json:"-"`
	Weight  float64    `json:"weight"`
	Updated time.Time  `json:"updated"`
	Events  []EventRef `json:"events"`
}

// EventRef is the part of an event a profile remembers for explanations.
type EventRef struct {
	Type   EventType `json:"type"`
	Item   string    `json:"item,omitempty"`
	Text   string    `json:"text,omitempty"`
	Time   time.Time `json:"ts"`
	Weight float32   `json:"weight"`
	// Affinity is the cosine between the event's vector and its interest's
	// centroid when it joined, which ranks exemplars. Events keep no vector
	// of their own: explanations look it up again (the item's vector, or
	// the text's embedding), which keeps a profile a few kilobytes instead
	// of one vector per remembered event.
	Affinity float32 `json:"affinity,omitempty"`
}

// Clone returns a deep copy of p.
func (p *Profile) Clone() *Profile {
	if p == nil {
		return nil
	}
	q := *p
	if p.Interests != nil { // keep nil nil, as every other field does
		q.Interests = make([]Interest, len(p.Interests))
	}
	for i, in := range p.Interests {
		in.Sum = slices.Clone(in.Sum)
		in.Exemplars = cloneRefs(in.Exemplars)
		in.Trace = slices.Clone(in.Trace)
		q.Interests[i] = in
	}
	q.Short.Sum = slices.Clone(p.Short.Sum)
	q.Short.Events = cloneRefs(p.Short.Events)
	q.Negative.Sum = slices.Clone(p.Negative.Sum)
	q.Negative.Events = cloneRefs(p.Negative.Events)
	q.Recent = cloneRefs(p.Recent)
	if p.Seen != nil {
		q.Seen = make(map[string]struct{}, len(p.Seen))
		for k := range p.Seen {
			q.Seen[k] = struct{}{}
		}
	}
	return &q
}

func cloneRefs(rs []EventRef) []EventRef {
	return slices.Clone(rs)
}
