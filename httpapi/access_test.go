package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/auth"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/pseudonym"
)

// newGuardedServer starts the real handler with access control.
func newGuardedServer(t *testing.T, cfg httpapi.AccessConfig, opts ...httpapi.Option) (*httptest.Server, *httpapi.Access) {
	t.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	a := httpapi.NewAccess(cfg)
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{MaxBodyBytes: 1 << 16}, append(opts, httpapi.WithAccess(a))...).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	return srv, a
}

// call sends a request with optional headers and returns the status, the
// decoded JSON body and the response headers.
func call(t *testing.T, srv *httptest.Server, method, path, body string, header map[string]string) (int, map[string]any, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out, resp.Header
}

func bearer(k string) map[string]string { return map[string]string{"Authorization": "Bearer " + k} }

func TestAPIKeysAndScopes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-keys.json")
	keys, err := auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	srv, _ := newGuardedServer(t, httpapi.AccessConfig{Keys: keys})
	// No keys yet: the API is open.
	if code, _, _ := call(t, srv, "PUT", "/v1/items", seedItems, nil); code != 200 {
		t.Fatalf("open API: %d", code)
	}
	reader, _, _ := auth.Create(path, "dashboard", []auth.Scope{auth.ScopeRead}, time.Now())
	ingester, _, _ := auth.Create(path, "pipeline", []auth.Scope{auth.ScopeIngest}, time.Now())
	admin, _, _ := auth.Create(path, "ops", []auth.Scope{auth.ScopeAdmin}, time.Now())
	keys2, err := auth.Open(path) // a fresh view: no wait for the once-a-second reload
	if err != nil {
		t.Fatal(err)
	}
	srv, _ = newGuardedServer(t, httpapi.AccessConfig{Keys: keys2})
	call(t, srv, "PUT", "/v1/items", seedItems, bearer(admin))
	event := `[{"user":"u","type":"query","text":"running shoes"}]`
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		status                   int
		code                     string
	}{
		{"health is public", "GET", "/healthz", "", nil, 200, ""},
		{"readiness is public", "GET", "/readyz", "", nil, 200, ""},
		{"openapi is public", "GET", "/openapi.json", "", nil, 200, ""},
		{"no key", "GET", "/v1/users", "", nil, 401, "unauthorized"},
		{"wrong key", "GET", "/v1/users", "", bearer(reader[:len(reader)-2] + "xx"), 401, "unauthorized"},
		{"not bearer", "GET", "/v1/users", "", map[string]string{"Authorization": "Basic " + reader}, 401, "unauthorized"},
		{"key in a query is ignored", "GET", "/v1/users?api_key=" + reader, "", nil, 401, "unauthorized"},
		{"read key reads", "GET", "/v1/users", "", bearer(reader), 200, ""},
		{"X-API-Key header", "GET", "/v1/users", "", map[string]string{"X-API-Key": reader}, 200, ""},
		{"metrics need read", "GET", "/metrics", "", nil, 401, "unauthorized"},
		{"read key cannot ingest", "POST", "/v1/events", event, bearer(reader), 403, "forbidden"},
		{"ingest key ingests", "POST", "/v1/events", event, bearer(ingester), 200, ""},
		{"ingest key cannot read", "GET", "/v1/users/u/profile", "", bearer(ingester), 403, "forbidden"},
		{"read key may post a stateless recommendation", "POST", "/v1/recommend", `{"now":[{"type":"query","text":"shoes"}]}`, bearer(reader), 200, ""},
		{"read key cannot export", "GET", "/v1/users/u/export", "", bearer(reader), 403, "forbidden"},
		{"read key cannot delete", "DELETE", "/v1/users/u", "", bearer(reader), 403, "forbidden"},
		{"admin exports", "GET", "/v1/users/u/export", "", bearer(admin), 200, ""},
		{"admin deletes", "DELETE", "/v1/users/u", "", bearer(admin), 200, ""},
		{"unknown routes need a key too", "GET", "/v1/nowhere", "", nil, 401, "unauthorized"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body, h := call(t, srv, tc.method, tc.path, tc.body, tc.header)
			if code != tc.status {
				t.Fatalf("status %d, want %d (%v)", code, tc.status, body)
			}
			if tc.code != "" {
				e, _ := body["error"].(map[string]any)
				if e["code"] != tc.code || e["message"] == "" {
					t.Fatalf("error %v, want code %s", body, tc.code)
				}
				if strings.Contains(e["message"].(string), "drk_") {
					t.Fatal("an error message repeats the key")
				}
			}
			if code == 401 && h.Get("WWW-Authenticate") == "" {
				t.Fatal("401 without WWW-Authenticate")
			}
			if h.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatal("no nosniff header")
			}
		})
	}
}

