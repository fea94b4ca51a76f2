package eval

import (
	"reflect"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
)

func rating(user, item string, ts int64, v float64, order int) dataset.Interaction {
	return dataset.Interaction{User: user, Item: item, Type: driftrec.EventRating, Value: v, HasValue: true, Time: time.Unix(ts, 0).UTC(), Order: order}
}

// tinyDataset: user a has five ratings, two of them in the same second
// (file order decides) and one out of file order; user b has two (not
// evaluated); a tag of a's comes in the second of a's validation rating.
func tinyDataset() *dataset.Dataset {
	return &dataset.Dataset{
		Name: "tiny",
		Items: []dataset.Item{
			{ID: "m1", Title: "One", Genres: []string{"Drama"}}, {ID: "m2", Title: "Two"},
			{ID: "m3", Title: "Three"}, {ID: "m4", Title: "Four"}, {ID: "m5", Title: "Five"},
		},
		Interactions: []dataset.Interaction{
			rating("a", "m1", 100, 4, 0),
			rating("a", "m3", 300, 5, 1), // same second as m4, earlier in the file: validation
			rating("b", "m1", 150, 2, 2),
			rating("a", "m4", 300, 3, 3), // test
			rating("a", "m2", 50, 1, 4),  // earliest, though late in the file
			rating("a", "m5", 200, 4, 5),
			rating("b", "m2", 160, 5, 6),
		},
		Context: []dataset.ContextEvent{
			{User: "a", Item: "m3", Type: driftrec.EventComment, Text: "great", Time: time.Unix(300, 0).UTC(), Order: 0},
			{User: "a", Item: "m1", Type: driftrec.EventComment, Text: "moving", Time: time.Unix(120, 0).UTC(), Order: 1},
			{User: "b", Item: "m2", Type: driftrec.EventComment, Text: "fun", Time: time.Unix(999, 0).UTC(), Order: 2},
		},
	}
}

func TestSplitLeaveLastTwo(t *testing.T) {
	users, phase := SplitLeaveLastTwo(tinyDataset())
	want := []UserSplit{{User: "a", Train: []int{4, 0, 5}, Valid: 1, Test: 3}}
	if !reflect.DeepEqual(users, want) {
		t.Fatalf("split %+v, want %+v", users, want)
	}
	wantPhase := []Phase{PhaseTrain, PhaseValid, PhaseTrain, PhaseTest, PhaseTrain, PhaseTrain, PhaseTrain}
	if !reflect.DeepEqual(phase, wantPhase) {
		t.Fatalf("phases %v, want %v", phase, wantPhase)
	}
}

func TestTimeline(t *testing.T) {
	d := tinyDataset()
	tl := NewTimeline(d, 2)
	type row struct {
		user, item, text string
		phase            Phase
		probe            bool
	}
	var got []row
	for _, st := range tl.Steps {
		got = append(got, row{st.Event.User, st.Event.Item, st.Event.Text, st.Phase, st.Probe})
	}
	want := []row{
		{"a", "m2", "", PhaseTrain, false},
		{"a", "m1", "", PhaseTrain, true},
		{"a", "", "moving", PhaseContext, false}, // tags lose their item
		{"b", "m1", "", PhaseTrain, false},
		{"b", "m2", "", PhaseTrain, false},
		{"a", "m5", "", PhaseTrain, true},
		{"a", "m3", "", PhaseValid, false},
		{"a", "m4", "", PhaseTest, false},
		{"a", "", "great", PhaseContext, false}, // same second: after the ratings
		{"b", "", "fun", PhaseContext, false},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("timeline\n got %+v\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(tl.Catalogue, []string{"m1", "m2", "m3", "m4", "m5"}) {
		t.Errorf("catalogue %v", tl.Catalogue)
	}
	if want := map[string]int{"m1": 2, "m2": 2, "m5": 1}; !reflect.DeepEqual(tl.TrainCount, want) || tl.TrainTotal != 5 {
		t.Errorf("train counts %v (%d)", tl.TrainCount, tl.TrainTotal)
	}
	if tl.Steps[6].Event.Value == nil || *tl.Steps[6].Event.Value != 5 || tl.Steps[6].Event.Type != driftrec.EventRating {
		t.Errorf("the validation step is not the rating event: %+v", tl.Steps[6].Event)
	}
	// Item texts: a's tag "great" comes at a's validation time and is left
	// out; "moving" (before) counts; b is not evaluated, so b's tag counts.
	items := CatalogueItems(d, tl)
	texts := map[string]string{}
	for _, it := range items {
		texts[it.ID] = it.Text
	}
	if want := map[string]string{"m1": "One. Drama. Tags: moving", "m2": "Two. Tags: fun", "m3": "Three", "m4": "Four", "m5": "Five"}; !reflect.DeepEqual(texts, want) {
		t.Errorf("item texts %v, want %v", texts, want)
	}
}
