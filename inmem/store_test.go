package inmem_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) driftrec.Store { return inmem.New() })
}

func TestStoreAdoptingProfiles(t *testing.T) {
	storetest.Run(t, func(t *testing.T) driftrec.Store { return inmem.New(inmem.AdoptProfiles()) },
		storetest.AdoptsProfiles())
}

// busyProfile is a profile of the size the interest model keeps for an
// active user: 8 interests of 512 dimensions with exemplars, short-term and
// negative state and 20 recent events, all with vectors.
func busyProfile(user string) *driftrec.Profile {
	rng := rand.New(rand.NewPCG(1, 2))
	vec := func() []float32 {
		v := make([]float32, 512)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	refs := func(n int) []driftrec.EventRef {
		rs := make([]driftrec.EventRef, n)
		for i := range rs {
			rs[i] = driftrec.EventRef{Type: driftrec.EventView, Item: fmt.Sprint("item-", i), Time: t0, Weight: 1, Affinity: 0.5}
		}
		return rs
	}
	p := &driftrec.Profile{User: user, Encoder: "use-lite", Updated: t0, Seen: map[string]struct{}{}}
	for i := range 8 {
		p.Interests = append(p.Interests, driftrec.Interest{ID: uint32(i), Sum: vec(), Mass: 1, Exemplars: refs(3),
			Trace: make([]driftrec.TracePoint, 32)})
	}
	p.Short = driftrec.ShortTerm{Sum: vec(), Events: refs(5)}
	p.Negative = driftrec.Signal{Sum: vec(), Events: refs(2)}
	p.Recent = refs(20)
	for i := range 200 {
		p.Seen[fmt.Sprint("item-", i)] = struct{}{}
	}
	return p
}

// BenchmarkIngest measures one IngestEvents call with one event for a user
// with an empty profile, where the clones cost nothing, and for one with a
// busy profile (about 150 KB of vectors), with and without AdoptProfiles:
// the differences are the price of the copies.
func BenchmarkIngest(b *testing.B) {
	for _, busy := range []bool{false, true} {
		for _, adopt := range []bool{false, true} {
			b.Run(fmt.Sprintf("busy=%v/adopt=%v", busy, adopt), func(b *testing.B) {
				var opts []inmem.Option
				if adopt {
					opts = append(opts, inmem.AdoptProfiles())
				}
				s := inmem.New(opts...)
				ctx := b.Context()
				p := &driftrec.Profile{User: "u"}
				if busy {
					p = busyProfile("u")
				}
				if err := s.PutProfiles(ctx, []*driftrec.Profile{p}); err != nil {
					b.Fatal(err)
				}
				events := []driftrec.Event{{User: "u", Type: driftrec.EventView, Item: "x"}}
				apply := func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
					cur["u"].Events++
					return cur, nil
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := s.IngestEvents(ctx, events, apply); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

func openBench(*testing.B) driftrec.Store { return inmem.New() }

// BenchmarkIngestBatches runs the stores' common ingestion benchmarks, as
// the reference the durable stores are compared with.
func BenchmarkIngestBatches(b *testing.B) {
	storetest.RunIngestBenchmarks(b, openBench)
}

// BenchmarkProfile measures reading one profile (a Clone).
func BenchmarkProfile(b *testing.B) {
	storetest.RunProfileBenchmarks(b, openBench)
}
