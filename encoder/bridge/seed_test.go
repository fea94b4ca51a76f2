package bridge

import (
	"context"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/inmem"
)

// TestSeedExamplesDefault runs the seed's worked example, in Chinese and in
// English, through the engine with the default encoder and configuration.
func TestSeedExamplesDefault(t *testing.T) {
	ctx := context.Background()
	enc, err := Open(ctx, models(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	at := t0.Add(24 * time.Hour)
	cases := []struct {
		name        string
		items       []string // A, B, C, D
		hist, now   []string // history queries; current query, browsed category
		wantBecause string
	}{
		{"chinese", []string{"跑步鞋", "咖啡杯", "面包", "跑鞋垫"},
			[]string{"性价比高的运动鞋", "评价好的咖啡杯", "口感好的面包"}, []string{"舒适的鞋垫", "运动鞋"}, "舒适的鞋垫"},
		{"english", []string{"running shoes", "coffee mug", "bread", "running shoe insoles"},
			[]string{"good value sports shoes", "well reviewed coffee mug", "tasty bread"}, []string{"comfortable insoles", "sports shoes"}, "comfortable insoles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := engine.Open(ctx, inmem.New(), enc, engine.DefaultConfig(), engine.WithClock(func() time.Time { return at }))
			if err != nil {
				t.Fatal(err)
			}
			defer eng.Close()
			var items []driftrec.Item
			for i, txt := range tc.items {
				items = append(items, driftrec.Item{ID: string(rune('A' + i)), Text: txt})
			}
			if _, err := eng.UpsertItems(ctx, items); err != nil {
				t.Fatal(err)
			}
			evs := []driftrec.Event{
				{User: "u", Type: driftrec.EventQuery, Text: tc.hist[0], Session: "h1", Time: t0},
				{User: "u", Type: driftrec.EventQuery, Text: tc.hist[1], Session: "h2", Time: t0.Add(2 * time.Hour)},
				{User: "u", Type: driftrec.EventQuery, Text: tc.hist[2], Session: "h3", Time: t0.Add(4 * time.Hour)},
				{User: "u", Type: driftrec.EventQuery, Text: tc.now[0], Session: "now", Time: at.Add(-3 * time.Minute)},
				{User: "u", Type: driftrec.EventView, Text: tc.now[1], Session: "now", Time: at.Add(-2 * time.Minute)},
				{User: "u", Type: driftrec.EventClick, Item: "A", Session: "now", Time: at.Add(-time.Minute)},
			}
			if _, err := eng.Ingest(ctx, evs); err != nil {
				t.Fatal(err)
			}
			alpha := 0.2
			rec, err := eng.Recommend(ctx, "u", engine.RecommendOptions{N: 3, Alpha: &alpha, Explain: true})
			if err != nil {
				t.Fatal(err)
			}
			if rec.Items[0].ID != "D" {
				t.Fatalf("want %s (D) first, got %+v", tc.items[3], rec.Items)
			}
			b := rec.Items[0].Explanation.Because
			if len(b) == 0 || b[0].Text != tc.wantBecause || !b[0].Current {
				t.Fatalf("explanation should cite the current query: %+v", b)
			}
			if tc.name == "chinese" && (b[0].Gloss == "" || rec.Items[0].Gloss == "") {
				t.Fatalf("explanations should show the glosses: %+v / %q", b[0], rec.Items[0].Gloss)
			}
			t.Logf("%s: %s (%.3f) because %s %q [%s]", tc.name, rec.Items[0].Text, rec.Items[0].Score, b[0].Type, b[0].Text, b[0].Gloss)
		})
	}
}
