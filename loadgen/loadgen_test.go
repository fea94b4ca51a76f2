package loadgen_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/loadgen"
)

func TestRunSmall(t *testing.T) {
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{Dim: 128}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	srv := httptest.NewServer(httpapi.New(eng, httpapi.Config{}).Handler())
	defer srv.Close()
	rep, err := loadgen.Run(context.Background(), loadgen.Config{
		Target: srv.URL, Items: 300, Users: 20, Duration: 200 * time.Millisecond,
		Clients: []int{1, 2}, Batches: []int{1, 10}, Seed: 1,
	}, nil)
	if err != nil {
		t.Fatal(err)
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

// A server that accepts the catalogue but refuses every event must end the
// run with its error, not leave the warm-up waiting for events forever.
func TestRefusedEventsEndTheRun(t *testing.T) {
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{Dim: 64}), engine.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	api := httpapi.New(eng, httpapi.Config{}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/events" {
			http.Error(w, `{"error":"ingestion closed"}`, http.StatusServiceUnavailable)
			return
		}
		api.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = loadgen.Run(ctx, loadgen.Config{
		Target: srv.URL, Items: 50, Users: 5, Duration: 100 * time.Millisecond,
		Clients: []int{1}, Batches: []int{1}, Seed: 1,
	}, nil)
	if err == nil || !strings.Contains(err.Error(), "warm-up") || ctx.Err() != nil {
		t.Fatalf("run against a server refusing events: err %v, context %v", err, ctx.Err())
	}
}
