package client

import (
	"encoding/json"
	"time"
)

// Item is a catalogue entry.
type Item struct {
	ID         string         `json:"id"`
	Text       string         `json:"text"`
	Categories []string       `json:"categories,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	// CreatedAt and UpdatedAt are set by the server.
	CreatedAt time.Time `json:"created_at,omitzero"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
}

// Event is one thing a user did: a query or comment (Text), an action on
// an item (Item), or both. Types: query, view, click, add_to_cart,
// purchase, rating, comment, like, dislike, skip.
type Event struct {
	// Seq is assigned by the server; it orders a user's events that share a
	// timestamp.
	Seq     uint64   `json:"seq,omitempty"`
	User    string   `json:"user"`
	Type    string   `json:"type"`
	Item    string   `json:"item,omitempty"`
	Text    string   `json:"text,omitempty"`
	Value   *float64 `json:"value,omitempty"`
	Session string   `json:"session,omitempty"`
	// Time is when it happened; zero means now.
	Time time.Time `json:"ts,omitzero"`
}

// eventWire is an event as the server accepts it.
type eventWire struct {
	User    string     `json:"user,omitempty"`
	Type    string     `json:"type"`
	Item    string     `json:"item,omitempty"`
	Text    string     `json:"text,omitempty"`
	Value   *float64   `json:"value,omitempty"`
	Session string     `json:"session,omitempty"`
	Time    *time.Time `json:"ts,omitempty"`
}

func toWire(evs []Event) []eventWire {
	out := make([]eventWire, len(evs))
	for i, e := range evs {
		out[i] = eventWire{User: e.User, Type: e.Type, Item: e.Item, Text: e.Text, Value: e.Value, Session: e.Session}
		if !e.Time.IsZero() {
			t := e.Time
			out[i].Time = &t
		}
	}
	return out
}

// IngestResult reports what POST /v1/events accepted.
type IngestResult struct {
	Accepted int `json:"accepted"`
	// UnknownItems counts events whose item is not in the catalogue.
	UnknownItems int `json:"unknown_items,omitempty"`
}

// ItemResult is an item in a list: a recommendation or a search hit.
type ItemResult struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
	Text  string  `json:"text"`
	// Gloss is the English reading of a Chinese text by the bridging
	// encoder, when it has one.
	Gloss       string       `json:"gloss,omitempty"`
	Categories  []string     `json:"categories,omitempty"`
	Explanation *Explanation `json:"explanation,omitempty"`
	// Reason is the explanation as a sentence (RecommendPhrased only).
	Reason string `json:"reason,omitempty"`
}

// Explanation says why an item is recommended.
type Explanation struct {
	// Source is "interest" or "popular" (a user without a profile).
	Source   string       `json:"source"`
	Interest *InterestRef `json:"interest,omitempty"`
	// Because are the user's past events the item resembles, most similar
	// first.
	Because []Because `json:"because,omitempty"`
	Scores  Scores    `json:"scores"`
}

// InterestRef names the interest an item serves.
type InterestRef struct {
	ID         uint32  `json:"id"`
	Label      string  `json:"label"`
	Share      float64 `json:"share"`
	Importance float64 `json:"importance"`
}

// Because is a past event an item resembles.
type Because struct {
	Type       string    `json:"type"`
	Item       string    `json:"item,omitempty"`
	Text       string    `json:"text,omitempty"`
	Time       time.Time `json:"ts"`
	Similarity float64   `json:"similarity"`
	// Current marks an event of the current session.
	Current bool   `json:"current"`
	Gloss   string `json:"gloss,omitempty"`
}

// Scores are the parts of an item's score.
type Scores struct {
	Relevance  float64  `json:"relevance"`
	Fused      float64  `json:"fused"`
	LongTerm   *float64 `json:"long_term,omitempty"`
	ShortTerm  *float64 `json:"short_term,omitempty"`
	Negative   float64  `json:"negative"`
	Alpha      float64  `json:"alpha"`
	Redundancy float64  `json:"redundancy"`
	Popularity float64  `json:"popularity,omitempty"`
}

// Recommendations is a ranked list for a user.
type Recommendations struct {
	User string `json:"user"`
	// Alpha is the fusion weight used: the requested α, or 0 when the user
	// has no current session.
	Alpha float64      `json:"alpha"`
	Items []ItemResult `json:"items"`
	// Cold is set when the user has no profile and the items are popular.
	Cold bool      `json:"cold_start,omitempty"`
	At   time.Time `json:"at"`
	// The provenance of Reason texts (RecommendPhrased only).
	Language string `json:"language,omitempty"`
	Source   string `json:"source,omitempty"`
	Model    string `json:"model,omitempty"`
	Fallback string `json:"fallback,omitempty"`
}

