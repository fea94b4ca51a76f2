package engine_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
)

// benchEngine opens an engine on a real bbolt file (fsync on every commit)
// with a catalogue of n items.
func benchEngine(b *testing.B, n int) *engine.Engine {
	b.Helper()
	st, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	eng, err := engine.Open(context.Background(), st, lexical.New(lexical.Options{}), engine.DefaultConfig())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { eng.Close() })
	words := []string{"running", "shoes", "coffee", "mug", "camping", "tent", "laptop", "bag", "bread", "insole", "wireless", "headphones"}
	rng := rand.New(rand.NewPCG(1, 1))
	var items []driftrec.Item
	for i := 0; i < n; i++ {
		items = append(items, driftrec.Item{ID: fmt.Sprintf("i%d", i), Text: words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + fmt.Sprintf(" model %d", i)})
	}
	for start := 0; start < n; start += 5000 {
		if _, err := eng.UpsertItems(context.Background(), items[start:min(start+5000, n)]); err != nil {
			b.Fatal(err)
		}
	}
	return eng
}

// BenchmarkIngestDurable measures item events per second through the whole
// path (validation, vectors, interest model, durable bbolt commit) for
// batch sizes and concurrent clients.
func BenchmarkIngestDurable(b *testing.B) {
	for _, bc := range []struct{ batch, clients int }{{1, 1}, {1, 8}, {100, 1}, {1000, 1}} {
		b.Run(fmt.Sprintf("batch=%d/clients=%d", bc.batch, bc.clients), func(b *testing.B) {
			eng := benchEngine(b, 2000)
			ctx := context.Background()
			t0 := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			var total atomic.Int64 // whole batches, so more than b.N when b.N is small
			per := b.N/bc.clients + 1
			for c := 0; c < bc.clients; c++ {
				wg.Add(1)
				go func(c int) {
					defer wg.Done()
					rng := rand.New(rand.NewPCG(uint64(c), 7))
					evs := make([]driftrec.Event, 0, bc.batch)
					for sent := 0; sent < per; {
						evs = evs[:0]
						for len(evs) < bc.batch {
							evs = append(evs, driftrec.Event{
								User: fmt.Sprintf("u%d", rng.IntN(1000)), Type: driftrec.EventClick,
								Item: fmt.Sprintf("i%d", rng.IntN(2000)), Time: t0.Add(time.Duration(sent) * time.Millisecond),
							})
						}
						if _, err := eng.Ingest(ctx, evs); err != nil {
							b.Error(err)
							return
						}
						sent += len(evs)
						total.Add(int64(len(evs)))
					}
				}(c)
			}
			wg.Wait()
			b.ReportMetric(float64(total.Load())/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkRecommendEngine10k measures a recommendation for a user with
// 200 events over 10,000 items, profile loaded from the bbolt store.
func BenchmarkRecommendEngine10k(b *testing.B) {
	eng := benchEngine(b, 10000)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2, 2))
	t0 := time.Now().Add(-time.Hour)
	var evs []driftrec.Event
	for i := 0; i < 200; i++ {
		evs = append(evs, driftrec.Event{User: "u", Type: driftrec.EventClick, Item: fmt.Sprintf("i%d", rng.IntN(10000)), Time: t0.Add(time.Duration(i) * time.Second)})
	}
	if _, err := eng.Ingest(ctx, evs); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := eng.Recommend(ctx, "u", engine.RecommendOptions{N: 10, Explain: true}); err != nil {
			b.Fatal(err)
		}
	}
}
