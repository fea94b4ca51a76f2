package bolt

import (
	"bytes"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

func TestItemRecordRoundTrip(t *testing.T) {
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC)
	tests := []driftrec.EmbeddedItem{
		{Item: driftrec.Item{ID: "a"}},
		{Item: driftrec.Item{ID: "b", Text: "跑鞋", Categories: []string{}, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
			Attributes: map[string]any{"price": 9.5, "tags": []any{"x", nil, true}}},
			Vector: []float32{1, float32(math.Inf(-1)), math.Float32frombits(0x7fc00001)}, Encoder: "use-lite"},
		{Item: driftrec.Item{ID: "c", Categories: []string{"", "shoes"}}, Vector: []float32{}},
	}
	for _, want := range tests {
		data, err := appendItem(nil, &want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeItem(want.ID, data)
		if err != nil {
			t.Fatal(err)
		}
		if len(want.Vector) == 0 && len(got.Vector) == 0 {
			got.Vector = want.Vector // nil and empty are alike for vectors
		}
		if !sameBits(got.Vector, want.Vector) {
			t.Fatalf("item %s: vector %v, want %v", want.ID, got.Vector, want.Vector)
		}
		got.Vector, want.Vector = nil, nil
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("item round trip:\n got  %+v\n want %+v", got, want)
		}
	}
}

func sameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestEventRecordRoundTrip(t *testing.T) {
	v := -2.5
	tests := []driftrec.Event{
		{User: "u", Seq: 1, Type: driftrec.EventView, Item: "i"},
		{User: "u", Seq: 2, Type: driftrec.EventRating, Item: "i", Text: "好", Value: &v, Session: "s",
			Time: time.Date(2025, 1, 1, 0, 0, 0, 999, time.UTC)},
	}
	for _, want := range tests {
		got, err := decodeEvent(want.User, want.Seq, appendEvent(nil, &want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("event round trip:\n got  %+v\n want %+v", got, want)
		}
	}
}

func TestRecordDecodersReject(t *testing.T) {
	item, err := appendItem(nil, &driftrec.EmbeddedItem{Item: driftrec.Item{ID: "a", Categories: []string{"x"},
		Attributes: map[string]any{"k": 1.0}}, Vector: []float32{1, 2}})
	if err != nil {
		t.Fatal(err)
	}
	event := appendEvent(nil, &driftrec.Event{User: "u", Type: driftrec.EventView, Item: "x"})
	for n := range len(item) {
		if _, err := decodeItem("a", item[:n]); err == nil {
			t.Fatalf("item record truncated to %d bytes decoded", n)
		}
	}
	for n := range len(event) {
		if _, err := decodeEvent("u", 1, event[:n]); err == nil {
			t.Fatalf("event record truncated to %d bytes decoded", n)
		}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"item format", second(decodeItem("a", append([]byte{9}, item[1:]...))), "format 9 is not supported"},
		{"item trailing", second(decodeItem("a", append(bytes.Clone(item), 0))), "trailing"},
		{"item huge vector", second(decodeItem("a", []byte{1, 0, 0xff, 0xff, 0xff, 0xff, 0x0f})), "does not fit"},
		{"event value flag", second(decodeEvent("u", 1, []byte{1, 0, 0, 0, 7})), "bad value flag"},
		{"event format", second(decodeEvent("u", 1, []byte{0})), "format 0 is not supported"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: got %v, want an error containing %q", tt.name, tt.err, tt.want)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func FuzzDecodeItem(f *testing.F) {
	for _, it := range []driftrec.EmbeddedItem{
		{Item: driftrec.Item{ID: "a"}},
		{Item: driftrec.Item{ID: "b", Text: "t", Categories: []string{"c"}, Attributes: map[string]any{"k": []any{1.0}}},
			Vector: []float32{1, 2, 3}, Encoder: "e"},
	} {
		data, err := appendItem(nil, &it)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		it, err := decodeItem("id", data)
		if err != nil {
			return
		}
		again, err := appendItem(nil, &it)
		if err != nil {
			t.Fatalf("a decoded item does not encode: %v", err)
		}
		back, err := decodeItem("id", again)
		if err != nil {
			t.Fatalf("a re-encoded item does not decode: %v", err)
		}
		if !sameBits(back.Vector, it.Vector) || back.Text != it.Text || back.Encoder != it.Encoder ||
			!back.CreatedAt.Equal(it.CreatedAt) || len(back.Categories) != len(it.Categories) {
			t.Fatalf("item changed in a second round trip")
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	v := 1.5
	f.Add(appendEvent(nil, &driftrec.Event{Type: driftrec.EventView, Item: "i"}))
	f.Add(appendEvent(nil, &driftrec.Event{Type: driftrec.EventRating, Text: "t", Value: &v, Session: "s", Time: time.Unix(1, 2)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEvent("u", 7, data)
		if err != nil {
			return
		}
		back, err := decodeEvent("u", 7, appendEvent(nil, &e))
		if err != nil {
			t.Fatalf("a re-encoded event does not decode: %v", err)
		}
		if back.Type != e.Type || back.Item != e.Item || back.Text != e.Text || back.Session != e.Session ||
			!back.Time.Equal(e.Time) || (back.Value == nil) != (e.Value == nil) {
			t.Fatalf("event changed in a second round trip: %+v, then %+v", e, back)
		}
	})
}
