package index

import (
	"context"
	"testing"
)

// The benchmarks measure HNSW next to Exact on the same 10k×512 clustered
// vectors; index/cmd/annbench runs the larger, recall-checked comparison.

func benchData(b *testing.B) (dataset, []Entry) {
	d := makeDataset(b, 10000, 200, 512, 3, true)
	return d, entries(d, nil)
}

func BenchmarkBuild(b *testing.B) {
	_, es := benchData(b)
	for _, st := range []Storage{Float32, Float16, Int8} {
		b.Run("hnsw-"+st.String(), func(b *testing.B) {
			for b.Loop() {
				h, err := NewHNSW(HNSWConfig{Storage: st, Seed: 1})
				if err != nil {
					b.Fatal(err)
				}
				if err := h.AddBatch(context.Background(), es); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSearch(b *testing.B) {
	d, es := benchData(b)
	x := NewExact()
	for _, e := range es {
		if err := x.Add(e.ID, e.Vector, nil); err != nil {
			b.Fatal(err)
		}
	}
	indexes := map[string]Index{"exact": x}
	for _, st := range []Storage{Float32, Float16, Int8} {
		h, err := NewHNSW(HNSWConfig{Storage: st, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		if err := h.AddBatch(context.Background(), es); err != nil {
			b.Fatal(err)
		}
		indexes["hnsw-"+st.String()] = h
	}
	nq := len(d.queries) / d.dim
	for _, name := range []string{"exact", "hnsw-f32", "hnsw-f16", "hnsw-int8"} {
		ix := indexes[name]
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				ix.Search(d.query(i%nq), 10, Cosine, Filter{})
				i++
			}
		})
	}
}
