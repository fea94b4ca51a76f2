package loadgen_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/loadgen"
)

func TestRunSmall(t *testing.T) {
	cfg := engine.DefaultConfig()
	cfg.ProfileFlush = interest.Duration(50 * time.Millisecond)
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{Dim: 128}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}).Handler())
	defer srv.Close()
	// Around and its done func run on Run's goroutine, between phases.
	var timed []string
	var unflushedAtStart []int
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: srv.URL, Items: 300, Users: 20, Duration: 200 * time.Millisecond,
		Clients: []int{1, 2}, Batches: []int{1, 10}, Seed: 1,
		Around: func(name string, clients, batch int) func() {
			unflushedAtStart = append(unflushedAtStart, eng.UnflushedProfiles())
			timed = append(timed, fmt.Sprintf("%s %d×%d", name, clients, batch))
			return func() { timed = append(timed, "end") }
		},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ingest 1×1", "end", "ingest 2×1", "end", "ingest 1×10", "end", "ingest 2×10", "end", "recommend 1×0", "end", "recommend 2×0", "end"}
	if !slices.Equal(timed, want) {
		t.Errorf("timed phases %q, want %q", timed, want)
	}
	// Each timed phase starts after the previous one's profiles are written.
	for i, n := range unflushedAtStart {
		if n != 0 {
			t.Errorf("%s started with %d unflushed profiles", want[2*i], n)
		}
	}
	names := map[string]int{}
	for _, ph := range rep.Phases {
		names[ph.Name]++
		if ph.Errors != 0 || ph.Units == 0 {
			t.Errorf("phase %+v", ph)
		}
	}
	if names["catalogue"] != 1 || names["ingest"] != 4 || names["recommend"] != 2 || names["warm-up"] != 1 {
		t.Fatalf("phases %v", names)
	}
	if eng.Items() != 300 {
		t.Fatalf("catalogue %d", eng.Items())
	}
	if rep.Memory.AfterItems.HeapBytes == 0 {
		t.Fatal("memory not read from /metrics")
	}
}

func TestRefusesRemoteTargets(t *testing.T) {
	for _, target := range []string{"http://192.0.2.1:8080", "http://example.org", "not a url"} {
		_, err := loadgen.Run(context.Background(), loadgen.Config{Target: target}, nil)
		if err == nil || !strings.Contains(err.Error(), "loadgen") {
			t.Errorf("%s: %v", target, err)
		}
	}
}

// A server whose write-behind backlog never drains must end the run with a
// clear error after QuiesceTimeout, not hang or measure a busy server.
func TestQuiesceTimeout(t *testing.T) {
	srv := serverWith(t, "/metrics", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "# HELP driftrec_profiles_unflushed stuck")
		fmt.Fprintln(w, "driftrec_profiles_unflushed 7")
	})
	_, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: srv.URL, Items: 20, Users: 3, Duration: 50 * time.Millisecond,
		Clients: []int{1}, Batches: []int{1}, Seed: 1, QuiesceTimeout: 300 * time.Millisecond,
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "7 unflushed profiles") {
		t.Fatalf("run against a server that never flushes: %v", err)
	}
}

// A server that accepts the catalogue but refuses every event must end the
// run with its error, not leave the warm-up waiting for events forever.
func TestRefusedEventsEndTheRun(t *testing.T) {
	srv := serverWith(t, "/v1/events", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":"ingestion closed"}`, http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := loadgen.Run(ctx, loadgen.Config{
		Target: srv.URL, Items: 50, Users: 5, Duration: 100 * time.Millisecond,
		Clients: []int{1}, Batches: []int{1}, Seed: 1,
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "warm-up") || ctx.Err() != nil {
		t.Fatalf("run against a server refusing events: err %v, context %v", err, ctx.Err())
	}
}

// serverWith serves a fresh engine's API, except that path answers with
// override: a server misbehaving in one way.
func serverWith(t *testing.T, path string, override http.HandlerFunc) *httptest.Server {
	t.Helper()
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{Dim: 64}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	api := httpapi.New(eng, httpapi.Config{}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			override(w, r)
			return
		}
		api.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}
