package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// testProfile returns a profile with every field set, nanosecond times and
// vectors of dim dimensions that start with a negative zero, which a lossy
// store would turn into a positive one.
func testProfile(user string, dim int) *driftrec.Profile {
	vec := func(seed float32) []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = seed + float32(i)*0.001
		}
		v[0] = float32(math.Copysign(0, -1))
		return v
	}
	t0 := time.Date(2025, 4, 5, 6, 7, 8, 999999999, time.UTC)
	ref := driftrec.EventRef{Type: driftrec.EventQuery, Text: "评价好的咖啡杯", Time: t0, Weight: 0.2, Affinity: 0.75}
	return &driftrec.Profile{
		User: user, Encoder: "use-lite/energetic-ai-0.2.0", Updated: t0, Events: 41, NextInterestID: 3,
		Interests: []driftrec.Interest{
			{ID: 1, Sum: vec(1), Mass: 2.5, Importance: 0.7, Count: 30, Created: t0.Add(-48 * time.Hour), Updated: t0,
				Exemplars: []driftrec.EventRef{ref}, Trace: []driftrec.TracePoint{{Time: t0, Importance: 0.7}}},
			{ID: 2, Sum: vec(2), Mass: 1, Importance: 0.3, Count: 11, Created: t0, Updated: t0},
		},
		Short:    driftrec.ShortTerm{Session: "s-7", Sum: vec(4), Weight: 0.9, Updated: t0, Events: []driftrec.EventRef{ref}},
		Negative: driftrec.Signal{Sum: vec(5), Weight: 0.1, Updated: t0},
		Recent:   []driftrec.EventRef{ref, {Type: driftrec.EventClick, Item: "跑鞋", Time: t0, Weight: 1}},
		Seen:     map[string]struct{}{"跑鞋": {}, "cup": {}},
	}
}

// withVersion returns a copy of p with the given Version, the one field a
// store assigns.
func withVersion(p *driftrec.Profile, v uint64) *driftrec.Profile {
	q := p.Clone()
	q.Version = v
	return q
}

func (s *suite) checkProfile(t *testing.T, got, want *driftrec.Profile) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("profile of %q differs:\n got  %+v\n want %+v", want.User, got, want)
	}
}

func (s *suite) testProfiles(t *testing.T) {
	t.Run("Unknown", func(t *testing.T) {
		st := s.newStore(t)
		_, err := st.Profile(t.Context(), "nobody")
		wantCode(t, err, driftrec.ENOTFOUND, "Profile of an unknown user")
	})

	t.Run("PutProfiles", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		a, b := testProfile("a", 512), testProfile("b", 3)
		a.Version = 77 // the store assigns versions; what the caller says is ignored
		if err := st.PutProfiles(ctx, []*driftrec.Profile{a, b}); err != nil {
			t.Fatal(err)
		}
		s.checkProfile(t, profileOf(t, st, "a"), withVersion(a, 1))
		s.checkProfile(t, profileOf(t, st, "b"), withVersion(b, 1))
		// Replacing increments the version.
		a2 := testProfile("a", 4)
		a2.Events = 1
		if err := st.PutProfiles(ctx, []*driftrec.Profile{a2}); err != nil {
			t.Fatal(err)
		}
		s.checkProfile(t, profileOf(t, st, "a"), withVersion(a2, 2))
		if users := scanUsers(t, st); !slices.Equal(users, s.listed("a", "b")) {
			t.Fatalf("ScanUsers = %q, want [a b]", users)
		}
		// Ingestion continues from a profile that PutProfiles stored.
		ingest(t, st, testEvents("b", 1))
		if p := profileOf(t, st, "b"); p.Events != 42 || p.Version != 2 {
			t.Fatalf("b after one more event: events %d version %d, want 42, 2", p.Events, p.Version)
		}
	})

	t.Run("PutProfilesInvalid", func(t *testing.T) {
		st := s.newStore(t)
		for _, p := range []*driftrec.Profile{nil, {User: ""}, {User: "a\tb"}} {
			err := st.PutProfiles(t.Context(), []*driftrec.Profile{testProfile("ok", 2), p})
			if err == nil {
				t.Fatalf("PutProfiles accepted %+v", p)
			}
		}
		_, err := st.Profile(t.Context(), "ok")
		wantCode(t, err, driftrec.ENOTFOUND, "Profile from a batch that PutProfiles rejected")
	})

	t.Run("NotShared", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		p := testProfile("a", 8)
		if err := st.PutProfiles(ctx, []*driftrec.Profile{p}); err != nil {
			t.Fatal(err)
		}
		want := withVersion(p, 1)
		p.Interests[0].Sum[1] = 100
		p.Seen["new"] = struct{}{}
		got := profileOf(t, st, "a")
		s.checkProfile(t, got, want)
		got.Recent[0].Text = "changed"
		got.Interests[0].Sum[1] = 100
		got.Events = 0
		s.checkProfile(t, profileOf(t, st, "a"), want)

		// Nor are the profiles that apply returns: the caller may keep and
		// change them after IngestEvents.
		var returned map[string]*driftrec.Profile
		events := testEvents("a", 1)
		apply := countingApply(events)
		err := st.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			out, err := apply(cur)
			returned = out
			return out, err
		})
		if err != nil {
			t.Fatal(err)
		}
		stored := profileOf(t, st, "a")
		if returned["a"].Version != stored.Version {
			t.Fatalf("the profile apply returned has Version %d, the stored one %d; IngestEvents sets it, as it sets Seq",
				returned["a"].Version, stored.Version)
		}
		if s.adoptsProfiles {
			return
		}
		returned["a"].Events = -1
		returned["a"].Interests[0].Sum[0] = 7
		s.checkProfile(t, profileOf(t, st, "a"), stored)
	})
}

