package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/client"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// newServer runs the real API (engine, in-memory store, lexical encoder)
// on a loopback port and returns a strict client for it.
func newServer(t *testing.T) (*client.Client, *httptest.Server) {
	t.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	c, err := client.New(srv.URL+"/", client.WithTimeout(10*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	client.Strict(c)
	return c, srv
}

var seedItems = []client.Item{
	{ID: "A", Text: "跑步鞋", Categories: []string{"运动鞋"}},
	{ID: "B", Text: "咖啡杯", Categories: []string{"咖啡"}, Attributes: map[string]any{"price": 39.0}},
	{ID: "C", Text: "面包"},
	{ID: "D", Text: "跑鞋垫", Categories: []string{"运动鞋"}},
}

func f(x float64) *float64 { return &x }

func TestSeedExampleThroughTheClient(t *testing.T) {
	c, _ := newServer(t)
	ctx := context.Background()
	if n, err := c.UpsertItems(ctx, seedItems); err != nil || n != 4 {
		t.Fatalf("upsert: %d %v", n, err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	evs := []client.Event{
		{User: "u", Type: "query", Text: "性价比高的运动鞋", Session: "h1", Time: now.Add(-72 * time.Hour)},
		{User: "u", Type: "query", Text: "评价好的咖啡杯", Session: "h2", Time: now.Add(-48 * time.Hour)},
		{User: "u", Type: "query", Text: "口感好的面包", Session: "h3", Time: now.Add(-24 * time.Hour)},
		{User: "u", Type: "query", Text: "舒适的鞋垫", Session: "now", Time: now.Add(-3 * time.Minute)},
		{User: "u", Type: "view", Text: "运动鞋", Session: "now", Time: now.Add(-2 * time.Minute)},
		{User: "u", Type: "click", Item: "A", Session: "now", Time: now.Add(-time.Minute)},
		{User: "u", Type: "rating", Item: "C", Value: f(4.5), Session: "h3", Time: now.Add(-24 * time.Hour)},
	}
	if res, err := c.Ingest(ctx, evs); err != nil || res.Accepted != len(evs) {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	rec, err := c.Recommend(ctx, "u", client.RecommendOptions{N: 3, Alpha: f(0.2), ExcludeSeen: new(true)})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Alpha != 0.2 || len(rec.Items) == 0 || rec.Items[0].ID != "D" || rec.Items[0].Text != "跑鞋垫" {
		t.Fatalf("recommendations %+v", rec)
	}
	e := rec.Items[0].Explanation
	if e == nil || e.Interest == nil || len(e.Because) == 0 || e.Because[0].Text != "舒适的鞋垫" || !e.Because[0].Current || e.Scores.ShortTerm == nil {
		t.Fatalf("explanation %+v", e)
	}

	p, err := c.Profile(ctx, "u", client.ProfileOptions{Vectors: true})
	if err != nil {
		t.Fatal(err)
	}
	if p.Events != len(evs) || len(p.Interests) < 2 || len(p.Interests[0].Centroid) == 0 || !p.ShortTerm.Active || len(p.ShortTerm.Vector) == 0 {
		t.Fatalf("profile: %d events, %d interests, short %+v", p.Events, len(p.Interests), p.ShortTerm.Active)
	}
	got, err := c.UserEvents(ctx, "u", 2)
	if err != nil || len(got) != 2 || got[1].Item != "A" || got[1].Seq == 0 || !got[1].Time.Equal(now.Add(-time.Minute)) {
		t.Fatalf("events %+v %v", got, err)
	}

	ph, err := c.RecommendPhrased(ctx, "u", client.RecommendOptions{N: 2, Alpha: f(0.2)}, "en")
	if err != nil || ph.Source != "template" || ph.Language != "en" || !strings.HasPrefix(ph.Items[0].Reason, "Because you searched for “舒适的鞋垫”") {
		t.Fatalf("phrased %+v %v", ph, err)
	}
	sum, err := c.Summary(ctx, "u", "")
	if err != nil || sum.Language != "zh" || sum.Source != "template" || sum.Text == "" {
		t.Fatalf("summary %+v %v", sum, err)
	}
	m, err := c.Map(ctx, "u", client.RecommendOptions{N: 3, Alpha: f(0.5)})
	if err != nil || len(m.Points) < 5 || m.Explained[0] <= 0 {
		t.Fatalf("map %+v %v", m, err)
	}

	st, err := c.RecommendStateless(ctx, client.StatelessRequest{
		History: []client.Event{{Type: "query", Text: "性价比高的运动鞋"}, {Type: "query", Text: "评价好的咖啡杯"}, {Type: "query", Text: "口感好的面包"}},
		Now:     []client.Event{{Type: "query", Text: "舒适的鞋垫"}, {Type: "view", Text: "运动鞋"}, {Type: "click", Item: "A"}},
		Options: client.RecommendOptions{N: 3, Alpha: f(0.2)},
	})
	if err != nil || st.Items[0].ID != "D" {
		t.Fatalf("stateless %+v %v", st, err)
	}
}

func TestCatalogueAndOps(t *testing.T) {
	c, _ := newServer(t)
	ctx := context.Background()
	if _, err := c.UpsertItems(ctx, seedItems); err != nil {
		t.Fatal(err)
	}
	it, err := c.Item(ctx, "B")
	if err != nil || it.Text != "咖啡杯" || it.Attributes["price"] != 39.0 || it.CreatedAt.IsZero() {
		t.Fatalf("item %+v %v", it, err)
	}
	// An item read back can be written back: the server's timestamps are
	// not sent.
	it.Text = "陶瓷咖啡杯"
	if _, err := c.UpsertItems(ctx, []client.Item{*it}); err != nil {
		t.Fatalf("write back: %v", err)
	}
	hits, err := c.Search(ctx, "跑鞋垫", 2)
	if err != nil || len(hits) != 2 || hits[0].ID != "D" {
		t.Fatalf("search %+v %v", hits, err)
	}
	if hits, err = c.Search(ctx, "跑鞋", 5, "运动鞋"); err != nil || len(hits) != 2 {
		t.Fatalf("search in a category %+v %v", hits, err)
	}
	sim, err := c.Similar(ctx, "A", 1)
	if err != nil || len(sim) != 1 || sim[0].ID == "A" {
		t.Fatalf("similar %+v %v", sim, err)
	}
	ex, err := c.Expand(ctx, client.ExpandRequest{Query: "跑鞋", Search: true, N: 2})
	if err != nil || ex.Expansion.Source != "template" || len(ex.Items) != 2 {
		t.Fatalf("expand %+v %v", ex, err)
	}
	vecs, err := c.Embed(ctx, []string{"跑鞋", "coffee"})
	if err != nil || len(vecs) != 2 || len(vecs[0]) == 0 {
		t.Fatalf("embed %d %v", len(vecs), err)
	}
	if h, err := c.Health(ctx); err != nil || h.Status != "ok" {
		t.Fatalf("health %+v %v", h, err)
	}
	if r, err := c.Ready(ctx); err != nil || r.Items != 4 {
		t.Fatalf("ready %+v %v", r, err)
	}
	if _, err := c.EvalReport(ctx); !client.IsNotFound(err) {
		t.Fatalf("eval report without one: %v", err)
	}
	if err := c.DeleteItem(ctx, "C"); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteItem(ctx, "C"); !client.IsNotFound(err) {
		t.Fatalf("second delete: %v", err)
	}
	if n, err := c.DeleteItems(ctx, []string{"A", "nope"}); err != nil || n != 1 {
		t.Fatalf("delete items: %d %v", n, err)
	}
}

func TestUsersWithAnyID(t *testing.T) {
	c, _ := newServer(t)
	ctx := context.Background()
	ids := []string{"plain", "with space", "slash/and?query#hash", "张伟", "percent%2F"}
	var evs []client.Event
	for _, id := range ids {
		evs = append(evs, client.Event{User: id, Type: "query", Text: "camping tent"})
	}
	if _, err := c.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		p, err := c.Profile(ctx, id, client.ProfileOptions{})
		if err != nil || p.User != id {
			t.Errorf("profile of %q: %+v %v", id, p, err)
		}
	}
	var all []string
	for after := ""; ; {
		page, err := c.Users(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, page.Users...)
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(all) != len(ids) {
		t.Fatalf("paged users %q", all)
	}
	if err := c.DeleteUser(ctx, "slash/and?query#hash"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Profile(ctx, "slash/and?query#hash", client.ProfileOptions{}); !client.IsNotFound(err) {
		t.Fatalf("deleted user: %v", err)
	}
}

func TestErrors(t *testing.T) {
	c, srv := newServer(t)
	ctx := context.Background()
	c.UpsertItems(ctx, seedItems)
	tests := []struct {
		name   string
		call   func() error
		status int
		code   string
		field  string
	}{
		{"bad event type", func() error {
			_, err := c.Ingest(ctx, []client.Event{{User: "u", Type: "view", Item: "A"}, {User: "u", Type: "teleport", Item: "A"}})
			return err
		}, 400, "invalid", "[1].type"},
		{"rating without value", func() error {
			_, err := c.Ingest(ctx, []client.Event{{User: "u", Type: "rating", Item: "A"}})
			return err
		}, 400, "invalid", "[0].value"},
		{"alpha out of range", func() error {
			_, err := c.Recommend(ctx, "u", client.RecommendOptions{Alpha: f(1.5)})
			return err
		}, 400, "invalid", "alpha"},
		{"unknown metric", func() error {
			_, err := c.Recommend(ctx, "u", client.RecommendOptions{Metric: "manhattan"})
			return err
		}, 400, "invalid", "metric"},
		{"stateless bad event", func() error {
			_, err := c.RecommendStateless(ctx, client.StatelessRequest{Now: []client.Event{{Type: "jump", Text: "x"}}})
			return err
		}, 400, "invalid", "now[0].type"},
		{"missing item", func() error { _, err := c.Item(ctx, "nope"); return err }, 404, "not_found", ""},
		{"missing profile", func() error { _, err := c.Profile(ctx, "nobody", client.ProfileOptions{}); return err }, 404, "not_found", ""},
		{"empty search", func() error { _, err := c.Search(ctx, " ", 0); return err }, 400, "invalid", "q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *client.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T)", err, err)
			}
			if e.StatusCode != tc.status || e.Code != tc.code || e.Field != tc.field || e.Message == "" {
				t.Fatalf("error %+v", e)
			}
			if !strings.Contains(err.Error(), e.Message) {
				t.Fatalf("Error() %q lacks the message", err)
			}
		})
	}
	// A route that is not driftrec's answers with a plain 404 page.
	other, _ := client.New(srv.URL + "/not-driftrec")
	if _, err := other.Health(ctx); client.ErrorCode(err) != "not_found" {
		t.Fatalf("plain 404: %v", err)
	}
}

func TestTimeoutsAndCancellation(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	c, err := client.New(slow.URL, client.WithTimeout(50*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Health(context.Background()); err == nil || client.ErrorCode(err) != "" {
		t.Fatalf("timeout: %v", err)
	}
	c, _ = client.New(slow.URL)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Health(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	for _, bad := range []string{"", "localhost:8080", "ftp://x", "http://"} {
		if _, err := client.New(bad); err == nil {
			t.Errorf("New(%q) accepted a bad URL", bad)
		}
	}
}
