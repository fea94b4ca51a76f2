package engine_test

import (
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/pseudonym"
)

// profileTexts lists every text a profile remembers.
func profileTexts(p *driftrec.Profile) []string {
	var out []string
	add := func(refs []driftrec.EventRef) {
		for _, r := range refs {
			if r.Text != "" {
				out = append(out, r.Text)
			}
		}
	}
	add(p.Recent)
	add(p.Short.Events)
	add(p.Negative.Events)
	for _, in := range p.Interests {
		add(in.Exemplars)
	}
	return out
}

// TestTextRetention ingests old and recent events, expires texts older
// than the retention period, and checks the log, the profile and what the
// model learnt: texts go, vectors and counts stay. It runs with profiles
// written through and written behind, and behind pseudonyms.
func TestTextRetention(t *testing.T) {
	for _, tc := range []struct {
		name   string
		flush  time.Duration
		pseudo bool
	}{{"write-through", 0, false}, {"write-behind", time.Hour, false}, {"write-behind pseudonyms", time.Hour, true}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var st driftrec.Store
			st, err := bolt.Open(filepath.Join(t.TempDir(), "d.db"), nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.pseudo {
				if st, err = pseudonym.New(st, make([]byte, 32)); err != nil {
					t.Fatal(err)
				}
			}
			now := t0.Add(90 * 24 * time.Hour)
			cfg := engine.DefaultConfig()
			cfg.ProfileFlush = interest.Duration(tc.flush)
			eng, err := engine.Open(ctx, st, lexical.New(lexical.Options{}), cfg,
				engine.WithClock(func() time.Time { return now }), engine.WithTextRetention(30*24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			seedCatalogue(t, eng)
			old := []driftrec.Event{
				{User: "u", Type: driftrec.EventQuery, Text: "old secret running shoes", Time: now.Add(-60 * 24 * time.Hour)},
				{User: "u", Type: driftrec.EventComment, Item: "B", Text: "old comment about a mug", Time: now.Add(-59 * 24 * time.Hour)},
			}
			recent := []driftrec.Event{
				{User: "u", Type: driftrec.EventQuery, Text: "recent bread", Time: now.Add(-time.Hour)},
				{User: "u", Type: driftrec.EventClick, Item: "A", Time: now.Add(-time.Minute)},
			}
			if _, err := eng.Ingest(ctx, old); err != nil {
				t.Fatal(err)
			}
			if _, err := eng.Ingest(ctx, recent); err != nil {
				t.Fatal(err)
			}
			before, err := eng.Profile(ctx, "u")
			if err != nil {
				t.Fatal(err)
			}
			res, err := eng.ExpireTexts(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if res.Events != 2 || !res.Before.Equal(now.Add(-30*24*time.Hour)) {
				t.Fatalf("ExpireTexts: %+v, want 2 events", res)
			}
			evs, err := eng.UserEvents(ctx, "u", 0)
			if err != nil || len(evs) != 4 {
				t.Fatalf("events after retention: %v %v", evs, err)
			}
			if evs[0].Text != "" || evs[1].Text != "" || evs[1].Item != "B" || evs[2].Text != "recent bread" {
				t.Fatalf("events after retention: %+v", evs)
			}
			check := func(what string) {
				t.Helper()
				after, err := eng.Profile(ctx, "u")
				if err != nil {
					t.Fatal(err)
				}
				for _, text := range profileTexts(after) {
					if text != "recent bread" {
						t.Fatalf("%s: the profile still remembers %q", what, text)
					}
				}
				if len(profileTexts(after)) == 0 {
					t.Fatalf("%s: the recent text went too", what)
				}
				if after.Events != before.Events || len(after.Interests) != len(before.Interests) {
					t.Fatalf("%s: the model changed: %d events %d interests, before %d %d", what, after.Events, len(after.Interests), before.Events, len(before.Interests))
				}
				for i := range after.Interests {
					if !reflect.DeepEqual(after.Interests[i].Sum, before.Interests[i].Sum) {
						t.Fatalf("%s: interest %d's vector changed", what, i)
					}
				}
			}
			check("in memory")
			if err := eng.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			p, err := st.Profile(ctx, "u")
			if err != nil {
				t.Fatal(err)
			}
			for _, text := range profileTexts(p) {
				if text != "recent bread" {
					t.Fatalf("the stored profile still remembers %q", text)
				}
			}
			check("stored")
		})
	}
}
