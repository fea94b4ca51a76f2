package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// applyFunc is the signature of IngestEvents' apply argument.
type applyFunc = func(current map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)

var baseTime = time.Date(2025, 3, 1, 9, 30, 0, 123456789, time.UTC)

func value(v float64) *float64 { return &v }

// testEvents returns n events for user, with every field set on some of
// them.
func testEvents(user string, n int) []driftrec.Event {
	evs := make([]driftrec.Event, n)
	for i := range evs {
		e := driftrec.Event{User: user, Type: driftrec.EventView, Item: fmt.Sprintf("item-%d", i),
			Time: baseTime.Add(time.Duration(i) * time.Minute)}
		switch i % 4 {
		case 1:
			e.Type, e.Item, e.Text = driftrec.EventQuery, "", "性价比高的运动鞋"
		case 2:
			e.Type, e.Value, e.Session = driftrec.EventRating, value(4.5), "s-1"
		case 3:
			e.Type, e.Text, e.Time = driftrec.EventComment, "great cup, 口感好", time.Time{}
		}
		evs[i] = e
	}
	return evs
}

// countingApply is the model that the suite ingests with: it counts each
// user's events, remembers the items and keeps a reference (with a vector)
// to every event. It keeps no state between calls, as IngestEvents
// requires.
func countingApply(events []driftrec.Event) applyFunc {
	return func(current map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		out := map[string]*driftrec.Profile{}
		for _, e := range events {
			p := out[e.User]
			if p == nil {
				if p = current[e.User]; p == nil {
					p = &driftrec.Profile{User: e.User, Encoder: "test/v1"}
				}
				out[e.User] = p
			}
			p.Events++
			p.Updated = e.Time
			if e.Item != "" {
				if p.Seen == nil {
					p.Seen = map[string]struct{}{}
				}
				p.Seen[e.Item] = struct{}{}
			}
			p.Recent = append(p.Recent, driftrec.EventRef{Type: e.Type, Item: e.Item, Text: e.Text, Time: e.Time,
				Weight: 1, Affinity: float32(p.Events)})
		}
		return out, nil
	}
}

// checkEvents compares events read back with those ingested, sequence
// numbers included.
func (s *suite) checkEvents(t *testing.T, got, want []driftrec.Event) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d events, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		s.checkTime(t, fmt.Sprintf("event %d time", i), g.Time, w.Time)
		g.Time, w.Time = time.Time{}, time.Time{}
		if (g.Value == nil) != (w.Value == nil) || (g.Value != nil && *g.Value != *w.Value) {
			t.Fatalf("event %d: value %v, want %v", i, g.Value, w.Value)
		}
		g.Value, w.Value = nil, nil
		if g != w {
			t.Fatalf("event %d: got %+v, want %+v", i, g, w)
		}
	}
}

func userEvents(t *testing.T, st driftrec.Store, user string) []driftrec.Event {
	t.Helper()
	var evs []driftrec.Event
	if err := st.UserEvents(t.Context(), user, func(e driftrec.Event) error {
		evs = append(evs, e)
		return nil
	}); err != nil {
		t.Fatalf("UserEvents(%q): %v", user, err)
	}
	return evs
}

func profileOf(t *testing.T, st driftrec.Store, user string) *driftrec.Profile {
	t.Helper()
	p, err := st.Profile(t.Context(), user)
	if err != nil {
		t.Fatalf("Profile(%q): %v", user, err)
	}
	return p
}

func ingest(t *testing.T, st driftrec.Store, events []driftrec.Event) {
	t.Helper()
	if err := st.IngestEvents(t.Context(), events, countingApply(events)); err != nil {
		t.Fatalf("IngestEvents: %v", err)
	}
}

// checkSeqs fails unless the events carry strictly increasing, non-zero
// sequence numbers, all above after.
func checkSeqs(t *testing.T, events []driftrec.Event, after uint64) {
	t.Helper()
	prev := after
	for i, e := range events {
		if e.Seq <= prev {
			t.Fatalf("event %d has Seq %d, not above %d", i, e.Seq, prev)
		}
		prev = e.Seq
	}
}

// snapshot is everything a store holds about some users, for checking that
// a failed call changed nothing.
type snapshot struct {
	events   map[string][]driftrec.Event
	profiles map[string]*driftrec.Profile
	users    []string
}

