package storetest

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// testItem returns an item whose vector holds values that a lossy encoding
// would change: NaN with a payload, negative zero, infinities, subnormals.
func testItem(id string, dim int, seed float32) driftrec.EmbeddedItem {
	v := make([]float32, dim)
	for i := range v {
		v[i] = seed + float32(i)/7
	}
	if dim >= 6 {
		v[0] = math.Float32frombits(0x7fc0beef)
		v[1] = float32(math.Copysign(0, -1))
		v[2] = float32(math.Inf(1))
		v[3] = float32(math.Inf(-1))
		v[4] = math.SmallestNonzeroFloat32
		v[5] = math.MaxFloat32
	}
	return driftrec.EmbeddedItem{
		Item: driftrec.Item{
			ID:         id,
			Text:       "跑鞋 — a light running shoe for " + id,
			Categories: []string{"shoes", "运动鞋"},
			Attributes: map[string]any{
				"price": 59.9, "in_stock": true, "brand": "Ωmega", "sizes": []any{40.0, 41.0, 42.5},
				"dims": map[string]any{"w": 1.5}, "note": nil,
			},
			CreatedAt: time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC),
			UpdatedAt: time.Date(2025, 1, 2, 3, 4, 5, 987654321, time.UTC),
		},
		Vector:  v,
		Encoder: "use-lite/energetic-ai-0.2.0",
	}
}

// checkItem compares an item read back with the one stored: vectors and
// encoder IDs bit for bit, times to the store's precision, nil and empty
// lists and maps alike.
func (s *suite) checkItem(t *testing.T, got, want driftrec.EmbeddedItem) {
	t.Helper()
	if got.ID != want.ID || got.Text != want.Text || got.Encoder != want.Encoder {
		t.Fatalf("item %q: got id %q text %q encoder %q, want %q %q %q",
			want.ID, got.ID, got.Text, got.Encoder, want.ID, want.Text, want.Encoder)
	}
	if len(got.Vector) != len(want.Vector) {
		t.Fatalf("item %q: vector has %d dimensions, want %d", want.ID, len(got.Vector), len(want.Vector))
	}
	for i := range want.Vector {
		if math.Float32bits(got.Vector[i]) != math.Float32bits(want.Vector[i]) {
			t.Fatalf("item %q: vector[%d] has bits %#x, want %#x", want.ID, i,
				math.Float32bits(got.Vector[i]), math.Float32bits(want.Vector[i]))
		}
	}
	if len(got.Categories) != len(want.Categories) || (len(want.Categories) > 0 && !slices.Equal(got.Categories, want.Categories)) {
		t.Fatalf("item %q: categories %q, want %q", want.ID, got.Categories, want.Categories)
	}
	if len(got.Attributes) != len(want.Attributes) || (len(want.Attributes) > 0 && !reflect.DeepEqual(got.Attributes, want.Attributes)) {
		t.Fatalf("item %q: attributes %v, want %v", want.ID, got.Attributes, want.Attributes)
	}
	s.checkTime(t, "item "+want.ID+" created_at", got.CreatedAt, want.CreatedAt)
	s.checkTime(t, "item "+want.ID+" updated_at", got.UpdatedAt, want.UpdatedAt)
}

func (s *suite) checkTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want.Truncate(s.timePrecision)) {
		t.Fatalf("%s: got %v, want %v (precision %v)", what, got, want, s.timePrecision)
	}
}

