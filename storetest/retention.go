package storetest

import (
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// testRetention checks driftrec.TextExpirer, for stores that implement
// it: texts of events older than the cutoff go, everything else about
// every event (sequence numbers, times, items, values, sessions, and the
// texts of newer events) stays, profiles are untouched, and a second run
// changes nothing.
func (s *suite) testRetention(t *testing.T) {
	st := s.newStore(t)
	exp, ok := st.Store.(driftrec.TextExpirer)
	if !ok {
		t.Skipf("%T does not implement driftrec.TextExpirer", st.Store)
	}
	ctx := t.Context()
	var all []driftrec.Event
	for _, u := range []string{"ret-a", "ret-b"} {
		evs := testEvents(u, 12) // one minute apart from baseTime, every 4th with no time
		for i := range evs {
			if evs[i].Time.IsZero() {
				evs[i].Time = baseTime.Add(time.Duration(i) * time.Minute)
			}
		}
		ingest(t, st, evs)
		all = append(all, evs...)
	}
	profiles := map[string]*driftrec.Profile{"ret-a": profileOf(t, st, "ret-a"), "ret-b": profileOf(t, st, "ret-b")}
	// Events 0..5 of each user are older; the half minute keeps stores that
	// round times (PostgreSQL: microseconds) on the same side.
	cutoff := baseTime.Add(5*time.Minute + 30*time.Second)
	want := 0
	for i := range all {
		if all[i].Time.Before(cutoff) && all[i].Text != "" {
			all[i].Text = ""
			want++
		}
	}
	if want == 0 {
		t.Fatal("the test data has no old texts")
	}
	n, err := exp.ExpireEventTexts(ctx, cutoff)
	if err != nil {
		t.Fatalf("ExpireEventTexts: %v", err)
	}
	if n != want {
		t.Fatalf("ExpireEventTexts changed %d events, want %d", n, want)
	}
	check := func(what string) {
		t.Helper()
		s.checkEvents(t, append(userEvents(t, st, "ret-a"), userEvents(t, st, "ret-b")...), all)
		for u, p := range profiles {
			s.checkProfile(t, profileOf(t, st, u), p)
		}
	}
	check("after expiry")
	if n, err := exp.ExpireEventTexts(ctx, cutoff); err != nil || n != 0 {
		t.Fatalf("second ExpireEventTexts: %d, %v; want 0, nil", n, err)
	}
	if s.reopen != nil {
		s.reopenStore(t, st)
		check("after reopen")
	}
}
