package index

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestHNSWConcurrent runs searches, Vector and Len in parallel with a
// writer that adds, replaces and removes items (and so triggers repairs).
// Run it with -race; it also checks that every result is well-formed.
func TestHNSWConcurrent(t *testing.T) {
	d := makeDataset(t, 1500, 30, 16, 41, true)
	h, err := NewHNSW(HNSWConfig{Seed: 6, BuildWorkers: 2, MaxDeletedRatio: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	if err := h.AddBatch(context.Background(), entries(d, func(i int) []string {
		return []string{[]string{"x", "y"}[i%2]}
	})[:1000]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for r := range 3 {
		wg.Go(func() {
			for i := 0; ctx.Err() == nil; i++ {
				f := Filter{}
				if i%3 == 1 {
					f.Categories = []string{"x"}
				}
				hits := h.Search(d.query((i+r)%30), 10, Cosine, f)
				if len(hits) != 10 {
					errs <- "search returned fewer than 10 hits"
					return
				}
				for j := 1; j < len(hits); j++ {
					if worse(hits[j-1], hits[j]) {
						errs <- "hits out of order"
						return
					}
				}
				h.Vector(hits[0].ID)
				h.Len()
			}
		})
	}
	for i := 1000; i < 1500; i++ {
		if err := h.Add(itemID(i), d.item(i), []string{"x"}); err != nil {
			t.Fatal(err)
		}
		h.Remove(itemID(i - 1000))
		if i%5 == 0 {
			if err := h.Add(itemID(i-1), d.item(i-500), []string{"y"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	batch := entries(d, nil)[:200]
	if err := h.AddBatch(context.Background(), batch); err != nil {
		t.Fatal(err)
	}
	cancel()
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if got, want := h.Len(), 1200; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
}

// TestHNSWAddBatchCancelled stops a parallel build half-way: the index
// keeps the items inserted so far, all searchable, and accepts more.
func TestHNSWAddBatchCancelled(t *testing.T) {
	d := makeDataset(t, 3000, 10, 16, 42, true)
	es := entries(d, nil)
	h, _ := NewHNSW(HNSWConfig{Seed: 7, BuildWorkers: 2})
	ctx := &countdownCtx{Context: context.Background()}
	ctx.left.Store(1200)
	err := h.AddBatch(ctx, es)
	count := h.Len()
	if err == nil && count != len(es) {
		t.Fatalf("AddBatch returned nil with %d of %d items", count, len(es))
	}
	if err != nil {
		t.Logf("cancelled after %d of %d items: %v", count, len(es), err)
	}
	if got := reachable(h); got != count {
		t.Errorf("%d of %d items reachable", got, count)
	}
	if err := h.AddBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	if h.Len() != len(es) {
		t.Errorf("Len = %d after completing, want %d", h.Len(), len(es))
	}
	if got := reachable(h); got != len(es) {
		t.Errorf("%d of %d items reachable after completing", got, len(es))
	}
}

// countdownCtx reports cancellation after its Err has been asked a number
// of times: a deterministic way to stop a build part-way.
type countdownCtx struct {
	context.Context
	left atomic.Int64
}

func (c *countdownCtx) Err() error {
	if c.left.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}
