package index

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"reflect"
	"strings"
	"testing"
)

// snapshotFixture builds a small index with categories, tombstones and
// free slots, the states a snapshot must carry.
func snapshotFixture(t testing.TB, cfg HNSWConfig, n int) (*HNSW, dataset) {
	t.Helper()
	d := makeUnnormalized(t, n, 20, 16, 31)
	cfg.Seed = 5
	cfg.MaxDeletedRatio = 0.05
	h, err := NewHNSW(cfg)
	if err != nil {
		t.Fatal(err)
	}
	es := entries(d, func(i int) []string {
		return []string{[]string{"a", "b", "c"}[i%3], "all"}
	})
	if err := h.AddBatch(context.Background(), es); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < n; i += 7 {
		h.Remove(itemID(i)) // enough to trigger a repair: free slots
	}
	for i := 1; i < n; i += 31 {
		h.Remove(itemID(i)) // left as tombstones
	}
	return h, d
}

func save(t testing.TB, h *HNSW) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := h.Save(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestHNSWSaveLoadRoundTrip(t *testing.T) {
	for _, cfg := range []HNSWConfig{
		{Storage: Float32},
		{Storage: Float16},
		{Storage: Int8},
		{Storage: Int8, DiscardOriginals: true, Metric: Euclidean},
		{Storage: Int4},
		{Storage: Int4, Metric: Dot},
		{Storage: Float16, DiscardOriginals: true, Metric: Dot},
	} {
		name := cfg.Storage.String() + "/" + cfg.Metric.String()
		t.Run(name, func(t *testing.T) {
			h, d := snapshotFixture(t, cfg, 800)
			st := h.Stats()
			if st.Free == 0 || st.Tombstones == 0 {
				t.Fatalf("fixture lacks free slots or tombstones: %+v", st)
			}
			blob := save(t, h)
			g, err := LoadHNSW(context.Background(), bytes.NewReader(blob))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(save(t, g), blob) {
				t.Error("saving the loaded index gives different bytes")
			}
			gs, hs := g.Stats(), h.Stats()
			gs.Free, hs.Free = 0, 0
			gs.VectorBytes, hs.VectorBytes, gs.GraphBytes, hs.GraphBytes = 0, 0, 0, 0
			if g.Len() != h.Len() || g.Dim() != h.Dim() || gs != hs {
				t.Errorf("loaded: Len %d Dim %d %+v; saved: Len %d Dim %d %+v", g.Len(), g.Dim(), g.Stats(), h.Len(), h.Dim(), h.Stats())
			}
			gc, hc := g.Config(), h.Config()
			gc.BuildWorkers, hc.BuildWorkers = 0, 0
			if gc != hc {
				t.Errorf("config: loaded %+v, saved %+v", gc, hc)
			}
			for i := range 800 {
				a, aok := h.Vector(itemID(i))
				b, bok := g.Vector(itemID(i))
				if aok != bok || !reflect.DeepEqual(a, b) {
					t.Fatalf("Vector(%s) differs after loading", itemID(i))
				}
			}
			f := Filter{Categories: []string{"b"}}
			for q := range 20 {
				for _, flt := range []Filter{{}, f} {
					a := h.Search(d.query(q), 10, cfg.Metric, flt)
					b := g.Search(d.query(q), 10, cfg.Metric, flt)
					if !reflect.DeepEqual(a, b) {
						t.Fatalf("query %d: results differ after loading:\n%v\n%v", q, a, b)
					}
				}
			}
			// The random state travels too: the same additions give the
			// same graph (compared after both are compacted, since the
			// loaded one has no free slots to reuse).
			more := makeUnnormalized(t, 50, 0, 16, 99)
			for i := range 50 {
				id := "new" + itemID(i)
				if err := h.Add(id, more.item(i), nil); err != nil {
					t.Fatal(err)
				}
				if err := g.Add(id, more.item(i), nil); err != nil {
					t.Fatal(err)
				}
			}
			for q := range 20 {
				a := h.Search(d.query(q), 10, cfg.Metric, Filter{})
				b := g.Search(d.query(q), 10, cfg.Metric, Filter{})
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("query %d after more additions: results differ", q)
				}
			}
		})
	}
}

