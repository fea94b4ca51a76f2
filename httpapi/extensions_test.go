package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/generate"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
)

// seedServer serves the seed's worked example: the four items and user u
// with three old queries and a current session, evaluated at a fixed time.
func seedServer(t *testing.T, opts ...httpapi.Option) *httptest.Server {
	t.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{MaxBodyBytes: 1 << 16}, opts...).Handler())
	t.Cleanup(func() { srv.Close(); eng.Close() })
	if code, body := do(t, srv, "PUT", "/v1/items", seedItems); code != 200 {
		t.Fatalf("put items: %d %v", code, body)
	}
	// The session is minutes old, so it is current when the tests run.
	now := time.Now().UTC()
	ts := func(d time.Duration) string { return now.Add(-d).Format(time.RFC3339) }
	events := fmt.Sprintf(`[
	 {"user":"u","type":"query","text":"性价比高的运动鞋","session":"h1","ts":%q},
	 {"user":"u","type":"query","text":"评价好的咖啡杯","session":"h2","ts":%q},
	 {"user":"u","type":"query","text":"口感好的面包","session":"h3","ts":%q},
	 {"user":"u","type":"query","text":"舒适的鞋垫","session":"now","ts":%q},
	 {"user":"u","type":"view","text":"运动鞋","session":"now","ts":%q},
	 {"user":"u","type":"click","item":"A","session":"now","ts":%q},
	 {"user":"u","type":"dislike","item":"B","session":"now","ts":%q}]`,
		ts(72*time.Hour), ts(48*time.Hour), ts(24*time.Hour), ts(3*time.Minute), ts(2*time.Minute), ts(time.Minute), ts(30*time.Second))
	if code, body := do(t, srv, "POST", "/v1/events", events); code != 200 {
		t.Fatalf("post events: %d %v", code, body)
	}
	return srv
}

// getJSON decodes a response into out and returns the status.
func getJSON(t *testing.T, srv *httptest.Server, method, path, body string, out any) int {
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
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("%s %s: %d %q: %v", method, path, resp.StatusCode, raw, err)
	}
	return resp.StatusCode
}

type mapResponse struct {
	Alpha     float64
	Explained [2]float64
	Points    []struct {
		Kind, ID, Label string
		X, Y            float64
		Share           float64
		Interest        *uint32
		Rank            int
	}
}

func TestUserMap(t *testing.T) {
	srv := seedServer(t)
	var m mapResponse
	if code := getJSON(t, srv, "GET", "/v1/users/u/map?alpha=0.2&n=3&exclude_seen=false", "", &m); code != 200 {
		t.Fatalf("map: %d %+v", code, m)
	}
	kinds := map[string]int{}
	for _, p := range m.Points {
		kinds[p.Kind]++
		if p.Kind == "item" && (p.Rank < 1 || p.Interest == nil || p.Label == "") {
			t.Errorf("item point %+v", p)
		}
	}
	if kinds["interest"] < 2 || kinds["session"] != 1 || kinds["dynamic"] != 1 || kinds["item"] != 3 {
		t.Fatalf("points by kind %v", kinds)
	}
	if m.Alpha != 0.2 || m.Explained[0] <= 0 || m.Explained[0] < m.Explained[1] || m.Explained[0]+m.Explained[1] > 1.0001 {
		t.Fatalf("alpha %v explained %v", m.Alpha, m.Explained)
	}
	// The first point is the most important interest, placed in the upper
	// right quadrant.
	if p := m.Points[0]; p.Kind != "interest" || p.X < 0 || p.Y < 0 {
		t.Fatalf("anchor %+v", p)
	}
	// θ_dynamic moves towards the session as α grows.
	dyn := func(alpha string) [2]float64 {
		var m mapResponse
		getJSON(t, srv, "GET", "/v1/users/u/map?n=3&alpha="+alpha, "", &m)
		var d, s [2]float64
		for _, p := range m.Points {
			switch p.Kind {
			case "dynamic":
				d = [2]float64{p.X, p.Y}
			case "session":
				s = [2]float64{p.X, p.Y}
			}
		}
		return [2]float64{d[0] - s[0], d[1] - s[1]}
	}
	far, near := dyn("0.1"), dyn("0.9")
	if near[0]*near[0]+near[1]*near[1] >= far[0]*far[0]+far[1]*far[1] {
		t.Fatalf("θ_dynamic is not closer to the session at α=0.9 (%v) than at 0.1 (%v)", near, far)
	}
	for path, want := range map[string]int{
		"/v1/users/u/map?n=101":      400,
		"/v1/users/u/map?alpha=x":    400,
		"/v1/users/nobody/map":       404,
		"/v1/users/u/map?category=x": 200,
	} {
		var body map[string]any
		if code := getJSON(t, srv, "GET", path, "", &body); code != want {
			t.Errorf("%s: %d, want %d (%v)", path, code, want, body)
		}
	}
}

