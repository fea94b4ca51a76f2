package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// fuzzHandler is the real handler over an in-memory engine with the seed
// catalogue, bodies bounded as a server bounds them.
func fuzzHandler(f *testing.F) http.Handler {
	f.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { eng.Close() })
	h := httpapi.New(eng, httpapi.Config{MaxBodyBytes: 1 << 16}).Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("PUT", "/v1/items", strings.NewReader(seedItems)))
	if rec.Code != 200 {
		f.Fatalf("seed items: %d %s", rec.Code, rec.Body)
	}
	return h
}

// checkAnswer fails on a server error or an error without the JSON
// error body: bad input must get a clear 4xx.
func checkAnswer(t *testing.T, req string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: status %d: %s", req, rec.Code, rec.Body)
	}
	if rec.Code >= 400 {
		var body struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Code == "" || body.Error.Message == "" {
			t.Fatalf("%s: status %d without a JSON error: %q", req, rec.Code, rec.Body)
		}
	}
}

// bodyRoutes are the routes that decode a JSON body.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/v1/events"},
	{"PUT", "/v1/items"},
	{"DELETE", "/v1/items"},
	{"POST", "/v1/recommend"},
	{"POST", "/v1/embeddings"},
	{"POST", "/v1/expand"},
}

// FuzzRequestBodies sends arbitrary bodies to every route that decodes
// JSON. The seeds, one or more per route, run as an ordinary test.
func FuzzRequestBodies(f *testing.F) {
	seeds := map[int][]string{
		0: {`[{"user":"u","type":"query","text":"跑鞋","ts":"2026-01-01T00:00:00Z"}]`, `[{"user":"u","type":"rating","item":"A","value":4.5,"ts":1700000000.5}]`, `[{"user":"","type":"view"}]`, `[]`, `null`, `[{"ts":1e400}]`},
		1: {`[{"id":"x","text":"camping tent","categories":["outdoor"],"attributes":{"price":3}}]`, `[{"id":"x","categories":"y"}]`},
		2: {`{"ids":["x","A"]}`, `{"ids":[]}`, `{"ids":[1]}`},
		3: {`{"history":[{"type":"query","text":"性价比高的运动鞋"}],"now":[{"type":"click","item":"A"}],"alpha":0.2,"n":3}`, `{"n":-1}`, `{"alpha":"x"}`, `{"metric":"manhattan","now":[{"type":"view","text":"x"}]}`},
		4: {`{"input":"coffee mug"}`, `{"input":["a","b"],"encoding_format":"base64"}`, `{"input":[1,2]}`, `{}`},
		5: {`{"query":"running shoes","lang":"en","search":true,"n":3}`, `{"query":""}`, `{"query":"x","lang":"fr"}`},
	}
	for i, ss := range seeds {
		for _, s := range ss {
			f.Add(uint8(i), []byte(s))
		}
	}
	h := fuzzHandler(f)
	f.Fuzz(func(t *testing.T, route uint8, body []byte) {
		r := bodyRoutes[int(route)%len(bodyRoutes)]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(r.method, r.path, strings.NewReader(string(body))))
		checkAnswer(t, r.method+" "+r.path, rec)
	})
}

// queryRoutes are the routes that read the query string or a path value.
var queryRoutes = []string{
	"/v1/users/{u}/recommendations",
	"/v1/users/{u}/profile",
	"/v1/users/{u}/events",
	"/v1/users/{u}/export",
	"/v1/users/{u}/map",
	"/v1/users/{u}/summary",
	"/v1/users",
	"/v1/search",
	"/v1/items/{u}/similar",
	"/v1/items/{u}",
	"/v1/stats/popular",
}

// FuzzQueries sends arbitrary query strings and path values to the
// reading routes.
func FuzzQueries(f *testing.F) {
	for i, q := range []string{"n=3&alpha=0.2&explain=true&at=2026-03-02T09:00:00Z", "n=ten", "alpha=NaN", "diversity=-1e308",
		"category=运动鞋,咖啡&metric=dot&exclude_seen=maybe", "limit=0", "limit=100001", "q=跑鞋&n=5", "after=%00&limit=5", "vectors=true&alpha=2", "n=0"} {
		f.Add(uint8(i), "u", q)
	}
	f.Add(uint8(1), "A\x01B", "")
	f.Add(uint8(8), "A", "n=1")
	h := fuzzHandler(f)
	ingest := httptest.NewRecorder()
	h.ServeHTTP(ingest, httptest.NewRequest("POST", "/v1/events", strings.NewReader(`[{"user":"u","type":"query","text":"跑鞋"},{"user":"u","type":"click","item":"A"}]`)))
	f.Fuzz(func(t *testing.T, route uint8, user, query string) {
		path := strings.ReplaceAll(queryRoutes[int(route)%len(queryRoutes)], "{u}", url.PathEscape(user))
		u := &url.URL{Path: path, RawQuery: query}
		req, err := http.NewRequest("GET", "http://driftrec"+u.RequestURI(), nil)
		if err != nil {
			return // not a request any client could send
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		checkAnswer(t, "GET "+u.RequestURI(), rec)
	})
}