func takeSnapshot(t *testing.T, st driftrec.Store, users ...string) snapshot {
	t.Helper()
	snap := snapshot{events: map[string][]driftrec.Event{}, profiles: map[string]*driftrec.Profile{}}
	for _, u := range users {
		snap.events[u] = userEvents(t, st, u)
		p, err := st.Profile(t.Context(), u)
		switch driftrec.ErrorCode(err) {
		case "":
			snap.profiles[u] = p
		case driftrec.ENOTFOUND:
		default:
			t.Fatalf("Profile(%q): %v", u, err)
		}
	}
	snap.users = scanUsers(t, st)
	return snap
}

func (snap snapshot) check(t *testing.T, st driftrec.Store, what string) {
	t.Helper()
	var users []string
	for u := range snap.events {
		users = append(users, u)
	}
	now := takeSnapshot(t, st, users...)
	if !reflect.DeepEqual(now, snap) {
		t.Fatalf("%s changed the store:\n now    %+v\n before %+v", what, now, snap)
	}
}

func (s *suite) testEvents(t *testing.T) {
	t.Run("Ingest", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		// "a" and "ab" share a prefix; a store that keys events by user
		// must keep them apart.
		first := append(testEvents("a", 6), testEvents("ab", 3)...)
		var seen []map[string]*driftrec.Profile
		apply := countingApply(first)
		err := st.IngestEvents(ctx, first, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			seen = append(seen, cur)
			return apply(cur)
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 {
			t.Fatal("IngestEvents never called apply")
		}
		for _, cur := range seen {
			if cur == nil {
				t.Fatal("apply got a nil map; stores pass an empty one so that apply may add to it")
			}
			if len(cur) != 0 {
				t.Fatalf("apply got profiles %v for users that had none", cur)
			}
		}
		checkSeqs(t, first, 0)
		s.checkEvents(t, userEvents(t, st, "a"), first[:6])
		s.checkEvents(t, userEvents(t, st, "ab"), first[6:])
		if evs := userEvents(t, st, "nobody"); len(evs) != 0 {
			t.Fatalf("UserEvents of an unknown user returned %d events", len(evs))
		}

		pa := profileOf(t, st, "a")
		if pa.Events != 6 || pa.Version != 1 || len(pa.Seen) != 4 || len(pa.Recent) != 6 {
			t.Fatalf("profile of a after 6 events: events %d version %d seen %d recent %d; want 6, 1, 4, 6",
				pa.Events, pa.Version, len(pa.Seen), len(pa.Recent))
		}

		// The second call sees exactly what the first stored.
		second := testEvents("a", 2)
		apply = countingApply(second)
		err = st.IngestEvents(ctx, second, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			if len(cur) != 1 || !reflect.DeepEqual(cur["a"], pa) {
				return nil, fmt.Errorf("apply got %+v, want only a's stored profile %+v", cur, pa)
			}
			return apply(cur)
		})
		if err != nil {
			t.Fatal(err)
		}
		checkSeqs(t, second, first[len(first)-1].Seq)
		s.checkEvents(t, userEvents(t, st, "a"), append(slices.Clone(first[:6]), second...))
		if pa = profileOf(t, st, "a"); pa.Events != 8 || pa.Version != 2 {
			t.Fatalf("profile of a after 8 events: events %d version %d; want 8, 2", pa.Events, pa.Version)
		}
	})

	t.Run("ApplyError", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		ingest(t, st, testEvents("a", 3))
		before := takeSnapshot(t, st, "a", "b")
		events := append(testEvents("a", 2), testEvents("b", 2)...)
		boom := errors.New("model failed")
		err := st.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			// Damage what apply was given before failing: the store must
			// not have handed out its own copy.
			if p := cur["a"]; p != nil {
				p.Events = 999
				p.Recent[0].Text = "poison"
				if len(p.Interests) > 0 {
					p.Interests[0].Sum[0] = 42
				}
				p.Seen["poison"] = struct{}{}
			}
			return nil, boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("IngestEvents returned %v, want an error wrapping apply's", err)
		}
		before.check(t, st, "a failed apply")
		for i, e := range events {
			if e.Seq != 0 {
				t.Fatalf("event %d got Seq %d from a failed IngestEvents", i, e.Seq)
			}
		}
	})

	t.Run("ApplyBadResult", func(t *testing.T) {
		tests := []struct {
			name   string
			result func(cur map[string]*driftrec.Profile) map[string]*driftrec.Profile
		}{
			{"user without events", func(map[string]*driftrec.Profile) map[string]*driftrec.Profile {
				return map[string]*driftrec.Profile{"a": {User: "a"}, "stranger": {User: "stranger"}}
			}},
			{"key differs from User", func(map[string]*driftrec.Profile) map[string]*driftrec.Profile {
				return map[string]*driftrec.Profile{"a": {User: "b"}}
			}},
			{"nil profile", func(map[string]*driftrec.Profile) map[string]*driftrec.Profile {
				return map[string]*driftrec.Profile{"a": nil}
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				st := s.newStore(t)
				ingest(t, st, testEvents("a", 1))
				before := takeSnapshot(t, st, "a", "b", "stranger")
				events := testEvents("a", 2)
				err := st.IngestEvents(t.Context(), events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
					return tt.result(cur), nil
				})
				if err == nil {
					t.Fatal("IngestEvents accepted the result")
				}
				before.check(t, st, "a rejected apply result")
			})
		}
	})

	t.Run("PartialResult", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		events := append(testEvents("a", 2), testEvents("b", 2)...)
		apply := countingApply(events)
		err := st.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			out, err := apply(cur)
			delete(out, "b")
			return out, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if p := profileOf(t, st, "a"); p.Events != 2 {
			t.Fatalf("a's profile counts %d events, want 2", p.Events)
		}
		_, err = st.Profile(ctx, "b")
		wantCode(t, err, driftrec.ENOTFOUND, "Profile of a user whose profile apply did not return")
		s.checkEvents(t, userEvents(t, st, "b"), events[2:])
		if users := scanUsers(t, st); !slices.Equal(users, s.listed("a", "b")) {
			t.Fatalf("ScanUsers = %q, want [a b]", users)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		st := s.newStore(t)
		before := takeSnapshot(t, st, "a", "")
		for _, user := range []string{"", "a\x00", "a\nb"} {
			events := append(testEvents("a", 1), driftrec.Event{User: user, Type: driftrec.EventView, Item: "x"})
			err := st.IngestEvents(t.Context(), events, countingApply(events))
			wantCode(t, err, driftrec.EINVALID, fmt.Sprintf("IngestEvents for user %q", user))
		}
		before.check(t, st, "a rejected event")
	})

	t.Run("Empty", func(t *testing.T) {
		st := s.newStore(t)
		if err := st.IngestEvents(t.Context(), nil, countingApply(nil)); err != nil {
			t.Fatalf("IngestEvents with no events: %v", err)
		}
		if users := scanUsers(t, st); len(users) != 0 {
			t.Fatalf("IngestEvents with no events created users %q", users)
		}
	})

	t.Run("UserEventsStops", func(t *testing.T) {
		st := s.newStore(t)
		ingest(t, st, testEvents("a", 5))
		stop := errors.New("stop")
		n := 0
		err := st.UserEvents(t.Context(), "a", func(driftrec.Event) error {
			n++
			if n == 2 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || n != 2 {
			t.Fatalf("UserEvents after fn failed on the second event: visited %d, error %v", n, err)
		}
	})

	t.Run("Large", func(t *testing.T) {
		st := s.newStore(t)
		var events []driftrec.Event
		for u := range 50 {
			events = append(events, testEvents(fmt.Sprintf("user-%02d", u), 40)...)
		}
		ingest(t, st, events)
		checkSeqs(t, events, 0)
		for u := range 50 {
			user := fmt.Sprintf("user-%02d", u)
			s.checkEvents(t, userEvents(t, st, user), events[40*u:40*u+40])
			if p := profileOf(t, st, user); p.Events != 40 || p.Version != 1 {
				t.Fatalf("%s: events %d version %d, want 40, 1", user, p.Events, p.Version)
			}
		}
	})

	t.Run("ConcurrentReaders", func(t *testing.T) {
		st := s.newStore(t)
		ingest(t, st, testEvents("a", 1))
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for range 4 {
			wg.Go(func() {
				for range 20 {
					if _, err := st.Profile(t.Context(), "a"); err != nil {
						errs <- err
						return
					}
					if err := st.UserEvents(t.Context(), "a", func(driftrec.Event) error { return nil }); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		for range 20 {
			ingest(t, st, testEvents("a", 1))
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	})
}