func TestSummaryAndPhrasedTemplates(t *testing.T) {
	srv := seedServer(t)
	var sum struct{ User, Text, Language, Source, Fallback string }
	if code := getJSON(t, srv, "GET", "/v1/users/u/summary", "", &sum); code != 200 {
		t.Fatalf("summary: %d %+v", code, sum)
	}
	if sum.User != "u" || sum.Language != "zh" || sum.Source != "template" || !strings.HasPrefix(sum.Text, "主要兴趣是") ||
		!strings.Contains(sum.Text, "当前会话：「舒适的鞋垫」") || !strings.Contains(sum.Text, "不喜欢类似「咖啡杯」") {
		t.Fatalf("summary %+v", sum)
	}
	getJSON(t, srv, "GET", "/v1/users/u/summary?lang=en", "", &sum)
	if sum.Language != "en" || !strings.HasPrefix(sum.Text, "Mostly interested in") {
		t.Fatalf("english summary %+v", sum)
	}

	var ph struct {
		Alpha    float64
		Language string
		Source   string
		Items    []struct{ ID, Text, Reason string }
	}
	if code := getJSON(t, srv, "GET", "/v1/users/u/recommendations/phrased?n=3&alpha=0.2", "", &ph); code != 200 {
		t.Fatalf("phrased: %d %+v", code, ph)
	}
	if ph.Alpha != 0.2 || ph.Language != "zh" || ph.Source != "template" || len(ph.Items) == 0 {
		t.Fatalf("phrased %+v", ph)
	}
	if it := ph.Items[0]; it.ID != "D" || it.Reason != "因为你在本次会话中搜索了「舒适的鞋垫」（相似度 "+it.Reason[len("因为你在本次会话中搜索了「舒适的鞋垫」（相似度 "):] {
		t.Fatalf("first item %+v", it)
	}
	if !strings.Contains(ph.Items[0].Reason, "的兴趣") {
		t.Fatalf("reason does not name the interest: %s", ph.Items[0].Reason)
	}
	// A user without a profile gets popular items, phrased as such.
	getJSON(t, srv, "GET", "/v1/users/stranger/recommendations/phrased?n=2&lang=en", "", &ph)
	for _, it := range ph.Items {
		if it.Reason != "Popular with other users right now." {
			t.Fatalf("cold-start reason %q", it.Reason)
		}
	}
	for path, field := range map[string]string{
		"/v1/users/u/summary?lang=fr":                  "lang",
		"/v1/users/u/recommendations/phrased?lang=de":  "lang",
		"/v1/users/u/recommendations/phrased?alpha=-1": "alpha",
	} {
		code, body := do(t, srv, "GET", path, "")
		if e, _ := body["error"].(map[string]any); code != 400 || e["field"] != field {
			t.Errorf("%s: %d %v", path, code, body)
		}
	}
	if code, _ := do(t, srv, "GET", "/v1/users/nobody/summary", ""); code != 404 {
		t.Errorf("summary of an unknown user: %d", code)
	}
}

func TestExpand(t *testing.T) {
	srv := seedServer(t)
	var ex struct {
		Query      string
		Expansion  struct{ Text, Language, Source string }
		SearchText string `json:"search_text"`
		Items      []struct{ ID string }
	}
	if code := getJSON(t, srv, "POST", "/v1/expand", `{"query":"舒适的鞋垫","search":true,"n":2}`, &ex); code != 200 {
		t.Fatalf("expand: %d %+v", code, ex)
	}
	if ex.Expansion.Source != "template" || ex.Expansion.Language != "zh" || !strings.HasPrefix(ex.Expansion.Text, "舒适的鞋垫。相关：") ||
		ex.SearchText != ex.Expansion.Text || len(ex.Items) != 2 || ex.Items[0].ID != "D" {
		t.Fatalf("expansion %+v", ex)
	}
	ex.Items = nil
	getJSON(t, srv, "POST", "/v1/expand", `{"query":"coffee"}`, &ex)
	if ex.Items != nil || ex.Expansion.Language != "en" {
		t.Fatalf("expansion without search %+v", ex)
	}
	tests := []struct{ body, field string }{
		{`{}`, "query"},
		{`{"query":"   "}`, "query"},
		{`{"query":"` + strings.Repeat("x", 1001) + `"}`, "query"},
		{`{"query":"x","lang":"fr"}`, "lang"},
		{`{"query":"x","n":5000}`, "n"},
		{`{"query":"x","colour":"red"}`, "colour"},
		{`{"query":1}`, "query"},
	}
	for _, tc := range tests {
		code, body := do(t, srv, "POST", "/v1/expand", tc.body)
		if e, _ := body["error"].(map[string]any); code != 400 || e["field"] != tc.field {
			t.Errorf("%.40s: %d %v", tc.body, code, body)
		}
	}
}

