package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/interest"
)

func openWriteBehind(t *testing.T, path string) *engine.Engine {
	t.Helper()
	st, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.DefaultConfig()
	cfg.ProfileFlush = interest.Duration(time.Hour) // only Close and Flush write profiles
	eng, err := engine.Open(context.Background(), st, lexical.New(lexical.Options{}), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return eng
}

func ingestSome(t *testing.T, eng *engine.Engine, users int, rounds int) {
	t.Helper()
	for r := 0; r < rounds; r++ {
		var evs []driftrec.Event
		for u := 0; u < users; u++ {
			evs = append(evs,
				driftrec.Event{User: fmt.Sprintf("u%d", u), Type: driftrec.EventQuery, Text: []string{"跑鞋", "coffee mug", "camping tent", "面包"}[(u+r)%4], Time: t0.Add(time.Duration(r) * time.Minute)},
				driftrec.Event{User: fmt.Sprintf("u%d", u), Type: driftrec.EventClick, Item: []string{"A", "B", "C", "D"}[(u*r)%4], Time: t0.Add(time.Duration(r)*time.Minute + time.Second)})
		}
		if _, err := eng.Ingest(context.Background(), evs); err != nil {
			t.Fatal(err)
		}
	}
}

func snapshot(t *testing.T, eng *engine.Engine, users int) map[string]*driftrec.Profile {
	t.Helper()
	out := map[string]*driftrec.Profile{}
	for u := 0; u < users; u++ {
		p, err := eng.Profile(context.Background(), fmt.Sprintf("u%d", u))
		if err != nil {
			t.Fatal(err)
		}
		p.Version = 0 // assigned by the store on every write
		out[p.User] = p
	}
	return out
}

func TestWriteBehindCleanRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wb.db")
	eng := openWriteBehind(t, path)
	seedCatalogue(t, eng)
	ingestSome(t, eng, 5, 6)
	before := snapshot(t, eng, 5)
	if before["u0"].Events != 12 {
		t.Fatalf("profile must reflect events before any flush: %d events", before["u0"].Events)
	}
	if n := eng.UnflushedProfiles(); n != 5 {
		t.Fatalf("backlog before a flush: %d profiles, want 5", n)
	}
	if err := eng.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := eng.UnflushedProfiles(); n != 0 {
		t.Fatalf("backlog after a flush: %d profiles, want 0", n)
	}
	ingestSome(t, eng, 2, 1)
	before = snapshot(t, eng, 5)
	if n := eng.UnflushedProfiles(); n != 2 {
		t.Fatalf("backlog after two users' events: %d profiles, want 2", n)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	eng = openWriteBehind(t, path)
	defer eng.Close()
	if after := snapshot(t, eng, 5); !reflect.DeepEqual(before, after) {
		t.Fatal("profiles differ after a clean restart")
	}
}

// TestWriteBehindCrashRecovery closes the store under the engine, as a
// crash would leave it: no flush, no clean-shutdown mark. Reopening must
// replay the log into exactly the profiles the engine held.
func TestWriteBehindCrashRecovery(t *testing.T) {
	path := filepath.Join(t.TempDir(), "wb.db")
	eng := openWriteBehind(t, path)
	seedCatalogue(t, eng)
	ingestSome(t, eng, 4, 3)
	if err := eng.Flush(context.Background()); err != nil { // some state on disk
		t.Fatal(err)
	}
	ingestSome(t, eng, 6, 4) // more, unflushed, some users new
	before := snapshot(t, eng, 6)
	if err := eng.Store().Close(); err != nil { // the crash
		t.Fatal(err)
	}
	eng = openWriteBehind(t, path)
	defer eng.Close()
	after := snapshot(t, eng, 6)
	for u := range before {
		if !reflect.DeepEqual(before[u], after[u]) {
			t.Errorf("%s: recovered profile differs: %d events before, %d after", u, before[u].Events, after[u].Events)
		}
	}
}

func TestWriteBehindConcurrentSameUser(t *testing.T) {
	eng := openWriteBehind(t, filepath.Join(t.TempDir(), "wb.db"))
	defer eng.Close()
	seedCatalogue(t, eng)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				_, err := eng.Ingest(context.Background(), []driftrec.Event{{User: "same", Type: driftrec.EventClick, Item: "A", Time: t0.Add(time.Duration(g*100+i) * time.Second)}})
				if err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	p, err := eng.Profile(context.Background(), "same")
	if err != nil || p.Events != 200 {
		t.Fatalf("lost updates: %d events of 200 (%v)", p.Events, err)
	}
	evs, _ := eng.UserEvents(context.Background(), "same", 0)
	if len(evs) != 200 {
		t.Fatalf("%d events stored", len(evs))
	}
}
