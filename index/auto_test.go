package index

import (
	"bytes"
	"context"
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestNewKinds(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, "*index.Auto"},
		{Config{Kind: KindExact}, "*index.Exact"},
		{Config{Kind: KindHNSW}, "*index.HNSW"},
	} {
		ix, err := New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := reflect.TypeOf(ix).String(); got != tc.want {
			t.Errorf("New(%+v) = %s, want %s", tc.cfg, got, tc.want)
		}
	}
	for _, cfg := range []Config{{Kind: 9}, {AutoThreshold: -1}, {HNSW: HNSWConfig{M: 1}}, {Kind: KindHNSW, HNSW: HNSWConfig{M: 1}}} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

// TestAutoSwitchesInBackground grows an Auto index one item at a time past
// its threshold, keeps writing while the graph builds, and checks that the
// graph that takes over holds exactly the items an exact index kept in step
// holds, and finds their neighbours.
func TestAutoSwitchesInBackground(t *testing.T) {
	d := makeDataset(t, 1600, 50, 24, 51, true)
	a, err := NewAuto(Config{AutoThreshold: 1000, HNSW: HNSWConfig{Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	x := NewExact()
	add := func(i int, vec []float32) {
		cats := []string{[]string{"p", "q"}[i%2]}
		if err := a.Add(itemID(i), vec, cats); err != nil {
			t.Fatal(err)
		}
		if err := x.Add(itemID(i), vec, cats); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 1000 {
		add(i, d.item(i))
	}
	if k := a.Kind(); k != "exact" {
		t.Fatalf("at the threshold: %s", k)
	}
	add(1000, d.item(1000))
	if k := a.Kind(); k != "exact (building hnsw)" && k != "hnsw" {
		t.Fatalf("past the threshold: %s", k)
	}
	// Writes during the build: new items, replacements, removals.
	for i := 1001; i < 1600; i++ {
		add(i, d.item(i))
		if i%3 == 0 {
			a.Remove(itemID(i - 900))
			x.Remove(itemID(i - 900))
		}
		if i%7 == 0 {
			add(i-500, d.item(i-1000))
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.WaitIdle(ctx); err != nil {
		t.Fatal(err)
	}
	if k := a.Kind(); k != "hnsw" {
		t.Fatalf("after the build: %s", k)
	}
	if a.Len() != x.Len() || a.Dim() != 24 {
		t.Fatalf("Len %d Dim %d, exact Len %d", a.Len(), a.Dim(), x.Len())
	}
	for i := range 1600 {
		got, gok := a.Vector(itemID(i))
		want, wok := x.Vector(itemID(i))
		if gok != wok || !reflect.DeepEqual(got, want) {
			t.Fatalf("item %d: Vector %v/%v, exact %v/%v", i, len(got), gok, len(want), wok)
		}
	}
	if r := recall(d, a, x, 10, Cosine, Filter{}); r < 0.95 {
		t.Errorf("recall@10 = %.4f after the switch", r)
	}
	if r := recall(d, a, x, 10, Cosine, Filter{Categories: []string{"q"}}); r < 0.9 {
		t.Errorf("filtered recall@10 = %.4f after the switch", r)
	}
	// Writes after the switch go to the graph.
	a.Remove(itemID(1599))
	if _, ok := a.Vector(itemID(1599)); ok {
		t.Error("removed item still present after the switch")
	}
}

func TestAutoBatchSwitchesAtOnce(t *testing.T) {
	d := makeDataset(t, 900, 20, 16, 52, true)
	a, err := NewAuto(Config{AutoThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	es := entries(d, nil)
	if err := a.AddBatch(context.Background(), es[:300]); err != nil {
		t.Fatal(err)
	}
	if a.Kind() != "exact" {
		t.Fatalf("below the threshold: %s", a.Kind())
	}
	if err := a.AddBatch(context.Background(), es[300:]); err != nil {
		t.Fatal(err)
	}
	if a.Kind() != "hnsw" || a.Len() != 900 {
		t.Fatalf("after a batch past the threshold: %s with %d items", a.Kind(), a.Len())
	}
	if err := a.Add("bad", []float32{1}, nil); err == nil {
		t.Error("wrong dimension accepted")
	}
}

func TestAutoRejectsWhatHNSWWould(t *testing.T) {
	a, _ := NewAuto(Config{})
	if err := a.Add("a", []float32{1, float32(math.NaN())}, nil); err == nil {
		t.Error("NaN accepted while exact")
	}
	if err := a.Add("", []float32{1, 2}, nil); err == nil {
		t.Error("empty id accepted while exact")
	}
}

func TestAutoSaveLoad(t *testing.T) {
	d := makeDataset(t, 700, 10, 16, 53, true)
	a, _ := NewAuto(Config{AutoThreshold: 500})
	es := entries(d, nil)
	if err := a.AddBatch(context.Background(), es[:400]); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := a.Save(context.Background(), &buf); !errors.Is(err, ErrNoGraph) {
		t.Fatalf("Save while exact: %v, want ErrNoGraph", err)
	}
	if err := a.AddBatch(context.Background(), es[400:]); err != nil {
		t.Fatal(err)
	}
	if err := a.Save(context.Background(), &buf); err != nil {
		t.Fatal(err)
	}
	b, err := LoadAuto(context.Background(), &buf, Config{AutoThreshold: 500})
	if err != nil {
		t.Fatal(err)
	}
	if b.Kind() != "hnsw" || b.Len() != 700 {
		t.Fatalf("loaded: %s with %d items", b.Kind(), b.Len())
	}
	for q := range 10 {
		if x, y := a.Search(d.query(q), 5, Cosine, Filter{}), b.Search(d.query(q), 5, Cosine, Filter{}); !reflect.DeepEqual(x, y) {
			t.Fatalf("query %d: %v != %v", q, x, y)
		}
	}
	if _, err := LoadAuto(context.Background(), bytes.NewReader([]byte("junk")), Config{}); err == nil {
		t.Error("loaded junk")
	}
}

func TestScanAfterSwitch(t *testing.T) {
	d := makeDataset(t, 600, 0, 8, 54, true)
	for _, cfg := range []HNSWConfig{{}, {Storage: Int8, DiscardOriginals: true}} {
		a, _ := NewAuto(Config{AutoThreshold: 100, HNSW: cfg})
		if err := a.AddBatch(context.Background(), entries(d, nil)); err != nil {
			t.Fatal(err)
		}
		a.Remove(itemID(7))
		seen := map[string][]float32{}
		if !a.Scan(func(id string, vec []float32) bool {
			seen[id] = slices.Clone(vec)
			return true
		}) {
			t.Fatal("Scan reported false")
		}
		for id, vec := range seen {
			if want, _ := a.Vector(id); !reflect.DeepEqual(vec, want) {
				t.Fatalf("Scan gave %s a different vector than Vector", id)
			}
		}
		if _, removed := seen[itemID(7)]; len(seen) != 599 || removed {
			t.Errorf("Scan visited %d items (removed one seen: %v)", len(seen), removed)
		}
		n := 0
		a.Scan(func(string, []float32) bool { n++; return n < 5 })
		if n != 5 {
			t.Errorf("Scan went on after false: %d calls", n)
		}
	}
}
