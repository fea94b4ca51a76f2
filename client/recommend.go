package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// RecommendOptions are the knobs of a recommendation. Zero values leave
// the server's defaults.
type RecommendOptions struct {
	// N is the length of the list (server default 10).
	N int
	// Alpha is the weight of the current session, 0..1.
	Alpha *float64
	// Categories restricts the list to items in these categories.
	Categories []string
	// Diversity is the MMR trade-off λ, 0..1.
	Diversity float64
	// ExcludeSeen overrides the server's default (true).
	ExcludeSeen *bool
	// Metric is "cosine" (default), "dot" or "euclidean".
	Metric string
	// At evaluates the profile at this time instead of now.
	At time.Time
	// NoExplain drops the explanations.
	NoExplain bool
}

func (o RecommendOptions) query() url.Values {
	q := url.Values{}
	if o.N > 0 {
		q.Set("n", strconv.Itoa(o.N))
	}
	if o.Alpha != nil {
		q.Set("alpha", strconv.FormatFloat(*o.Alpha, 'g', -1, 64))
	}
	for _, c := range o.Categories {
		q.Add("category", c)
	}
	if o.Diversity != 0 {
		q.Set("diversity", strconv.FormatFloat(o.Diversity, 'g', -1, 64))
	}
	if o.ExcludeSeen != nil {
		q.Set("exclude_seen", strconv.FormatBool(*o.ExcludeSeen))
	}
	if o.Metric != "" {
		q.Set("metric", o.Metric)
	}
	if !o.At.IsZero() {
		q.Set("at", o.At.UTC().Format(time.RFC3339Nano))
	}
	if o.NoExplain {
		q.Set("explain", "false")
	}
	return q
}

// Recommend returns recommendations for a stored user. A user without a
// profile gets popular items (Cold is set).
func (c *Client) Recommend(ctx context.Context, user string, o RecommendOptions) (*Recommendations, error) {
	var r Recommendations
	if err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/recommendations", o.query(), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// RecommendPhrased returns recommendations whose explanations are also
// sentences (ItemResult.Reason), in lang ("", "en" or "zh").
func (c *Client) RecommendPhrased(ctx context.Context, user string, o RecommendOptions, lang string) (*Recommendations, error) {
	q := o.query()
	q.Del("explain")
	if lang != "" {
		q.Set("lang", lang)
	}
	var r Recommendations
	if err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/recommendations/phrased", q, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// StatelessRequest describes a user by events alone; nothing is stored.
type StatelessRequest struct {
	// History are past events and Now the current session's. User may be
	// empty; events without times are spaced one second apart, ending now.
	History []Event
	Now     []Event
	Options RecommendOptions
}

// RecommendStateless recommends for a user described by events (POST
// /v1/recommend): the seed's worked example in one call.
func (c *Client) RecommendStateless(ctx context.Context, req StatelessRequest) (*Recommendations, error) {
	o := req.Options
	body := map[string]any{"history": toWire(req.History), "now": toWire(req.Now)}
	if o.N > 0 {
		body["n"] = o.N
	}
	if o.Alpha != nil {
		body["alpha"] = *o.Alpha
	}
	if len(o.Categories) > 0 {
		body["categories"] = o.Categories
	}
	if o.Diversity != 0 {
		body["diversity"] = o.Diversity
	}
	if o.ExcludeSeen != nil {
		body["exclude_seen"] = *o.ExcludeSeen
	}
	if o.Metric != "" {
		body["metric"] = o.Metric
	}
	if o.NoExplain {
		body["explain"] = false
	}
	var r Recommendations
	if err := c.call(ctx, "POST", "/v1/recommend", nil, body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ExpandRequest asks for a query expansion.
type ExpandRequest struct {
	Query string `json:"query"`
	// Lang is "", "en" or "zh" ("" follows the query's language).
	Lang string `json:"lang,omitempty"`
	// Search also retrieves the N items nearest to the expansion.
	Search     bool     `json:"search,omitempty"`
	N          int      `json:"n,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// Expand rewrites a short query into a richer description to retrieve by
// (POST /v1/expand).
func (c *Client) Expand(ctx context.Context, req ExpandRequest) (*Expansion, error) {
	var e Expansion
	if err := c.call(ctx, "POST", "/v1/expand", nil, req, &e); err != nil {
		return nil, err
	}
	return &e, nil
}