// TestGenerativeRoutesWithModel runs the routes against a local server
// speaking the chat-completions protocol, and against one that fails.
func TestGenerativeRoutesWithModel(t *testing.T) {
	var fail atomic.Bool
	chatSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fail.Load() {
			http.Error(w, `{"error":{"message":"model is loading"}}`, http.StatusServiceUnavailable)
			return
		}
		var req struct {
			Messages []struct{ Content string }
		}
		json.NewDecoder(r.Body).Decode(&req)
		content := "陈喜欢跑步装备，最近在找鞋垫。"
		if strings.Contains(req.Messages[0].Content, "JSON array") {
			content = `["理由一","理由二"]`
		}
		json.NewEncoder(w).Encode(map[string]any{"choices": []any{map[string]any{"message": map[string]string{"role": "assistant", "content": content}}}})
	}))
	defer chatSrv.Close()
	chat, err := generate.NewChat(generate.ChatConfig{BaseURL: chatSrv.URL + "/v1", Model: "tiny", MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	srv := seedServer(t, httpapi.WithGenerator(generate.New(chat, generate.WithLogger(discardLogger()))))
	var sum struct{ Text, Source, Model, Fallback string }
	getJSON(t, srv, "GET", "/v1/users/u/summary", "", &sum)
	if sum.Source != "model" || sum.Model != "tiny" || sum.Text != "陈喜欢跑步装备，最近在找鞋垫。" {
		t.Fatalf("summary %+v", sum)
	}
	var ph struct {
		Source string
		Items  []struct{ Reason string }
	}
	getJSON(t, srv, "GET", "/v1/users/u/recommendations/phrased?n=2", "", &ph)
	if ph.Source != "model" || len(ph.Items) != 2 || ph.Items[1].Reason != "理由二" {
		t.Fatalf("phrased %+v", ph)
	}
	fail.Store(true)
	getJSON(t, srv, "GET", "/v1/users/u/summary", "", &sum)
	if sum.Source != "template" || !strings.Contains(sum.Fallback, "model is loading") || !strings.HasPrefix(sum.Text, "主要兴趣是") {
		t.Fatalf("summary after a model failure %+v", sum)
	}
}

func TestEvalReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.json")
	// Not written yet: a clear 404.
	srv := seedServer(t, httpapi.WithEvalReport(report))
	code, body := do(t, srv, "GET", "/v1/eval/report", "")
	if e, _ := body["error"].(map[string]any); code != 404 || !strings.Contains(fmt.Sprint(e["message"]), "driftrec eval") {
		t.Fatalf("absent report: %d %v", code, body)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(report, []byte(`{"dataset":"ml-latest-small","methods":{"pop":{"test":{"ndcg@10":0.019}}},"best_by_validation":"pop"}`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "ndcg.svg"), []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 0o644))
	must(os.WriteFile(filepath.Join(dir, "a-recall.png"), []byte("\x89PNG\r\n\x1a\n"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("x"), 0o644))
	must(os.Mkdir(filepath.Join(dir, "sub.svg"), 0o755))
	outside := filepath.Join(t.TempDir(), "secret.svg")
	must(os.WriteFile(outside, []byte("<svg/>"), 0o644))
	must(os.Symlink(outside, filepath.Join(dir, "escape.svg")))

	var rep struct {
		File   string
		Report map[string]any
		Plots  []string
	}
	if code := getJSON(t, srv, "GET", "/v1/eval/report", "", &rep); code != 200 {
		t.Fatalf("report: %d", code)
	}
	if rep.File != "report.json" || rep.Report["best_by_validation"] != "pop" || strings.Join(rep.Plots, ",") != "a-recall.png,ndcg.svg" {
		t.Fatalf("report %+v", rep)
	}
	resp, err := srv.Client().Get(srv.URL + "/v1/eval/files/ndcg.svg")
	must(err)
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" ||
		!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") || !strings.HasPrefix(string(raw), "<svg") {
		t.Fatalf("plot: %d %v %q", resp.StatusCode, resp.Header, raw)
	}
	for _, name := range []string{"notes.txt", "sub.svg", "escape.svg", "..%2Fsecret.svg", "%2E%2E%2Freport.json", "missing.svg", ".hidden.svg"} {
		resp, err := srv.Client().Get(srv.URL + "/v1/eval/files/" + name)
		must(err)
		resp.Body.Close()
		if resp.StatusCode != 404 {
			t.Errorf("%s: %d, want 404", name, resp.StatusCode)
		}
	}
	// Half-written by a running evaluation.
	must(os.WriteFile(report, []byte(`{"dataset":`), 0o644))
	if code, body := do(t, srv, "GET", "/v1/eval/report", ""); code != 503 {
		t.Fatalf("truncated report: %d %v", code, body)
	}
	// Not configured at all.
	if code, _ := do(t, seedServer(t), "GET", "/v1/eval/report", ""); code != 404 {
		t.Fatalf("unconfigured report: %d", code)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
