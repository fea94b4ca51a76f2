package engine_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/inmem"
)

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

func open(t *testing.T, mod func(*engine.Config)) *engine.Engine {
	t.Helper()
	cfg := engine.DefaultConfig()
	if mod != nil {
		mod(&cfg)
	}
	clock := t0.Add(24 * time.Hour)
	eng, err := engine.Open(context.Background(), inmem.New(), lexical.New(lexical.Options{}), cfg,
		engine.WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func seedCatalogue(t *testing.T, eng *engine.Engine) {
	t.Helper()
	_, err := eng.UpsertItems(context.Background(), []driftrec.Item{
		{ID: "A", Text: "跑步鞋", Categories: []string{"运动鞋"}},
		{ID: "B", Text: "咖啡杯", Categories: []string{"咖啡"}},
		{ID: "C", Text: "面包", Categories: []string{"烘焙"}},
		{ID: "D", Text: "跑鞋垫", Categories: []string{"运动鞋"}},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func seedEvents() []driftrec.Event {
	return []driftrec.Event{
		{User: "u", Type: driftrec.EventQuery, Text: "性价比高的运动鞋", Session: "h1", Time: t0},
		{User: "u", Type: driftrec.EventQuery, Text: "评价好的咖啡杯", Session: "h2", Time: t0.Add(2 * time.Hour)},
		{User: "u", Type: driftrec.EventQuery, Text: "口感好的面包", Session: "h3", Time: t0.Add(4 * time.Hour)},
		{User: "u", Type: driftrec.EventQuery, Text: "舒适的鞋垫", Session: "now", Time: t0.Add(24*time.Hour - 3*time.Minute)},
		{User: "u", Type: driftrec.EventView, Text: "运动鞋", Session: "now", Time: t0.Add(24*time.Hour - 2*time.Minute)},
		{User: "u", Type: driftrec.EventClick, Item: "A", Session: "now", Time: t0.Add(24*time.Hour - time.Minute)},
	}
}

func TestSeedWorkedExample(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	res, err := eng.Ingest(ctx, seedEvents())
	if err != nil || res.Accepted != 6 {
		t.Fatalf("ingest: %+v %v", res, err)
	}
	alpha := 0.2
	// The default configuration: items the user already interacted with
	// (the clicked 跑步鞋) are left out.
	rec, err := eng.Recommend(ctx, "u", engine.RecommendOptions{N: 4, Alpha: &alpha, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Items) == 0 || rec.Items[0].ID != "D" {
		t.Fatalf("want 跑鞋垫 (D) first, got %+v", rec.Items)
	}
	ex := rec.Items[0].Explanation
	if ex == nil || len(ex.Because) == 0 || ex.Because[0].Text != "舒适的鞋垫" || !ex.Because[0].Current {
		t.Fatalf("the explanation must point at the current query: %+v", ex)
	}
	if rec.Alpha != 0.2 {
		t.Fatalf("alpha used %v", rec.Alpha)
	}
}

func TestSeedWorkedExampleEnglish(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	if _, err := eng.UpsertItems(ctx, []driftrec.Item{
		{ID: "A", Text: "running shoes"},
		{ID: "B", Text: "coffee mug"},
		{ID: "C", Text: "bread"},
		{ID: "D", Text: "running shoe insoles"},
	}); err != nil {
		t.Fatal(err)
	}
	evs := []driftrec.Event{
		{User: "e", Type: driftrec.EventQuery, Text: "good value sports shoes", Session: "h1", Time: t0},
		{User: "e", Type: driftrec.EventQuery, Text: "well reviewed coffee mug", Session: "h2", Time: t0.Add(2 * time.Hour)},
		{User: "e", Type: driftrec.EventQuery, Text: "tasty bread", Session: "h3", Time: t0.Add(4 * time.Hour)},
		{User: "e", Type: driftrec.EventQuery, Text: "comfortable insoles", Session: "now", Time: t0.Add(24*time.Hour - 3*time.Minute)},
		{User: "e", Type: driftrec.EventView, Text: "sports shoes", Session: "now", Time: t0.Add(24*time.Hour - 2*time.Minute)},
		{User: "e", Type: driftrec.EventClick, Item: "A", Session: "now", Time: t0.Add(24*time.Hour - time.Minute)},
	}
	if _, err := eng.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	alpha := 0.2
	rec, err := eng.Recommend(ctx, "e", engine.RecommendOptions{N: 4, Alpha: &alpha, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.Items[0].ID != "D" {
		t.Fatalf("want the insoles (D) first, got %+v", rec.Items)
	}
	if b := rec.Items[0].Explanation.Because; len(b) == 0 || b[0].Text != "comfortable insoles" {
		t.Fatalf("the explanation must point at the current query: %+v", b)
	}
}

// TestInterestShift: a user with a long coffee history moves to camping.
// Within a few events camping leads the list, while coffee keeps a share.
func TestInterestShift(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	var items []driftrec.Item
	for i, txt := range []string{
		"ceramic coffee mug", "espresso coffee beans", "pour over coffee kettle", "coffee grinder burr", "latte coffee cups set", "cold brew coffee maker",
		"camping tent waterproof", "camping sleeping bag", "camping stove gas", "camping lantern led", "camping chair folding", "hiking backpack camping",
	} {
		items = append(items, driftrec.Item{ID: fmt.Sprintf("i%02d", i), Text: txt})
	}
	if _, err := eng.UpsertItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	var evs []driftrec.Event
	for d := 0; d < 20; d++ {
		evs = append(evs, driftrec.Event{User: "s", Type: driftrec.EventQuery, Text: []string{"coffee mug", "coffee beans", "coffee kettle", "coffee grinder"}[d%4],
			Session: fmt.Sprintf("d%d", d), Time: t0.Add(time.Duration(d) * 24 * time.Hour)})
	}
	if _, err := eng.Ingest(ctx, evs); err != nil {
		t.Fatal(err)
	}
	share := func(rec *engine.Recommendations, word string) int {
		n := 0
		for _, it := range rec.Items {
			if strings.Contains(it.Text, word) {
				n++
			}
		}
		return n
	}
	at := t0.Add(21 * 24 * time.Hour)
	before, err := eng.Recommend(ctx, "s", engine.RecommendOptions{N: 6, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	if share(before, "camping") != 0 {
		t.Fatalf("camping before any camping event: %+v", before.Items)
	}
	for i, q := range []string{"camping tent", "camping stove", "camping lantern"} {
		if _, err := eng.Ingest(ctx, []driftrec.Event{{User: "s", Type: driftrec.EventQuery, Text: q, Session: "shift", Time: at.Add(time.Duration(i) * time.Minute)}}); err != nil {
			t.Fatal(err)
		}
	}
	after, err := eng.Recommend(ctx, "s", engine.RecommendOptions{N: 6, Now: at.Add(3 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(after.Items[0].Text, "camping") {
		t.Fatalf("after three camping queries the list should lead with camping: %+v", after.Items)
	}
	if c := share(after, "coffee"); c == 0 {
		t.Fatalf("the strong long-term coffee interest lost its share entirely: %+v", after.Items)
	}
	if c := share(after, "camping"); c < 2 {
		t.Fatalf("camping should take several slots: %+v", after.Items)
	}
}

func TestStatelessSeedExample(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	alpha := 0.2
	req := engine.StatelessRequest{
		History: []driftrec.Event{
			{Type: driftrec.EventQuery, Text: "性价比高的运动鞋"},
			{Type: driftrec.EventQuery, Text: "评价好的咖啡杯"},
			{Type: driftrec.EventQuery, Text: "口感好的面包"},
		},
		Now: []driftrec.Event{
			{Type: driftrec.EventQuery, Text: "舒适的鞋垫"},
			{Type: driftrec.EventView, Text: "运动鞋"},
			{Type: driftrec.EventClick, Item: "A"},
		},
		Options: engine.RecommendOptions{N: 4, Alpha: &alpha, Explain: true},
	}
	rec, err := eng.RecommendStateless(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Items[0].ID != "D" {
		t.Fatalf("want D first, got %+v", rec.Items)
	}
	// Nothing was stored.
	if _, err := eng.Profile(ctx, "stateless"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		t.Fatalf("stateless request stored a profile: %v", err)
	}
}

func TestValidationRejectsWholeBatch(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	_, err := eng.Ingest(ctx, []driftrec.Event{
		{User: "u", Type: driftrec.EventView, Item: "A"},
		{User: "u", Type: "teleport", Item: "B"},
	})
	if driftrec.ErrorCode(err) != driftrec.EINVALID || driftrec.ErrorField(err) != "[1].type" {
		t.Fatalf("want invalid [1].type, got %v (%s)", err, driftrec.ErrorField(err))
	}
	if _, err := eng.Profile(ctx, "u"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		t.Fatal("a rejected batch must store nothing")
	}
}

func TestColdStartServesPopular(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	for i, u := range []string{"x", "y", "z"} {
		if _, err := eng.Ingest(ctx, []driftrec.Event{{User: u, Type: driftrec.EventPurchase, Item: "C", Time: t0.Add(time.Duration(i) * time.Minute)}}); err != nil {
			t.Fatal(err)
		}
	}
	rec, err := eng.Recommend(ctx, "newcomer", engine.RecommendOptions{N: 2, Explain: true})
	if err != nil {
		t.Fatal(err)
	}
	if !rec.Cold || len(rec.Items) == 0 || rec.Items[0].ID != "C" || rec.Items[0].Explanation.Source != "popular" {
		t.Fatalf("cold start: %+v", rec)
	}
}

func TestDeleteUser(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	if _, err := eng.Ingest(ctx, seedEvents()); err != nil {
		t.Fatal(err)
	}
	ok, err := eng.DeleteUser(ctx, "u")
	if err != nil || !ok {
		t.Fatalf("delete: %v %v", ok, err)
	}
	if _, err := eng.Profile(ctx, "u"); driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		t.Fatal("profile survived deletion")
	}
	evs, _ := eng.UserEvents(ctx, "u", 0)
	if len(evs) != 0 {
		t.Fatal("events survived deletion")
	}
	if eng.Popularity().Score("A") > 1e-9 {
		t.Fatalf("popularity still counts the deleted user's click: %v", eng.Popularity().Score("A"))
	}
}

func TestRefitReembedsAndRebuilds(t *testing.T) {
	ctx := context.Background()
	eng := open(t, nil)
	seedCatalogue(t, eng)
	if _, err := eng.Ingest(ctx, seedEvents()); err != nil {
		t.Fatal(err)
	}
	id1 := eng.Encoder().ID()
	var more []driftrec.Item
	for _, txt := range []string{"咖啡豆", "法棍面包", "篮球鞋", "登山鞋", "保温杯"} {
		more = append(more, driftrec.Item{ID: txt, Text: txt})
	}
	if _, err := eng.UpsertItems(ctx, more); err != nil {
		t.Fatal(err)
	}
	if eng.Encoder().ID() == id1 {
		t.Fatal("doubling the catalogue should refit the lexical encoder")
	}
	p, err := eng.Profile(ctx, "u")
	if err != nil {
		t.Fatal(err)
	}
	if p.Encoder != eng.Encoder().ID() || p.Events != 6 {
		t.Fatalf("profile not rebuilt for the new encoder: %s (%d events)", p.Encoder, p.Events)
	}
	alpha := 0.2
	rec, err := eng.Recommend(ctx, "u", engine.RecommendOptions{N: 3, Alpha: &alpha})
	if err != nil || rec.Items[0].ID != "D" {
		t.Fatalf("after refit: %+v %v", rec, err)
	}
}