func TestHNSWSaveLoadEmpty(t *testing.T) {
	h, _ := NewHNSW(HNSWConfig{})
	g, err := LoadHNSW(context.Background(), bytes.NewReader(save(t, h)))
	if err != nil {
		t.Fatal(err)
	}
	if g.Len() != 0 {
		t.Errorf("Len = %d", g.Len())
	}
	if err := g.Add("a", []float32{1, 2}, nil); err != nil {
		t.Fatal(err)
	}
	if hits := g.Search([]float32{1, 2}, 1, Cosine, Filter{}); len(hits) != 1 {
		t.Errorf("hits %v", hits)
	}
}

// withChecksum replaces the trailer of a (modified) snapshot with the
// correct checksum, so that tests and the fuzzer reach the structural
// checks behind it.
func withChecksum(b []byte) []byte {
	if len(b) < 4 {
		return b
	}
	out := bytes.Clone(b)
	binary.LittleEndian.PutUint32(out[len(out)-4:], crc32.Checksum(out[:len(out)-4], castagnoli))
	return out
}

func TestHNSWLoadRejectsCorruption(t *testing.T) {
	h, _ := snapshotFixture(t, HNSWConfig{Storage: Int8}, 300)
	blob := save(t, h)
	// Offsets of header fields, from the format description.
	const (
		offVersion = 8
		offDim     = 12
		offMetric  = 16
		offStorage = 17
		offFlags   = 18
		offM       = 19
	)
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(blob)
		copy(b[off:], v)
		return withChecksum(b)
	}
	flip := bytes.Clone(blob)
	flip[len(flip)/2] ^= 0x40
	cases := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "EOF", nil},
		{"bad magic", "bad magic", append([]byte("notHNSW!"), blob[8:]...)},
		{"future version", "version 9", set(offVersion, 9)},
		{"zero dim", "dimension 0", set(offDim, 0, 0, 0, 0)},
		{"huge dim", "dimension", set(offDim, 0, 0, 0, 1)},
		{"bad metric", "metric", set(offMetric, 9)},
		{"bad storage", "storage", set(offStorage, 9)},
		{"bad flags", "flags", set(offFlags, 0x80)},
		{"M = 1", "M is 1", set(offM, 1, 0)},
		{"flipped bit", "", flip},
		{"truncated header", "EOF", blob[:30]},
		{"truncated body", "EOF", blob[:len(blob)/2]},
		{"no checksum", "checksum", blob[:len(blob)-4]},
		{"wrong checksum", "checksum", append(bytes.Clone(blob[:len(blob)-4]), 1, 2, 3, 4)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g, err := LoadHNSW(context.Background(), bytes.NewReader(tc.data))
			if err == nil {
				t.Fatalf("loaded a corrupt snapshot (%d items)", g.Len())
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func FuzzLoadHNSW(f *testing.F) {
	h, _ := snapshotFixture(f, HNSWConfig{Storage: Int8}, 60)
	f.Add(save(f, h))
	g, _ := snapshotFixture(f, HNSWConfig{Storage: Float16}, 40)
	f.Add(save(f, g))
	q, _ := snapshotFixture(f, HNSWConfig{Storage: Int4}, 40)
	f.Add(save(f, q))
	e, _ := NewHNSW(HNSWConfig{})
	f.Add(save(f, e))
	f.Add([]byte("drftHNSW\x01\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, b := range [][]byte{data, withChecksum(data)} {
			h, err := LoadHNSW(context.Background(), bytes.NewReader(b))
			if err != nil {
				continue
			}
			// Whatever loads must be usable.
			if dim := h.Dim(); dim > 0 {
				q := make([]float32, dim)
				q[0] = 1
				h.Search(q, 5, Cosine, Filter{})
				h.Search(q, 5, Euclidean, Filter{Categories: []string{"a"}})
			}
			var out bytes.Buffer
			if err := h.Save(context.Background(), &out); err != nil {
				t.Fatalf("saving a loaded index: %v", err)
			}
			h.Compact()
		}
	})
}
