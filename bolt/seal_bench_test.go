package bolt_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/pseudonym"
	"github.com/driftrec/driftrec/storetest"
)

// BenchmarkPrivacyCost measures what encryption at rest and pseudonyms
// add to ingestion and profile reads, against the plain store in the same
// run. Commits skip fsync (NoSync), so the numbers show the CPU cost
// rather than the disk's:
//
//	go test ./bolt -run '^$' -bench PrivacyCost -benchtime 2s -count 3
func BenchmarkPrivacyCost(b *testing.B) {
	kr := storetest.NewKeyring(b)
	modes := []struct {
		name         string
		sealed, pseu bool
	}{{"plain", false, false}, {"sealed", true, false}, {"sealed+pseudonyms", true, true}}
	open := func(b *testing.B, sealed, pseu bool) driftrec.Store {
		o := &bolt.Options{NoSync: true}
		if sealed {
			o.Sealer = kr
		}
		s, err := bolt.Open(filepath.Join(b.TempDir(), "bench.db"), o)
		if err != nil {
			b.Fatal(err)
		}
		if !pseu {
			return s
		}
		p, err := pseudonym.New(s, bytes.Repeat([]byte{9}, 32))
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	for _, cfg := range []struct{ interests, batch, writers int }{{0, 1, 1}, {8, 1, 8}, {8, 100, 8}} {
		for _, m := range modes {
			b.Run(fmt.Sprintf("ingest/profile=%dx512/batch=%d/writers=%d/%s", cfg.interests, cfg.batch, cfg.writers, m.name), func(b *testing.B) {
				st := open(b, m.sealed, m.pseu)
				defer st.Close()
				storetest.PopulateBench(b, st, cfg.interests)
				storetest.BenchIngest(b, cfg.batch, cfg.writers, func(ctx context.Context, events []driftrec.Event) error {
					return st.IngestEvents(ctx, events, storetest.BenchApply)
				})
			})
		}
	}
	for _, m := range modes {
		b.Run("profile=8x512/"+m.name, func(b *testing.B) {
			st := open(b, m.sealed, m.pseu)
			defer st.Close()
			storetest.PopulateBench(b, st, 8)
			i := 0
			for b.Loop() {
				if _, err := st.Profile(b.Context(), storetest.BenchUser(i)); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
