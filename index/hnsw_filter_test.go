package index

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestHNSWFilter checks the filter contract under each filter policy: a
// search returns exactly min(k, #admitted) hits, all admitted, best first,
// and close to the exact filtered result.
func TestHNSWFilter(t *testing.T) {
	d := makeDataset(t, 5000, 40, 32, 21, true)
	rng := rand.New(rand.NewPCG(1, 2))
	// Category "sN" holds about N per mille of the items, independently
	// of the clusters; "one" holds a single item.
	shares := map[string]float64{"s1": 0.001, "s10": 0.01, "s100": 0.1, "s500": 0.5}
	cats := func(i int) []string {
		var cs []string
		for _, name := range []string{"s1", "s10", "s100", "s500"} {
			if rng.Float64() < shares[name] {
				cs = append(cs, name)
			}
		}
		if i == 77 {
			cs = append(cs, "one")
		}
		return cs
	}
	es := entries(d, cats)
	in := func(i int, c string) bool { return slices.Contains(es[i].Categories, c) }
	excludeOdd := func(id string) bool { return id[len(id)-1]%2 == 1 }
	excludeAllBut3 := func(id string) bool { return id != itemID(5) && id != itemID(600) && id != itemID(4000) }

	filters := []struct {
		name string
		f    Filter
		pass func(i int) bool
	}{
		{"none", Filter{}, func(int) bool { return true }},
		{"s1", Filter{Categories: []string{"s1"}}, func(i int) bool { return in(i, "s1") }},
		{"s10", Filter{Categories: []string{"s10"}}, func(i int) bool { return in(i, "s10") }},
		{"s100", Filter{Categories: []string{"s100"}}, func(i int) bool { return in(i, "s100") }},
		{"s500", Filter{Categories: []string{"s500"}}, func(i int) bool { return in(i, "s500") }},
		{"s1 or s10", Filter{Categories: []string{"s1", "s10", "unknown"}}, func(i int) bool { return in(i, "s1") || in(i, "s10") }},
		{"one", Filter{Categories: []string{"one"}}, func(i int) bool { return i == 77 }},
		{"unknown category", Filter{Categories: []string{"nope"}}, func(int) bool { return false }},
		{"exclude odd", Filter{Exclude: excludeOdd}, func(i int) bool { return !excludeOdd(itemID(i)) }},
		{"s500 exclude odd", Filter{Categories: []string{"s500"}, Exclude: excludeOdd}, func(i int) bool { return in(i, "s500") && !excludeOdd(itemID(i)) }},
		{"exclude all but 3", Filter{Exclude: excludeAllBut3}, func(i int) bool { return !excludeAllBut3(itemID(i)) }},
	}
	for _, policy := range []struct {
		name  string
		limit int
	}{{"graph only", -1}, {"default", 0}, {"always scan", 1 << 30}} {
		h, x := buildBoth(t, HNSWConfig{Seed: 4, FlatFilterLimit: policy.limit}, es)
		for _, tc := range filters {
			t.Run(policy.name+"/"+tc.name, func(t *testing.T) {
				passing := 0
				for i := range es {
					if tc.pass(i) {
						passing++
					}
				}
				for _, k := range []int{1, 10, 100} {
					for q := range 20 {
						got := h.Search(d.query(q), k, Cosine, tc.f)
						if want := min(k, passing); len(got) != want {
							t.Fatalf("k=%d: %d hits, want %d (%d pass)", k, len(got), want, passing)
						}
						for j, hit := range got {
							var i int
							if _, err := fmtSscan(hit.ID, &i); err != nil || !tc.pass(i) {
								t.Fatalf("k=%d: hit %s does not pass the filter", k, hit.ID)
							}
							if j > 0 && worse(got[j-1], hit) {
								t.Fatalf("k=%d: hits out of order", k)
							}
						}
					}
				}
				if r := recall(d, h, x, 10, Cosine, tc.f); r < 0.9 {
					t.Errorf("filtered recall@10 = %.4f, want ≥ 0.9", r)
				}
			})
		}
	}
}
