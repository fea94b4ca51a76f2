package bolt

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/storetest"
	bbolt "go.etcd.io/bbolt"
)

func openBench(b *testing.B) driftrec.Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkIngest measures durable ingestion (fsync on every commit) by
// profile size, batch size and concurrent writers:
//
//	go test ./bolt -run '^$' -bench 'FsyncReference|Ingest' -benchtime 2s -count 3
func BenchmarkIngest(b *testing.B) {
	storetest.RunIngestBenchmarks(b, func(b *testing.B) driftrec.Store {
		s := openBench(b).(*Store)
		b.Cleanup(func() {
			// How well the group commit shared fsyncs.
			st := s.Stats()
			if st.Commits > 0 {
				b.ReportMetric(float64(st.Calls)/float64(st.Commits), "calls/commit")
			}
		})
		return s
	})
}

// BenchmarkFsyncReference is the disk's fsync rate, the bound of durable
// commits, measured in the same run as the store for ratios.
func BenchmarkFsyncReference(b *testing.B) { storetest.FsyncReference(b) }

// BenchmarkProfile measures reading one profile.
func BenchmarkProfile(b *testing.B) {
	storetest.RunProfileBenchmarks(b, openBench)
}

// BenchmarkGroupCommit compares the store's committer with bbolt's own
// DB.Batch running the same transaction body, for single-event calls: the
// reason the store does not use DB.Batch (see the package doc).
//
//	go test ./bolt -run '^$' -bench GroupCommit -benchtime 2s
func BenchmarkGroupCommit(b *testing.B) {
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("committer/writers=%d", writers), func(b *testing.B) {
			s := openBench(b).(*Store)
			defer s.Close()
			storetest.PopulateBench(b, s, 0)
			storetest.BenchIngest(b, 1, writers, func(ctx context.Context, events []driftrec.Event) error {
				return s.IngestEvents(ctx, events, storetest.BenchApply)
			})
		})
		b.Run(fmt.Sprintf("db.Batch/writers=%d", writers), func(b *testing.B) {
			s := openBench(b).(*Store)
			defer s.Close()
			storetest.PopulateBench(b, s, 0)
			storetest.BenchIngest(b, 1, writers, func(ctx context.Context, events []driftrec.Event) error {
				users, err := driftrec.IngestUsers(events)
				if err != nil {
					return err
				}
				r := &ingestRequest{ctx: ctx, events: events, users: users, apply: storetest.BenchApply}
				if err := s.db.Batch(func(tx *bbolt.Tx) error { return s.ingestTx(tx, r) }); err != nil {
					return err
				}
				return r.err
			})
		})
	}
}

// BenchmarkAppendLarge measures batched appends to a log that already
// holds 500,000 events of 10,000 users, the case the two-tier log is for
// (eventkey.go), folds included, and BenchmarkUserEvents what the tiers
// cost a reader: one user's 50 events, from one range in the second tier
// and one per epoch still in the first.
//
//	go test ./bolt -run '^$' -bench 'AppendLarge|UserEvents' -benchtime 2s
func BenchmarkAppendLarge(b *testing.B) {
	s := openLargeLog(b)
	defer s.Close()
	s.db.NoSync = false // durable from here on, as served
	next := 0
	storetest.BenchIngest(b, 2000, 1, func(ctx context.Context, events []driftrec.Event) error {
		for i := range events {
			events[i].User = largeLogUser(next * 7919)
			next++
		}
		return s.AppendEvents(ctx, events)
	})
}

func BenchmarkUserEvents(b *testing.B) {
	s := openLargeLog(b)
	defer s.Close()
	b.ResetTimer()
	n := 0
	for i := 0; b.Loop(); i++ {
		err := s.UserEvents(b.Context(), largeLogUser(i*7919), func(driftrec.Event) error { n++; return nil })
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/float64(b.N), "events/op")
}

const largeLogUsers = 10000

func largeLogUser(i int) string { return fmt.Sprintf("user-%05d", i%largeLogUsers) }

// openLargeLog opens a store holding 500,000 events, 50 per user,
// interleaved as live traffic would write them.
func openLargeLog(b *testing.B) *Store {
	b.Helper()
	s, err := Open(filepath.Join(b.TempDir(), "bench.db"), &Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	const total, batch = 500000, 10000
	at := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for start := 0; start < total; start += batch {
		events := make([]driftrec.Event, batch)
		for i := range events {
			events[i] = driftrec.Event{User: largeLogUser(start + i), Type: driftrec.EventView, Item: fmt.Sprintf("item-%d", (start+i)%100000), Time: at}
		}
		if err := s.AppendEvents(b.Context(), events); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
