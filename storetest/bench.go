package storetest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/driftrec/driftrec"
)

// BenchUsers is how many users the ingestion benchmarks spread events
// over. Consecutive events go to different users, so a batch of n events
// rewrites min(n, BenchUsers) profiles: the expensive case for a store.
const BenchUsers = 1000

// BenchUser names the i-th benchmark user.
func BenchUser(i int) string { return fmt.Sprintf("user-%04d", i%BenchUsers) }

// benchProfile is what each benchmark user starts with: an empty profile,
// or interests of 512 dimensions (8 of them encode to 17 KB), the bulk of
// what the interest model keeps for an active user.
func benchProfile(user string, interests int) *driftrec.Profile {
	p := &driftrec.Profile{User: user, Encoder: "use-lite/energetic-ai-0.2.0"}
	for i := range interests {
		sum := make([]float32, 512)
		for j := range sum {
			sum[j] = float32(i*j%97) / 97
		}
		p.Interests = append(p.Interests, driftrec.Interest{ID: uint32(i), Sum: sum, Mass: 1, Importance: 0.5})
	}
	return p
}

// PopulateBench gives every benchmark user a profile with the given number
// of 512-dimensional interests.
func PopulateBench(b *testing.B, st driftrec.Store, interests int) {
	b.Helper()
	profiles := make([]*driftrec.Profile, BenchUsers)
	for i := range profiles {
		profiles[i] = benchProfile(BenchUser(i), interests)
	}
	if err := st.PutProfiles(b.Context(), profiles); err != nil {
		b.Fatal(err)
	}
}

// BenchApply is the cheapest model that still reads and rewrites every
// profile, so that ingestion benchmarks measure the store.
func BenchApply(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
	for _, p := range cur {
		p.Events++
	}
	return cur, nil
}

// BenchIngest runs b.N batches of batch events, from writers goroutines,
// through ingest, and reports events/s.
func BenchIngest(b *testing.B, batch, writers int, ingest func(ctx context.Context, events []driftrec.Event) error) {
	var next atomic.Int64
	var failed atomic.Pointer[error]
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := range writers {
		wg.Go(func() {
			events := make([]driftrec.Event, batch)
			for {
				n := next.Add(1) - 1
				if n >= int64(b.N) {
					return
				}
				for i := range events {
					events[i] = driftrec.Event{User: BenchUser(int(n)*batch + i + w), Type: driftrec.EventView, Item: "item-1"}
				}
				if err := ingest(b.Context(), events); err != nil {
					failed.Store(&err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	if err := failed.Load(); err != nil {
		b.Fatal(*err)
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
}

// RunIngestBenchmarks runs IngestEvents by profile size (0 or 8 interests
// of 512 dimensions), batch size (1, 100, 1000 events) and concurrent
// writers (1, 8) on stores from open, which the benchmark closes. Durable
// stores are bounded by the disk's fsync rate, which on a shared machine
// changes from minute to minute: run FsyncReference in the same command
// (adapters wrap it as BenchmarkFsyncReference) and report ratios.
func RunIngestBenchmarks(b *testing.B, open func(b *testing.B) driftrec.Store) {
	for _, interests := range []int{0, 8} {
		for _, batch := range []int{1, 100, 1000} {
			for _, writers := range []int{1, 8} {
				b.Run(fmt.Sprintf("profile=%dx512/batch=%d/writers=%d", interests, batch, writers), func(b *testing.B) {
					st := open(b)
					defer st.Close()
					PopulateBench(b, st, interests)
					BenchIngest(b, batch, writers, func(ctx context.Context, events []driftrec.Event) error {
						return st.IngestEvents(ctx, events, BenchApply)
					})
				})
			}
		}
	}
}

// RunProfileBenchmarks measures reading one profile, empty or with 8
// interests of 512 dimensions.
func RunProfileBenchmarks(b *testing.B, open func(b *testing.B) driftrec.Store) {
	for _, interests := range []int{0, 8} {
		b.Run(fmt.Sprintf("profile=%dx512", interests), func(b *testing.B) {
			st := open(b)
			defer st.Close()
			PopulateBench(b, st, interests)
			i := 0
			for b.Loop() {
				if _, err := st.Profile(b.Context(), BenchUser(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// FsyncReference measures the reference that durable commits pay: writing
// 8 KiB to a file in the benchmark's temporary folder and fdatasync-ing it.
func FsyncReference(b *testing.B) {
	f, err := os.Create(filepath.Join(b.TempDir(), "fsync"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 8<<10)
	for b.Loop() {
		if _, err := f.WriteAt(buf, 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "syncs/s")
}
