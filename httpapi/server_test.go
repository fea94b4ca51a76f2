package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// newServer starts the real handler on a loopback port.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{MaxBodyBytes: 1 << 16}).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	return srv
}

func do(t *testing.T, srv *httptest.Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

const seedItems = `[{"id":"A","text":"跑步鞋","categories":["运动鞋"]},{"id":"B","text":"咖啡杯","categories":["咖啡"]},{"id":"C","text":"面包"},{"id":"D","text":"跑鞋垫","categories":["运动鞋"]}]`

func TestSeedExampleOverHTTP(t *testing.T) {
	srv := newServer(t)
	if code, body := do(t, srv, "PUT", "/v1/items", seedItems); code != 200 || body["upserted"] != 4.0 {
		t.Fatalf("put items: %d %v", code, body)
	}
	events := `[
	 {"user":"u","type":"query","text":"性价比高的运动鞋","session":"h1","ts":"2026-03-01T09:00:00Z"},
	 {"user":"u","type":"query","text":"评价好的咖啡杯","session":"h2","ts":"2026-03-01T11:00:00Z"},
	 {"user":"u","type":"query","text":"口感好的面包","session":"h3","ts":"2026-03-01T13:00:00Z"},
	 {"user":"u","type":"query","text":"舒适的鞋垫","session":"now","ts":"2026-03-02T08:57:00Z"},
	 {"user":"u","type":"view","text":"运动鞋","session":"now","ts":"2026-03-02T08:58:00Z"},
	 {"user":"u","type":"click","item":"A","session":"now","ts":"2026-03-02T08:59:00Z"}]`
	if code, body := do(t, srv, "POST", "/v1/events", events); code != 200 || body["accepted"] != 6.0 {
		t.Fatalf("post events: %d %v", code, body)
	}
	code, body := do(t, srv, "GET", "/v1/users/u/recommendations?n=4&alpha=0.2&at=2026-03-02T09:00:00Z", "")
	if code != 200 {
		t.Fatalf("recommend: %d %v", code, body)
	}
	items := body["items"].([]any)
	first := items[0].(map[string]any)
	if first["id"] != "D" || first["text"] != "跑鞋垫" {
		t.Fatalf("want D first: %v", items)
	}
	because := first["explanation"].(map[string]any)["because"].([]any)[0].(map[string]any)
	if because["text"] != "舒适的鞋垫" || because["current"] != true {
		t.Fatalf("explanation should cite the current query: %v", because)
	}

	stateless := `{"history":[{"type":"query","text":"性价比高的运动鞋"},{"type":"query","text":"评价好的咖啡杯"},{"type":"query","text":"口感好的面包"}],
	 "now":[{"type":"query","text":"舒适的鞋垫"},{"type":"view","text":"运动鞋"},{"type":"click","item":"A"}],"alpha":0.2,"n":3}`
	code, body = do(t, srv, "POST", "/v1/recommend", stateless)
	if code != 200 || body["items"].([]any)[0].(map[string]any)["id"] != "D" {
		t.Fatalf("stateless: %d %v", code, body)
	}

	code, body = do(t, srv, "GET", "/v1/users/u/profile", "")
	if code != 200 || body["events"] != 6.0 || len(body["interests"].([]any)) < 2 {
		t.Fatalf("profile: %d %v", code, body)
	}
	if code, _ := do(t, srv, "DELETE", "/v1/users/u", ""); code != 200 {
		t.Fatalf("delete user: %d", code)
	}
	if code, body := do(t, srv, "GET", "/v1/users/u/profile", ""); code != 404 || body["error"].(map[string]any)["code"] != "not_found" {
		t.Fatalf("profile after delete: %d %v", code, body)
	}
}

func TestBadInput(t *testing.T) {
	srv := newServer(t)
	do(t, srv, "PUT", "/v1/items", seedItems)
	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"unknown event type", "POST", "/v1/events", `[{"user":"u","type":"view","item":"A"},{"user":"u","type":"teleport","item":"A"}]`, 400, "invalid", "[1].type"},
		{"unknown field", "POST", "/v1/events", `[{"user":"u","type":"view","item":"A","colour":"red"}]`, 400, "invalid", "[0].colour"},
		{"wrong type", "POST", "/v1/events", `[{"user":"u","type":"rating","item":"A","value":"five"}]`, 400, "invalid", "[0].value"},
		{"bad timestamp", "POST", "/v1/events", `[{"user":"u","type":"view","item":"A","ts":"yesterday"}]`, 400, "invalid", "[0].ts"},
		{"milliseconds", "POST", "/v1/events", `[{"user":"u","type":"view","item":"A","ts":1700000000000}]`, 400, "invalid", "[0].ts"},
		{"empty user", "POST", "/v1/events", `[{"user":"","type":"view","item":"A"}]`, 400, "invalid", "[0].user"},
		{"no item or text", "POST", "/v1/events", `[{"user":"u","type":"view"}]`, 400, "invalid", "[0]"},
		{"rating without value", "POST", "/v1/events", `[{"user":"u","type":"rating","item":"A"}]`, 400, "invalid", "[0].value"},
		{"object not array", "POST", "/v1/events", `{"user":"u"}`, 400, "invalid", ""},
		{"empty array", "POST", "/v1/events", `[]`, 400, "invalid", ""},
		{"malformed", "POST", "/v1/events", `[{"user":`, 400, "invalid", ""},
		{"trailing data", "POST", "/v1/events", `[{"user":"u","type":"view","item":"A"}] x`, 400, "invalid", ""},
		{"oversize", "POST", "/v1/events", `[{"user":"u","type":"query","text":"` + strings.Repeat("x", 1<<16) + `"}]`, 413, "too_large", ""},
		{"empty item id", "PUT", "/v1/items", `[{"id":"","text":"x"}]`, 400, "invalid", "[0].id"},
		{"categories not array", "PUT", "/v1/items", `[{"id":"x","categories":"shoes"}]`, 400, "invalid", "[0].categories"},
		{"alpha out of range", "GET", "/v1/users/u/recommendations?alpha=2", "", 400, "invalid", "alpha"},
		{"profile alpha out of range", "GET", "/v1/users/u/profile?alpha=-0.5", "", 400, "invalid", "alpha"},
		{"n not a number", "GET", "/v1/users/u/recommendations?n=ten", "", 400, "invalid", "n"},
		{"unknown metric", "GET", "/v1/users/u/recommendations?metric=manhattan", "", 400, "invalid", "metric"},
		{"missing item", "GET", "/v1/items/nope", "", 404, "not_found", ""},
		{"missing profile", "GET", "/v1/users/nobody/profile", "", 404, "not_found", ""},
		{"stateless empty", "POST", "/v1/recommend", `{}`, 400, "invalid", "history"},
		{"stateless bad event", "POST", "/v1/recommend", `{"now":[{"type":"jump","text":"x"}]}`, 400, "invalid", "now[0].type"},
		{"search without q", "GET", "/v1/search", "", 400, "invalid", "q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, srv, tc.method, tc.path, tc.body)
			if code != tc.status {
				t.Fatalf("status %d, want %d (%v)", code, tc.status, body)
			}
			e, ok := body["error"].(map[string]any)
			if !ok || e["code"] != tc.code || e["message"] == "" {
				t.Fatalf("error body %v", body)
			}
			if f, _ := e["field"].(string); f != tc.field {
				t.Fatalf("field %q, want %q (%v)", f, tc.field, e["message"])
			}
		})
	}
	// Nothing from the rejected batches was stored.
	if code, _ := do(t, srv, "GET", "/v1/users/u/profile", ""); code != 404 {
		t.Fatalf("a rejected request stored a profile: %d", code)
	}
}

