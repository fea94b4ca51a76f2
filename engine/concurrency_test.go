package engine_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/interest"
)

// TestConcurrentClientsMatchSerial has many clients send events for the
// same users at once and checks that every profile equals the one that
// serial ingestion of the same events, in the order the store logged
// them, builds: concurrency may decide the order, never lose or mix an
// update. Run it with -race.
func TestConcurrentClientsMatchSerial(t *testing.T) {
	for _, flush := range []time.Duration{0, time.Hour} {
		t.Run(fmt.Sprintf("flush=%v", flush), func(t *testing.T) {
			ctx := context.Background()
			st, err := bolt.Open(filepath.Join(t.TempDir(), "d.db"), &bolt.Options{NoSync: true})
			if err != nil {
				t.Fatal(err)
			}
			cfg := engine.DefaultConfig()
			cfg.ProfileFlush = interest.Duration(flush)
			eng, err := engine.Open(ctx, st, lexical.New(lexical.Options{}), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			seedCatalogue(t, eng)

			const clients, calls = 8, 20
			users := []string{"shared", "also-shared"}
			texts := []string{"running shoes", "coffee mug", "fresh bread", "insoles", "跑鞋", "咖啡杯"}
			var tick atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, clients)
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range calls {
						var evs []driftrec.Event
						for k, u := range users[:1+(c+i)%2] { // one user or both
							ts := t0.Add(time.Duration(tick.Add(1)) * time.Second)
							e := driftrec.Event{User: u, Type: driftrec.EventQuery, Text: texts[(c+i+k)%len(texts)], Time: ts, Session: fmt.Sprintf("s%d", c)}
							if (c+i)%3 == 0 {
								e = driftrec.Event{User: u, Type: driftrec.EventClick, Item: []string{"A", "B", "C", "D"}[(c*i+k)%4], Time: ts}
							}
							evs = append(evs, e)
						}
						if _, err := eng.Ingest(ctx, evs); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}

			// Serial replay in log order, one event per call.
			ref, err := engine.Open(ctx, inmem.New(), lexical.New(lexical.Options{}), engine.DefaultConfig())
			if err != nil {
				t.Fatal(err)
			}
			defer ref.Close()
			seedCatalogue(t, ref)
			for _, u := range users {
				evs, err := eng.UserEvents(ctx, u, 0)
				if err != nil {
					t.Fatal(err)
				}
				for i := 1; i < len(evs); i++ {
					if evs[i].Seq <= evs[i-1].Seq {
						t.Fatalf("events of %s out of sequence", u)
					}
				}
				for _, e := range evs {
					e.Seq = 0
					if _, err := ref.Ingest(ctx, []driftrec.Event{e}); err != nil {
						t.Fatal(err)
					}
				}
				got, err := eng.Profile(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				want, err := ref.Profile(ctx, u)
				if err != nil {
					t.Fatal(err)
				}
				if got.Events != len(evs) {
					t.Fatalf("%s: profile counts %d events, the log holds %d", u, got.Events, len(evs))
				}
				got.Version, want.Version = 0, 0
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("%s: the concurrent profile differs from the serial one:\n got  %+v\n want %+v", u, got, want)
				}
			}
		})
	}
}
