package index

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestCopyVectorsMatchesVector: every index kind copies exactly what Vector
// returns, reports absent IDs, and leaves their rows alone.
func TestCopyVectorsMatchesVector(t *testing.T) {
	d := makeDataset(t, 300, 4, 12, 5, true)
	int8Graph, err := NewHNSW(HNSWConfig{Storage: Int8, DiscardOriginals: true, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	graph, err := NewHNSW(HNSWConfig{Storage: Int8, Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	auto, err := NewAuto(Config{AutoThreshold: 100})
	if err != nil {
		t.Fatal(err)
	}
	type copier interface {
		Index
		CopyVectors(ids []string, dst []float32, found []bool) bool
	}
	indexes := []struct {
		name string
		ix   copier
	}{{"exact", NewExact()}, {"hnsw int8 + originals", graph}, {"hnsw int8 only", int8Graph}, {"auto", auto}}
	for _, tc := range indexes {
		for i := range 300 {
			if err := tc.ix.Add(itemID(i), d.item(i), nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := auto.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	ids := []string{itemID(7), "absent", itemID(0), itemID(299), itemID(7)}
	dim := d.dim
	for _, tc := range indexes {
		dst := make([]float32, len(ids)*dim)
		for i := range dst {
			dst[i] = -42
		}
		found := make([]bool, len(ids))
		if tc.ix.CopyVectors(ids, dst[:len(dst)-1], found) || tc.ix.CopyVectors(ids, append(dst, 0), found) {
			t.Errorf("%s: copied into a buffer of the wrong dimension", tc.name)
		}
		if slices.Contains(found, true) {
			t.Errorf("%s: a refused copy reported found items", tc.name)
		}
		if !tc.ix.CopyVectors(ids, dst, found) {
			t.Fatalf("%s: refused a buffer of the right size", tc.name)
		}
		for i, id := range ids {
			row := dst[i*dim : (i+1)*dim]
			want, ok := tc.ix.Vector(id)
			if found[i] != ok {
				t.Errorf("%s: %s found %v, Vector says %v", tc.name, id, found[i], ok)
				continue
			}
			if !ok {
				if slices.ContainsFunc(row, func(x float32) bool { return x != -42 }) {
					t.Errorf("%s: the row of absent %s was written", tc.name, id)
				}
				continue
			}
			if !slices.Equal(row, want) {
				t.Errorf("%s: %s copied %v…, Vector %v…", tc.name, id, row[:3], want[:3])
			}
		}
	}
}
