package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// checkSerialised checks that a user's profile is the result of applying
// every one of its logged events exactly once, in log order, in the given
// number of committed updates: the counting model appends each event to
// Recent, so Recent must mirror the log.
func checkSerialised(t *testing.T, st driftrec.Store, user string, want, commits int) {
	t.Helper()
	evs := userEvents(t, st, user)
	if len(evs) != want {
		t.Fatalf("%s has %d events, want %d", user, len(evs), want)
	}
	checkSeqs(t, evs, 0)
	p := profileOf(t, st, user)
	if p.Events != want || p.Version != uint64(commits) || len(p.Recent) != want {
		t.Fatalf("%s: profile counts %d events at version %d with %d recent, want %d events at version %d (lost update)",
			user, p.Events, p.Version, len(p.Recent), want, commits)
	}
	for i := range evs {
		if p.Recent[i].Item != evs[i].Item {
			t.Fatalf("%s: event %d of the log is %q but the profile applied %q there", user, i, evs[i].Item, p.Recent[i].Item)
		}
	}
}

// IngestConcurrently runs writers goroutines that each ingest perWriter
// batches built by batch (writer and round as arguments) with the counting
// model, and returns the first error. It is exported for adapters that
// check concurrency across several store instances (replicas).
func IngestConcurrently(ctx context.Context, stores []driftrec.Store, writers, perWriter int, batch func(w, i int) []driftrec.Event) error {
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		st := stores[w%len(stores)]
		wg.Go(func() {
			var last uint64
			for i := range perWriter {
				events := batch(w, i)
				if err := st.IngestEvents(ctx, events, countingApply(events)); err != nil {
					errs <- fmt.Errorf("writer %d, batch %d: %w", w, i, err)
					return
				}
				for _, e := range events {
					if e.Seq <= last {
						errs <- fmt.Errorf("writer %d, batch %d: Seq %d after %d", w, i, e.Seq, last)
						return
					}
					last = e.Seq
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// CheckCountingModel checks, after IngestConcurrently, that the user's
// profile applied each of its logged events exactly once, in log order, in
// the given number of commits.
func CheckCountingModel(t *testing.T, st driftrec.Store, user string, events, commits int) {
	t.Helper()
	checkSerialised(t, st, user, events, commits)
}

func (s *suite) testConcurrency(t *testing.T) {
	t.Run("SameUser", func(t *testing.T) {
		st := s.newStore(t)
		const writers, perWriter = 8, 25
		err := IngestConcurrently(t.Context(), []driftrec.Store{st}, writers, perWriter, func(w, i int) []driftrec.Event {
			return []driftrec.Event{{User: "hot", Type: driftrec.EventView, Item: fmt.Sprintf("w%d-%d", w, i),
				Time: baseTime.Add(time.Duration(i) * time.Second)}}
		})
		if err != nil {
			t.Fatal(err)
		}
		checkSerialised(t, st, "hot", writers*perWriter, writers*perWriter)
	})

	t.Run("CrossingUsers", func(t *testing.T) {
		// Every batch touches the same three users, listed in a different
		// order by each writer: a store that locks users in the order it
		// meets them deadlocks here.
		st := s.newStore(t)
		users := []string{"x", "y", "z"}
		const writers, perWriter = 6, 10
		err := IngestConcurrently(t.Context(), []driftrec.Store{st}, writers, perWriter, func(w, i int) []driftrec.Event {
			var events []driftrec.Event
			for k := range users {
				u := users[(w+k)%len(users)]
				if w%2 == 1 {
					u = users[(len(users)-1+w-k)%len(users)]
				}
				events = append(events, driftrec.Event{User: u, Type: driftrec.EventClick,
					Item: fmt.Sprintf("%s-w%d-%d", u, w, i), Time: baseTime})
			}
			return events
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range users {
			checkSerialised(t, st, u, writers*perWriter, writers*perWriter)
		}
	})

	t.Run("DisjointUsers", func(t *testing.T) {
		st := s.newStore(t)
		const writers, perWriter = 8, 10
		err := IngestConcurrently(t.Context(), []driftrec.Store{st}, writers, perWriter, func(w, i int) []driftrec.Event {
			u := fmt.Sprintf("user-%d", w)
			return []driftrec.Event{
				{User: u, Type: driftrec.EventView, Item: fmt.Sprintf("a-%d", i), Time: baseTime},
				{User: u, Type: driftrec.EventView, Item: fmt.Sprintf("b-%d", i), Time: baseTime},
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		for w := range writers {
			checkSerialised(t, st, fmt.Sprintf("user-%d", w), 2*perWriter, perWriter)
		}
	})
}

func (s *suite) testContext(t *testing.T) {
	t.Run("Canceled", func(t *testing.T) {
		st := s.newStore(t)
		ingest(t, st, testEvents("a", 1))
		if err := st.PutItems(t.Context(), []driftrec.EmbeddedItem{testItem("i", 4, 1)}); err != nil {
			t.Fatal(err)
		}
		before := takeSnapshot(t, st, "a")
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		events := testEvents("a", 2)
		calls := []struct {
			name string
			call func() error
		}{
			{"IngestEvents", func() error { return st.IngestEvents(ctx, events, countingApply(events)) }},
			{"PutItems", func() error { return st.PutItems(ctx, []driftrec.EmbeddedItem{testItem("j", 4, 1)}) }},
			{"DeleteItems", func() error { _, err := st.DeleteItems(ctx, []string{"i"}); return err }},
			{"PutProfiles", func() error { return st.PutProfiles(ctx, []*driftrec.Profile{testProfile("a", 2)}) }},
			{"DeleteUser", func() error { _, err := st.DeleteUser(ctx, "a"); return err }},
			{"PutMeta", func() error { return st.PutMeta(ctx, "k", []byte("v")) }},
			{"Item", func() error { _, err := st.Item(ctx, "i"); return err }},
			{"ScanItems", func() error { return st.ScanItems(ctx, func(driftrec.EmbeddedItem) error { return nil }) }},
			{"UserEvents", func() error { return st.UserEvents(ctx, "a", func(driftrec.Event) error { return nil }) }},
			{"Profile", func() error { _, err := st.Profile(ctx, "a"); return err }},
			{"ScanUsers", func() error { return st.ScanUsers(ctx, func(string) error { return nil }) }},
			{"Meta", func() error { _, err := st.Meta(ctx, "k"); return err }},
		}
		for _, c := range calls {
			if err := c.call(); !errors.Is(err, context.Canceled) {
				t.Errorf("%s with a canceled context returned %v, want context.Canceled", c.name, err)
			}
		}
		before.check(t, st, "calls with a canceled context")
		if _, err := st.Item(t.Context(), "i"); err != nil {
			t.Fatalf("the item survived no canceled call: %v", err)
		}
		if _, err := st.Item(t.Context(), "j"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
			t.Fatalf("PutItems with a canceled context stored the item (Item: %v)", err)
		}
		if _, err := st.Meta(t.Context(), "k"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
			t.Fatalf("PutMeta with a canceled context stored the value (Meta: %v)", err)
		}
	})

	t.Run("CanceledDuringScan", func(t *testing.T) {
		st := s.newStore(t)
		var items []driftrec.EmbeddedItem
		for i := range 50 {
			items = append(items, testItem(fmt.Sprintf("i%02d", i), 4, 1))
		}
		if err := st.PutItems(t.Context(), items); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		n := 0
		err := st.ScanItems(ctx, func(driftrec.EmbeddedItem) error {
			n++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || n >= len(items) {
			t.Fatalf("ScanItems canceled after the first item: visited %d of %d, error %v", n, len(items), err)
		}
	})

	t.Run("CanceledDuringApply", func(t *testing.T) {
		// Whatever IngestEvents answers must be the truth: nil means both
		// events and profiles are stored, an error means neither is.
		st := s.newStore(t)
		for round := range 5 {
			ctx, cancel := context.WithCancel(t.Context())
			events := testEvents("a", 1)
			apply := countingApply(events)
			before := takeSnapshot(t, st, "a")
			err := st.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
				cancel()
				return apply(cur)
			})
			cancel()
			if err != nil {
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("round %d: IngestEvents returned %v, want nil or context.Canceled", round, err)
				}
				before.check(t, st, "an IngestEvents that reported cancellation")
				continue
			}
			if n := len(userEvents(t, st, "a")); n != len(before.events["a"])+1 {
				t.Fatalf("round %d: IngestEvents succeeded but a has %d events, want %d", round, n, len(before.events["a"])+1)
			}
		}
		if evs := userEvents(t, st, "a"); len(evs) > 0 {
			checkSerialised(t, st, "a", len(evs), len(evs))
		}
	})
}

func (s *suite) testClosed(t *testing.T) {
	st := s.open(t)
	if err := st.PutItems(t.Context(), []driftrec.EmbeddedItem{testItem("i", 4, 1)}); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	ctx := t.Context()
	events := testEvents("a", 1)
	if err := st.IngestEvents(ctx, events, countingApply(events)); err == nil {
		t.Error("IngestEvents on a closed store succeeded")
	}
	if _, err := st.Item(ctx, "i"); err == nil {
		t.Error("Item on a closed store succeeded")
	}
	if err := st.PutMeta(ctx, "k", nil); err == nil {
		t.Error("PutMeta on a closed store succeeded")
	}
	_ = st.Close() // a second Close must not panic; its error is the adapter's choice
}

func (s *suite) testReopen(t *testing.T) {
	h := s.newStore(t)
	ctx := t.Context()
	items := []driftrec.EmbeddedItem{testItem("a", 512, 1), testItem("b", 8, 2)}
	if err := h.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	events := append(testEvents("u1", 5), testEvents("u2", 3)...)
	ingest(t, h, events)
	if err := h.PutProfiles(ctx, []*driftrec.Profile{testProfile("u3", 64)}); err != nil {
		t.Fatal(err)
	}
	if err := h.PutMeta(ctx, "encoder", []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, h, "u1", "u2", "u3")

	s.reopenStore(t, h)

	for _, want := range items {
		got, err := h.Item(ctx, want.ID)
		if err != nil {
			t.Fatalf("after reopen, Item(%q): %v", want.ID, err)
		}
		s.checkItem(t, got, want)
	}
	before.check(t, h, "reopening")
	s.checkEvents(t, userEvents(t, h, "u1"), events[:5])
	if v, err := h.Meta(ctx, "encoder"); err != nil || !slices.Equal(v, []byte{1, 2, 3}) {
		t.Fatalf("after reopen, Meta = %v, %v", v, err)
	}

	// Sequence numbers continue above those assigned before.
	more := testEvents("u1", 1)
	ingest(t, h, more)
	checkSeqs(t, more, events[len(events)-1].Seq)
	if existed, err := h.DeleteUser(ctx, "u2"); err != nil || !existed {
		t.Fatalf("DeleteUser = %v, %v", existed, err)
	}
	if _, err := h.DeleteItems(ctx, []string{"b"}); err != nil {
		t.Fatal(err)
	}
	after := takeSnapshot(t, h, "u1", "u2", "u3")

	s.reopenStore(t, h)
	after.check(t, h, "a second reopen")
	if _, err := h.Item(ctx, "b"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		t.Fatalf("a deleted item came back after reopen: %v", err)
	}
}