func TestCORS(t *testing.T) {
	preflight := map[string]string{"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
	t.Run("off by default", func(t *testing.T) {
		srv, _ := newGuardedServer(t, httpapi.AccessConfig{})
		_, _, h := call(t, srv, "GET", "/healthz", "", map[string]string{"Origin": "https://shop.example"})
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("CORS headers without -cors-origins")
		}
		code, _, h := call(t, srv, "OPTIONS", "/v1/events", "", preflight)
		if h.Get("Access-Control-Allow-Origin") != "" || code == 204 {
			t.Fatalf("preflight answered: %d %v", code, h)
		}
	})
	t.Run("listed origins", func(t *testing.T) {
		srv, _ := newGuardedServer(t, httpapi.AccessConfig{CORSOrigins: []string{"https://shop.example"}})
		code, _, h := call(t, srv, "OPTIONS", "/v1/events", "", preflight)
		if code != 204 || h.Get("Access-Control-Allow-Origin") != "https://shop.example" || !strings.Contains(h.Get("Access-Control-Allow-Headers"), "Authorization") {
			t.Fatalf("preflight: %d %v", code, h)
		}
		_, _, h = call(t, srv, "GET", "/healthz", "", map[string]string{"Origin": "https://evil.example"})
		if h.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("an unlisted origin got CORS headers")
		}
	})
}

func TestRateLimit(t *testing.T) {
	srv, _ := newGuardedServer(t, httpapi.AccessConfig{RatePerSecond: 0.001, RateBurst: 3})
	for i := range 3 {
		if code, _, _ := call(t, srv, "GET", "/v1/users", "", nil); code != 200 {
			t.Fatalf("request %d within the burst: %d", i, code)
		}
	}
	code, body, h := call(t, srv, "GET", "/v1/users", "", nil)
	if code != 429 || h.Get("Retry-After") == "" || body["error"].(map[string]any)["code"] != "rate_limited" {
		t.Fatalf("over the limit: %d %v %v", code, body, h)
	}
	// Health checks are never limited.
	if code, _, _ := call(t, srv, "GET", "/healthz", "", nil); code != 200 {
		t.Fatalf("healthz limited: %d", code)
	}
}

func TestDrain(t *testing.T) {
	srv, a := newGuardedServer(t, httpapi.AccessConfig{})
	if code, _, _ := call(t, srv, "GET", "/readyz", "", nil); code != 200 {
		t.Fatal(code)
	}
	a.Drain()
	if code, body, _ := call(t, srv, "GET", "/readyz", "", nil); code != 503 || body["error"].(map[string]any)["message"] != "shutting down" {
		t.Fatalf("readyz while draining: %d %v", code, body)
	}
	if code, _, _ := call(t, srv, "GET", "/healthz", "", nil); code != 200 {
		t.Fatal("healthz while draining")
	}
}

