package importer

import (
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

func TestItemsCSV(t *testing.T) {
	in := "id,text,categories,attributes\nA,跑步鞋,运动鞋|户外,\"{\"\"price\"\": 199}\"\nB,咖啡杯,,\n"
	var got []driftrec.Item
	n, err := Items(strings.NewReader(in), CSV, 1, func(b []driftrec.Item) error { got = append(got, b...); return nil })
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if got[0].ID != "A" || len(got[0].Categories) != 2 || got[0].Attributes["price"] != 199.0 || got[1].Text != "咖啡杯" {
		t.Fatalf("got %+v", got)
	}
}

func TestEventsJSONL(t *testing.T) {
	in := `{"user":"u","type":"query","text":"运动鞋","ts":"2026-01-02T03:04:05Z"}

{"user":"u","type":"rating","item":"A","value":4.5,"ts":1700000000.5}
`
	var got []driftrec.Event
	n, err := Events(strings.NewReader(in), JSONL, 10, func(b []driftrec.Event) error { got = append(got, b...); return nil })
	if err != nil || n != 2 {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if !got[0].Time.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) || *got[1].Value != 4.5 || got[1].Time.Nanosecond() != 5e8 {
		t.Fatalf("got %+v", got)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	tests := []struct {
		name, in string
		f        Format
		events   bool
		want     string
	}{
		{"unknown column", "id,txt\nA,x\n", CSV, false, `unknown column "txt"`},
		{"missing id column", "text\nx\n", CSV, false, `"id" is required`},
		{"empty id", "id,text\n,x\n", CSV, false, "line 2"},
		{"bad attributes", "id,attributes\nA,[1]\n", CSV, false, "line 2: attributes"},
		{"bad event type", "user,type,item\nu,teleport,A\n", CSV, true, "unknown event type"},
		{"bad value", "user,type,item,value\nu,rating,A,five\n", CSV, true, `line 2: value`},
		{"bad ts", "user,type,item,ts\nu,view,A,yesterday\n", CSV, true, "line 2: ts"},
		{"rating without value", `{"user":"u","type":"rating","item":"A"}`, JSONL, true, "needs a value"},
		{"unknown json field", `{"user":"u","type":"view","item":"A","colour":1}`, JSONL, true, `line 1: invalid JSON: json: unknown field "colour"`},
		{"ragged csv", "id,text\nA,x,y\n", CSV, false, "line 2"},
		{"bad json", "{", JSONL, false, "line 1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.events {
				_, err = Events(strings.NewReader(tc.in), tc.f, 10, func([]driftrec.Event) error { return nil })
			} else {
				_, err = Items(strings.NewReader(tc.in), tc.f, 10, func([]driftrec.Item) error { return nil })
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFormatOf(t *testing.T) {
	for name, want := range map[string]Format{"a.csv": CSV, "b.JSONL": JSONL, "c.ndjson": JSONL} {
		if f, err := FormatOf(name); err != nil || f != want {
			t.Errorf("FormatOf(%q) = %v, %v", name, f, err)
		}
	}
	if _, err := FormatOf("x.txt"); err == nil {
		t.Error("want error for .txt")
	}
}

func FuzzItemsCSV(f *testing.F) {
	f.Add("id,text,categories\nA,x,a|b\n")
	f.Add("id\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = Items(strings.NewReader(in), CSV, 3, func(b []driftrec.Item) error {
			for i := range b {
				if err := b[i].Validate(""); err != nil {
					t.Fatalf("invalid item passed through: %v", err)
				}
			}
			return nil
		})
	})
}

func FuzzEventsJSONL(f *testing.F) {
	f.Add(`{"user":"u","type":"view","item":"A","ts":1}`)
	f.Add(`{"user":"u","type":"rating","item":"A","value":1e999}`)
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = Events(strings.NewReader(in), JSONL, 3, func(b []driftrec.Event) error {
			for i := range b {
				if err := b[i].Validate(""); err != nil {
					t.Fatalf("invalid event passed through: %v", err)
				}
			}
			return nil
		})
	})
}

func FuzzEventsCSV(f *testing.F) {
	f.Add("user,type,item,value,ts\nu,rating,A,3,2026-01-01T00:00:00Z\n")
	f.Fuzz(func(t *testing.T, in string) {
		_, _ = Events(strings.NewReader(in), CSV, 2, func([]driftrec.Event) error { return nil })
	})
}
