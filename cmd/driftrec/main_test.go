package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// binary is the driftrec binary built once for the tests that run it as a
// separate process, as users do.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "driftrec-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "driftrec")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building driftrec: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// server is a driftrec serve process on a loopback port.
type server struct {
	cmd *exec.Cmd
	url string
}

// stop ends a server with SIGTERM and waits for a clean exit.
func (s *server) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- s.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no shutdown after SIGTERM")
	}
}

// startServer runs driftrec serve on a free loopback port; its log is
// shown if it fails to start.
func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	s, logs, err := tryStartCmd(t, exec.Command(binary, append([]string{"serve", "-addr", "127.0.0.1:0", "-log-level", "warn"}, args...)...), nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	return s
}

func (s *server) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), method, s.url+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	json.Unmarshal(raw, &out)
	return resp.StatusCode, out
}

// metric reads one unlabelled sample from the server's /metrics.
func (s *server) metric(t *testing.T, name string) float64 {
	t.Helper()
	resp, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("/metrics has no %s", name)
	return 0
}

func TestServeDemoAndRestart(t *testing.T) {
	data := t.TempDir()
	s := startServer(t, "-data-dir", data, "-demo")
	code, body := s.call(t, "GET", "/readyz", "")
	if code != 200 || body["items"].(float64) < 40 {
		t.Fatalf("readyz: %d %v", code, body)
	}
	code, body = s.call(t, "GET", "/v1/users/chen/recommendations?n=3&alpha=0.2", "")
	if code != 200 || len(body["items"].([]any)) != 3 {
		t.Fatalf("demo recommendations: %d %v", code, body)
	}
	code, _ = s.call(t, "POST", "/v1/events", `[{"user":"durable","type":"query","text":"camping tent"},{"user":"durable","type":"click","item":"en-camp-1"}]`)
	if code != 200 {
		t.Fatalf("events: %d", code)
	}
	// The embedded store's counters are on /metrics: the demo's events
	// and these two, in at least one commit.
	if n := s.metric(t, "driftrec_store_events_total"); n < 27 {
		t.Errorf("driftrec_store_events_total %g, want at least 27", n)
	}
	if n := s.metric(t, "driftrec_store_commits_total"); n < 1 {
		t.Errorf("driftrec_store_commits_total %g, want at least 1", n)
	}
	at := time.Now().UTC().Add(time.Minute).Format(time.RFC3339Nano)
	_, before := s.call(t, "GET", "/v1/users/durable/profile?at="+at, "")

	// SIGKILL: no chance to flush anything; acknowledged events must survive.
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()
	s2 := startServer(t, "-data-dir", data)
	code, after := s2.call(t, "GET", "/v1/users/durable/profile?at="+at, "")
	if code != 200 {
		t.Fatalf("profile after restart: %d %v", code, after)
	}
	for _, k := range []string{"events", "interests", "recent", "short_term", "seen_items"} {
		b, _ := json.Marshal(before[k])
		a, _ := json.Marshal(after[k])
		if string(a) != string(b) {
			t.Errorf("%s differs after restart:\n before %s\n after  %s", k, b, a)
		}
	}
	bi, ai := before["interests"].([]any), after["interests"].([]any)
	if len(bi) != len(ai) || len(ai) == 0 {
		t.Fatalf("interests before %d after %d", len(bi), len(ai))
	}
	code, body = s2.call(t, "GET", "/v1/users/durable/events", "")
	if code != 200 || len(body["events"].([]any)) != 2 {
		t.Fatalf("events after restart: %d %v", code, body)
	}
	// The demo is not loaded twice.
	_, body = s2.call(t, "GET", "/readyz", "")
	if body["items"].(float64) != 44 {
		t.Fatalf("catalogue after restart: %v", body)
	}
	// Graceful stop on SIGTERM.
	s2.stop(t)
}

func TestCLIImportAndRecommend(t *testing.T) {
	data := t.TempDir()
	items := filepath.Join(data, "items.csv")
	os.WriteFile(items, []byte("id,text,categories\nA,跑步鞋,运动鞋\nB,咖啡杯,咖啡\nC,面包,\nD,跑鞋垫,运动鞋\n"), 0o600)
	events := filepath.Join(data, "events.jsonl")
	os.WriteFile(events, []byte(`{"user":"u","type":"query","text":"性价比高的运动鞋","session":"h1","ts":"2026-03-01T09:00:00Z"}
{"user":"u","type":"query","text":"评价好的咖啡杯","session":"h2","ts":"2026-03-01T11:00:00Z"}
{"user":"u","type":"query","text":"口感好的面包","session":"h3","ts":"2026-03-01T13:00:00Z"}
{"user":"u","type":"query","text":"舒适的鞋垫","session":"now","ts":"2026-03-02T08:57:00Z"}
{"user":"u","type":"view","text":"运动鞋","session":"now","ts":"2026-03-02T08:58:00Z"}
{"user":"u","type":"click","item":"A","session":"now","ts":"2026-03-02T08:59:00Z"}
`), 0o600)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(binary, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("driftrec %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("import", "-data-dir", data, "-quiet", "-items", items, "-events", events)
	if !strings.Contains(out, "imported 4 items") || !strings.Contains(out, "imported 6 events") {
		t.Fatalf("import: %s", out)
	}
	// No session is current at the wall clock, so ask as of the session.
	t.Setenv("DRIFTREC_LOG_LEVEL", "warn")
	out = run("recommend", "-data-dir", data, "-user", "u", "-n", "3")
	if !strings.Contains(out, " 1. ") {
		t.Fatalf("recommend: %s", out)
	}
	out = run("version")
	if !strings.HasPrefix(out, "driftrec ") {
		t.Fatalf("version: %s", out)
	}
	cmd := exec.Command(binary, "import", "-data-dir", data)
	if err := cmd.Run(); err == nil {
		t.Fatal("import without files must fail")
	}
	bad := filepath.Join(data, "bad.csv")
	os.WriteFile(bad, []byte("id,txt\nA,x\n"), 0o600)
	b, err := exec.Command(binary, "import", "-data-dir", data, "-items", bad).CombinedOutput()
	if err == nil || !strings.Contains(string(b), `unknown column "txt"`) {
		t.Fatalf("bad import: %v %s", err, b)
	}
	// A bad line after a full batch: the error says how many came in.
	partial := filepath.Join(data, "partial.jsonl")
	os.WriteFile(partial, []byte(`{"user":"p","type":"view","item":"A"}
{"user":"p","type":"view","item":"A"}
{"user":"p","type":"teleport","item":"A"}
`), 0o600)
	b, err = exec.Command(binary, "import", "-data-dir", data, "-batch", "2", "-events", partial).CombinedOutput()
	if err == nil || !strings.Contains(string(b), "line 3") || !strings.Contains(string(b), "the first 2 events were imported") {
		t.Fatalf("partial import: %v %s", err, b)
	}
}