// TestExportAndStats covers the privacy routes: a user's export holds
// everything stored about them, with the pseudonym they are stored under;
// the statistics are DP releases that are cached and accounted.
func TestExportAndStats(t *testing.T) {
	eng, err := engine.Open(context.Background(), mustPseudonymous(t), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}, httpapi.WithDataPolicy(httpapi.DataPolicy{Pseudonyms: true, TextRetention: 720 * time.Hour})).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	call(t, srv, "PUT", "/v1/items", seedItems, nil)
	call(t, srv, "POST", "/v1/events", `[{"user":"alice@example.com","type":"query","text":"跑鞋"},{"user":"alice@example.com","type":"click","item":"A"}]`, nil)

	code, exp, h := call(t, srv, "GET", "/v1/users/alice@example.com/export", "", nil)
	if code != 200 || !strings.Contains(h.Get("Content-Disposition"), "attachment") {
		t.Fatalf("export: %d %v", code, exp)
	}
	st := exp["storage"].(map[string]any)
	if exp["user"] != "alice@example.com" || !strings.HasPrefix(st["pseudonym"].(string), "~") || st["text_retention"] != "720h0m0s" {
		t.Fatalf("export storage: %v", exp)
	}
	if evs := exp["events"].([]any); len(evs) != 2 || evs[0].(map[string]any)["text"] != "跑鞋" {
		t.Fatalf("export events: %v", exp["events"])
	}
	if seen := exp["seen_items"].([]any); len(seen) != 1 || seen[0] != "A" {
		t.Fatalf("export seen items: %v", exp["seen_items"])
	}
	prof := exp["profile"].(map[string]any)
	if prof["user"] != "alice@example.com" || prof["interests"].([]any)[0].(map[string]any)["centroid"] == nil {
		t.Fatalf("export profile: %v", prof)
	}
	if code, _, _ := call(t, srv, "GET", "/v1/users/nobody/export", "", nil); code != 404 {
		t.Fatalf("export of nobody: %d", code)
	}
	// The list of users shows pseudonyms, and a pseudonym opens the stored
	// profile (as of the last write-behind flush).
	if err := eng.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, list, _ := call(t, srv, "GET", "/v1/users", "", nil)
	users := list["users"].([]any)
	if len(users) != 1 || users[0] != st["pseudonym"] {
		t.Fatalf("users: %v", users)
	}
	if code, _, _ := call(t, srv, "GET", "/v1/users/"+users[0].(string)+"/profile", "", nil); code != 200 {
		t.Fatalf("profile by pseudonym: %d", code)
	}
	if code, body, _ := call(t, srv, "DELETE", "/v1/users/"+users[0].(string), "", nil); code != 400 {
		t.Fatalf("delete by pseudonym: %d %v", code, body)
	}

	code, pop, _ := call(t, srv, "GET", "/v1/stats/popular?n=2", "", nil)
	if code != 200 || len(pop["items"].([]any)) != 2 || pop["privacy"].(map[string]any)["mechanism"] != "laplace" {
		t.Fatalf("popular: %d %v", code, pop)
	}
	_, again, _ := call(t, srv, "GET", "/v1/stats/popular?n=2", "", nil)
	if again["created"] != pop["created"] {
		t.Fatal("a second request got a new release")
	}
	if code, in, _ := call(t, srv, "GET", "/v1/stats/trending-interests", "", nil); code != 200 || in["privacy"].(map[string]any)["mechanism"] != "gaussian" {
		t.Fatalf("interests: %d %v", code, in)
	}
	if code, p, _ := call(t, srv, "GET", "/v1/stats/profiles", "", nil); code != 200 || len(p["vectors"].([]any)) != 1 {
		t.Fatalf("profiles: %d %v", code, p)
	}
	_, budget, _ := call(t, srv, "GET", "/v1/stats/budget", "", nil)
	if spent := budget["spent"].(map[string]any)["epsilon"].(float64); spent != 3 {
		t.Fatalf("budget: %v", budget)
	}
	if code, _, _ := call(t, srv, "GET", "/v1/stats/popular?n=0", "", nil); code != 400 {
		t.Fatalf("n=0: %d", code)
	}
}

func mustPseudonymous(t *testing.T) *pseudonym.Store {
	t.Helper()
	s, err := pseudonym.New(inmem.New(), make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s.(*pseudonym.Store)
}
