package index

import (
	"bytes"
	"context"
	"io"
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
	for _, st := range []Storage{Float32, Float16, Int8, Int4} {
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
	for _, st := range []Storage{Float32, Float16, Int8, Int4} {
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

// BenchmarkSnapshot measures Save and LoadHNSW of a 10k×512 float32 index
// (about 21 MB), next to rebuilding it from the vectors, the alternative
// at start-up.
func BenchmarkSnapshot(b *testing.B) {
	_, es := benchData(b)
	h, err := NewHNSW(HNSWConfig{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := h.AddBatch(context.Background(), es); err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	if err := h.Save(context.Background(), &buf); err != nil {
		b.Fatal(err)
	}
	blob := buf.Bytes()
	b.Run("save", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			if err := h.Save(context.Background(), io.Discard); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("load", func(b *testing.B) {
		b.SetBytes(int64(len(blob)))
		for b.Loop() {
			if _, err := LoadHNSW(context.Background(), bytes.NewReader(blob)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("rebuild", func(b *testing.B) {
		for b.Loop() {
			g, _ := NewHNSW(HNSWConfig{Seed: 1})
			if err := g.AddBatch(context.Background(), es); err != nil {
				b.Fatal(err)
			}
		}
	})
}