// Profile is a user's interests as the server explains them.
type Profile struct {
	User      string     `json:"user"`
	Encoder   string     `json:"encoder"`
	Events    int        `json:"events"`
	Updated   time.Time  `json:"updated"`
	At        time.Time  `json:"at"`
	Alpha     float64    `json:"alpha"`
	Interests []Interest `json:"interests"`
	ShortTerm ShortTerm  `json:"short_term"`
	Negative  Rejections `json:"negative"`
	Recent    []EventRef `json:"recent"`
	SeenItems int        `json:"seen_items"`
}

// Interest is one long-term interest: a cluster of the user's events.
type Interest struct {
	ID         uint32       `json:"id"`
	Label      string       `json:"label"`
	Importance float64      `json:"importance"`
	Share      float64      `json:"share"`
	Count      int          `json:"count"`
	Created    time.Time    `json:"created"`
	Updated    time.Time    `json:"updated"`
	Exemplars  []EventRef   `json:"exemplars"`
	Trace      []TracePoint `json:"trace"`
	// Centroid is the unit centroid, with ProfileOptions.Vectors.
	Centroid []float32 `json:"centroid,omitempty"`
}

// EventRef is an event a profile remembers.
type EventRef struct {
	Type   string    `json:"type"`
	Item   string    `json:"item,omitempty"`
	Text   string    `json:"text,omitempty"`
	Time   time.Time `json:"ts"`
	Weight float32   `json:"weight"`
	// Affinity is the cosine between the event and its interest's centroid
	// when it joined (it ranks exemplars).
	Affinity float32 `json:"affinity,omitempty"`
}

// TracePoint is an interest's importance right after one of its events.
type TracePoint struct {
	Time       time.Time `json:"t"`
	Importance float64   `json:"importance"`
}

// ShortTerm is the current session.
type ShortTerm struct {
	Active  bool       `json:"active"`
	Session string     `json:"session,omitempty"`
	Weight  float64    `json:"weight"`
	Updated time.Time  `json:"updated"`
	Events  []EventRef `json:"events"`
	Vector  []float32  `json:"vector,omitempty"`
}

// Rejections are what the user disliked or skipped.
type Rejections struct {
	Strength float64    `json:"strength"`
	Events   []EventRef `json:"events"`
}

// UserPage is a page of user IDs; Next is the After of the next page, ""
// after the last.
type UserPage struct {
	Users []string `json:"users"`
	Next  string   `json:"next"`
}

// Generated is a text from the generative helpers.
type Generated struct {
	Text     string `json:"text"`
	Language string `json:"language"`
	// Source is "model" or "template".
	Source   string `json:"source"`
	Model    string `json:"model,omitempty"`
	Fallback string `json:"fallback,omitempty"`
}

// Summary is a natural-language summary of a user's interests.
type Summary struct {
	User string `json:"user"`
	Generated
}

// Expansion is a query expanded into a description, and optionally the
// items retrieved by it.
type Expansion struct {
	Query      string       `json:"query"`
	Expansion  Generated    `json:"expansion"`
	SearchText string       `json:"search_text,omitempty"`
	Items      []ItemResult `json:"items,omitempty"`
}

// Map places a user's interests, session, θ_dynamic and recommended items
// on their first two principal components.
type Map struct {
	User      string     `json:"user"`
	Alpha     float64    `json:"alpha"`
	At        time.Time  `json:"at"`
	Explained [2]float64 `json:"explained"`
	Points    []MapPoint `json:"points"`
}

// MapPoint is one point of a Map.
type MapPoint struct {
	// Kind is "interest", "session", "dynamic" or "item".
	Kind     string  `json:"kind"`
	ID       string  `json:"id,omitempty"`
	Label    string  `json:"label"`
	X        float64 `json:"x"`
	Y        float64 `json:"y"`
	Share    float64 `json:"share,omitempty"`
	Interest *uint32 `json:"interest,omitempty"`
	Rank     int     `json:"rank,omitempty"`
	Score    float64 `json:"score,omitempty"`
}

// EvalReport is the latest evaluation report; Report is its JSON as
// "driftrec eval" wrote it.
type EvalReport struct {
	File     string          `json:"file"`
	Modified time.Time       `json:"modified"`
	Report   json.RawMessage `json:"report"`
	Plots    []string        `json:"plots"`
}

// Health is the answer of /healthz.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// Readiness is the answer of /readyz.
type Readiness struct {
	Status  string `json:"status"`
	Items   int    `json:"items"`
	Encoder string `json:"encoder"`
}