func scanUsers(t *testing.T, st driftrec.Store) []string {
	t.Helper()
	var users []string
	if err := st.ScanUsers(t.Context(), func(u string) error {
		users = append(users, u)
		return nil
	}); err != nil {
		t.Fatalf("ScanUsers: %v", err)
	}
	return users
}

func (s *suite) testUsers(t *testing.T) {
	t.Run("Scan", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		if users := scanUsers(t, st); len(users) != 0 {
			t.Fatalf("an empty store lists users %q", users)
		}
		ingest(t, st, append(testEvents("b", 2), testEvents("A", 1)...))
		if err := st.PutProfiles(ctx, []*driftrec.Profile{testProfile("c", 2), testProfile("b", 2)}); err != nil {
			t.Fatal(err)
		}
		events := testEvents("é", 1)
		if err := st.IngestEvents(ctx, events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			return map[string]*driftrec.Profile{}, nil // events, no profile
		}); err != nil {
			t.Fatal(err)
		}
		// In byte order, each user once.
		if users := scanUsers(t, st); !slices.Equal(users, s.listed("A", "b", "c", "é")) {
			t.Fatalf("ScanUsers = %q, want [A b c é]", users)
		}
		stop := errors.New("stop")
		n := 0
		err := st.ScanUsers(ctx, func(string) error {
			n++
			return stop
		})
		if !errors.Is(err, stop) || n != 1 {
			t.Fatalf("ScanUsers after fn failed: visited %d, error %v", n, err)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		ingest(t, st, append(testEvents("a", 3), testEvents("ab", 2)...))
		if err := st.PutProfiles(ctx, []*driftrec.Profile{testProfile("only-profile", 2)}); err != nil {
			t.Fatal(err)
		}
		keep := takeSnapshot(t, st, "ab")

		for _, u := range []string{"a", "only-profile"} {
			existed, err := st.DeleteUser(ctx, u)
			if err != nil || !existed {
				t.Fatalf("DeleteUser(%q) = %v, %v; want true, nil", u, existed, err)
			}
			if evs := userEvents(t, st, u); len(evs) != 0 {
				t.Fatalf("%d events of %q survived DeleteUser", len(evs), u)
			}
			_, err = st.Profile(ctx, u)
			wantCode(t, err, driftrec.ENOTFOUND, "Profile of a deleted user")
			existed, err = st.DeleteUser(ctx, u)
			if err != nil || existed {
				t.Fatalf("second DeleteUser(%q) = %v, %v; want false, nil", u, existed, err)
			}
		}
		if existed, err := st.DeleteUser(ctx, "nobody"); err != nil || existed {
			t.Fatalf("DeleteUser of an unknown user = %v, %v; want false, nil", existed, err)
		}
		if users := scanUsers(t, st); !slices.Equal(users, s.listed("ab")) {
			t.Fatalf("ScanUsers after deletes = %q, want [ab]", users)
		}
		keep.users = s.listed("ab")
		keep.check(t, st, "deleting other users")

		// A deleted user starts afresh.
		events := testEvents("a", 1)
		apply := countingApply(events)
		err := st.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			if len(cur) != 0 {
				return nil, fmt.Errorf("apply got %v for a deleted user", cur)
			}
			return apply(cur)
		})
		if err != nil {
			t.Fatal(err)
		}
		if p := profileOf(t, st, "a"); p.Events != 1 || p.Version != 1 {
			t.Fatalf("re-created user: events %d version %d, want 1, 1", p.Events, p.Version)
		}
	})
}

func (s *suite) testMeta(t *testing.T) {
	st := s.newStore(t)
	ctx := t.Context()
	_, err := st.Meta(ctx, "missing")
	wantCode(t, err, driftrec.ENOTFOUND, "Meta of a missing key")
	values := map[string][]byte{
		"encoder":      []byte("use-lite/energetic-ai-0.2.0"),
		"binary":       {0, 1, 2, 0xff, 0},
		"large":        bytes.Repeat([]byte("x"), 1<<20),
		"empty":        {},
		"idf/跑鞋/state": []byte("é"),
	}
	for k, v := range values {
		if err := st.PutMeta(ctx, k, v); err != nil {
			t.Fatalf("PutMeta(%q): %v", k, err)
		}
	}
	for k, want := range values {
		got, err := st.Meta(ctx, k)
		if err != nil {
			t.Fatalf("Meta(%q): %v", k, err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("Meta(%q) = %d bytes, want %d", k, len(got), len(want))
		}
	}
	buf := []byte("v1")
	if err := st.PutMeta(ctx, "encoder", buf); err != nil {
		t.Fatal(err)
	}
	buf[0] = 'X'
	got, err := st.Meta(ctx, "encoder")
	if err != nil || string(got) != "v1" {
		t.Fatalf("Meta after replace = %q, %v; want v1", got, err)
	}
	got[0] = 'Y'
	if again, _ := st.Meta(ctx, "encoder"); string(again) != "v1" {
		t.Fatalf("changing a returned value changed the store: %q", again)
	}
	if err := st.PutMeta(ctx, "", []byte("x")); err == nil {
		t.Fatal("PutMeta accepted an empty key")
	}
}
