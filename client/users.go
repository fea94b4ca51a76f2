package client

import (
	"context"
	"net/url"
	"strconv"
	"time"
)

// Ingest sends events (POST /v1/events). Every event updates its user's
// profile before the call returns; a batch with one bad event is rejected
// whole, with the field of the bad value ("[3].ts") in the Error.
func (c *Client) Ingest(ctx context.Context, events []Event) (IngestResult, error) {
	var out IngestResult
	err := c.call(ctx, "POST", "/v1/events", nil, toWire(events), &out)
	return out, err
}

// Users returns up to limit user IDs after the given one ("" for the
// first page; limit ≤ 0: the server's default).
func (c *Client) Users(ctx context.Context, after string, limit int) (UserPage, error) {
	q := url.Values{}
	if after != "" {
		q.Set("after", after)
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out UserPage
	err := c.call(ctx, "GET", "/v1/users", q, nil, &out)
	return out, err
}

// ProfileOptions are the knobs of Profile.
type ProfileOptions struct {
	// Vectors adds the interest centroids and the session vector.
	Vectors bool
	// Alpha evaluates the shares with this α instead of the configured one.
	Alpha *float64
	// At evaluates the profile at this time instead of now.
	At time.Time
}

// Profile returns a user's interests, session and rejections.
func (c *Client) Profile(ctx context.Context, user string, o ProfileOptions) (*Profile, error) {
	q := url.Values{}
	if o.Vectors {
		q.Set("vectors", "true")
	}
	if o.Alpha != nil {
		q.Set("alpha", strconv.FormatFloat(*o.Alpha, 'g', -1, 64))
	}
	if !o.At.IsZero() {
		q.Set("at", o.At.UTC().Format(time.RFC3339Nano))
	}
	var p Profile
	if err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/profile", q, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// UserEvents returns a user's last limit events in the order they were
// ingested (limit ≤ 0: the server's default).
func (c *Client) UserEvents(ctx context.Context, user string, limit int) ([]Event, error) {
	q := url.Values{}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		User   string  `json:"user"`
		Events []Event `json:"events"`
	}
	err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/events", q, nil, &out)
	return out.Events, err
}

// DeleteUser forgets a user: events, profile and their part in
// popularity. An unknown user is a not_found error.
func (c *Client) DeleteUser(ctx context.Context, user string) error {
	return c.call(ctx, "DELETE", "/v1/users/"+seg(user), nil, nil, nil)
}

// Summary returns a natural-language summary of a user's interests; lang
// is "", "en" or "zh" ("" follows the user's language).
func (c *Client) Summary(ctx context.Context, user, lang string) (*Summary, error) {
	q := url.Values{}
	if lang != "" {
		q.Set("lang", lang)
	}
	var s Summary
	if err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/summary", q, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Map returns the 2-D map of a user's interests, session and the items
// the options recommend.
func (c *Client) Map(ctx context.Context, user string, o RecommendOptions) (*Map, error) {
	q := o.query()
	q.Del("explain")
	var m Map
	if err := c.call(ctx, "GET", "/v1/users/"+seg(user)+"/map", q, nil, &m); err != nil {
		return nil, err
	}
	return &m, nil
}