func TestOpsEndpoints(t *testing.T) {
	srv := newServer(t)
	for _, p := range []string{"/healthz", "/readyz", "/openapi.json"} {
		if code, _ := do(t, srv, "GET", p, ""); code != 200 {
			t.Errorf("%s: %d", p, code)
		}
	}
	do(t, srv, "GET", "/v1/items/nope", "")
	resp, err := srv.Client().Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(raw, []byte(`driftrec_http_requests_total{code="404",route="GET /v1/items/{id}"} 1`)) {
		t.Fatalf("metrics lack the 404 request:\n%s", raw)
	}
	if bytes.Contains(raw, []byte("nope")) {
		t.Fatal("metrics must not contain ids")
	}
	for _, gauge := range []string{"driftrec_catalogue_items", "driftrec_profiles_unflushed"} {
		if !bytes.Contains(raw, []byte("\n"+gauge+" ")) {
			t.Errorf("metrics lack %s:\n%s", gauge, raw)
		}
	}
}

// TestOpenAPICoversRoutes keeps the OpenAPI document and the routes in
// step: every route the server registers is documented and vice versa.
func TestOpenAPICoversRoutes(t *testing.T) {
	srv := newServer(t)
	resp, err := srv.Client().Get(srv.URL + "/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	src, err := readFile("server.go")
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`"(GET|PUT|POST|DELETE) (/[^"]*)"`)
	for _, m := range re.FindAllStringSubmatch(src, -1) {
		route := m[1] + " " + m[2]
		if !documented[route] {
			t.Errorf("route %s is not in openapi.json", route)
		}
		delete(documented, route)
	}
	for r := range documented {
		t.Errorf("openapi.json documents %s, which the server does not register", r)
	}
}