func (s *suite) testItems(t *testing.T) {
	t.Run("PutGet", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		a, b := testItem("a", 512, 1), testItem("b", 3, 2)
		b.Categories, b.Attributes = nil, nil
		b.CreatedAt, b.UpdatedAt = time.Time{}, time.Time{}
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{a, b}); err != nil {
			t.Fatal(err)
		}
		for _, want := range []driftrec.EmbeddedItem{a, b} {
			got, err := st.Item(ctx, want.ID)
			if err != nil {
				t.Fatalf("Item(%q): %v", want.ID, err)
			}
			s.checkItem(t, got, want)
		}
		_, err := st.Item(ctx, "missing")
		wantCode(t, err, driftrec.ENOTFOUND, "Item of a missing ID")
	})

	t.Run("NotShared", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		a := testItem("a", 8, 1)
		want := testItem("a", 8, 1)
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{a}); err != nil {
			t.Fatal(err)
		}
		a.Vector[7] = -100
		a.Categories[0] = "changed"
		a.Attributes["price"] = 0.0
		got, err := st.Item(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		s.checkItem(t, got, want)
		got.Vector[7] = -200
		got.Attributes["brand"] = "changed"
		again, err := st.Item(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		s.checkItem(t, again, want)
	})

	t.Run("Replace", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{testItem("a", 16, 1)}); err != nil {
			t.Fatal(err)
		}
		repl := testItem("a", 32, 5)
		repl.Text, repl.Encoder, repl.Categories = "replaced", "lexical/v1", []string{"cups"}
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{repl}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Item(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		s.checkItem(t, got, repl)
		// The last of two entries for one ID in a batch wins.
		first, second := testItem("b", 4, 1), testItem("b", 4, 9)
		second.Text = "second"
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{first, second}); err != nil {
			t.Fatal(err)
		}
		if got, err = st.Item(ctx, "b"); err != nil {
			t.Fatal(err)
		}
		s.checkItem(t, got, second)
	})

	t.Run("Delete", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		if err := st.PutItems(ctx, []driftrec.EmbeddedItem{testItem("a", 4, 1), testItem("b", 4, 2), testItem("c", 4, 3)}); err != nil {
			t.Fatal(err)
		}
		n, err := st.DeleteItems(ctx, []string{"a", "missing", "c", "a"})
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("DeleteItems reported %d deleted, want 2", n)
		}
		for _, id := range []string{"a", "c"} {
			_, err := st.Item(ctx, id)
			wantCode(t, err, driftrec.ENOTFOUND, "Item of a deleted ID")
		}
		if _, err := st.Item(ctx, "b"); err != nil {
			t.Errorf("the item that was not deleted is gone: %v", err)
		}
		if n, err := st.DeleteItems(ctx, nil); err != nil || n != 0 {
			t.Errorf("DeleteItems(nil) = %d, %v; want 0, nil", n, err)
		}
	})

	t.Run("Scan", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		// Byte order, not a locale's: upper case before lower case, and
		// multi-byte UTF-8 last.
		ids := []string{"b", "a", "B", "ab", "a b", "跑鞋", "item-10", "item-9", "é"}
		var items []driftrec.EmbeddedItem
		for i, id := range ids {
			items = append(items, testItem(id, 8, float32(i)))
		}
		if err := st.PutItems(ctx, items); err != nil {
			t.Fatal(err)
		}
		var got []string
		err := st.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
			got = append(got, it.ID)
			for _, want := range items {
				if want.ID == it.ID {
					s.checkItem(t, it, want)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		want := slices.Clone(ids)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("ScanItems visited %q, want %q", got, want)
		}
		stop := errors.New("stop")
		visited := 0
		err = st.ScanItems(ctx, func(driftrec.EmbeddedItem) error {
			visited++
			if visited == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) || visited != 3 {
			t.Fatalf("ScanItems after fn failed on the third item: visited %d, error %v", visited, err)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		for _, id := range []string{"", "bad\x00id", strings.Repeat("x", driftrec.MaxIDLength+1)} {
			err := st.PutItems(ctx, []driftrec.EmbeddedItem{testItem("ok", 4, 1), testItem(id, 4, 2)})
			wantCode(t, err, driftrec.EINVALID, fmt.Sprintf("PutItems with item ID %q", id))
		}
		_, err := st.Item(ctx, "ok")
		wantCode(t, err, driftrec.ENOTFOUND, "Item of a batch that PutItems rejected")
	})

	t.Run("Many", func(t *testing.T) {
		st := s.newStore(t)
		ctx := t.Context()
		var items []driftrec.EmbeddedItem
		for i := range 2000 {
			items = append(items, testItem(fmt.Sprintf("item-%05d", i), 64, float32(i)))
		}
		if err := st.PutItems(ctx, items); err != nil {
			t.Fatal(err)
		}
		i := 0
		err := st.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
			if i >= len(items) {
				return fmt.Errorf("more items than stored")
			}
			s.checkItem(t, it, items[i])
			i++
			return nil
		})
		if err != nil || i != len(items) {
			t.Fatalf("ScanItems saw %d of %d items: %v", i, len(items), err)
		}
	})
}
