package eval

import (
	"context"
	"testing"
)

// replayTiny runs a method over the tiny timeline and returns the ranks of
// user a's validation and test queries for each variant.
func replayTiny(t *testing.T, m func(*Timeline) Method) (*Timeline, *runResult) {
	t.Helper()
	tl := NewTimeline(tinyDataset(), 2)
	res, err := replay(context.Background(), tl, m(tl), replayOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return tl, res
}

func TestPopularityRanks(t *testing.T) {
	_, res := replayTiny(t, func(tl *Timeline) Method { return NewPopularity(tl) })
	// Validation of a (m3, t=300): replayed before it are a:m2, a:m1,
	// b:m1, b:m2, a:m5 (all training). Counts m1 2, m2 2, m5 1, m3 0,
	// m4 0. a has seen m1, m2, m5, so the candidates are m3 and m4, both
	// at 0: rank 1 + 1/2.
	// Test of a (m4): a's validation m3 is now seen; m4 alone: rank 1.
	// The static variant counts the same training split: the same ranks.
	for v, name := range []string{"train-so-far", "all-so-far", "train-static"} {
		if res.valid[v][0] != 1.5 || res.test[v][0] != 1 {
			t.Errorf("%s: valid %v test %v, want 1.5 and 1", name, res.valid[v][0], res.test[v][0])
		}
	}
	// a's probes: before m1 (a has seen m2) and before m5 (m2, m1 seen),
	// then the validation list.
	p := res.probes[0]
	if len(p) != 3 {
		t.Fatalf("%d probe lists, want 3", len(p))
	}
	// Before a:m5, a has seen m2 and m1; m3, m4, m5 all have no
	// training interactions yet and are listed by ID.
	if got := p[1]; len(got) != 3 || got[0] != "m3" || got[1] != "m4" || got[2] != "m5" {
		t.Errorf("list before m5 %v, want [m3 m4 m5]", got)
	}
}

func TestItemKNNScores(t *testing.T) {
	tl := NewTimeline(tinyDataset(), 2)
	k := NewItemKNN(tl, 10)
	// Training split: a has m2, m1, m5; b has m1, m2. U(m1) = U(m2) =
	// {a, b}, U(m5) = {a}. cos(m1, m2) = 2/2 = 1; cos(m1, m5) =
	// 1/√2; m3, m4 have no training users.
	if err := k.Observe(context.Background(), tl.Steps[:1]); err != nil { // a:m2
		t.Fatal(err)
	}
	s := k.scores("a")
	pos := k.cat.pos
	want := map[string]float64{"m1": 1, "m2": 1, "m5": 0.7071067811865475, "m3": 0, "m4": 0}
	for id, w := range want {
		if d := s[pos[id]] - w; d > 1e-12 || d < -1e-12 {
			t.Errorf("score(%s) = %v, want %v", id, s[pos[id]], w)
		}
	}
	pred, err := k.Predict(context.Background(), Query{User: "a", Target: "m5"})
	if err != nil {
		t.Fatal(err)
	}
	// Candidates m1 (1), m5 (0.707), m3 (0), m4 (0): m5 is second.
	if pred[0].Rank != 2 || pred[0].Top[0] != "m1" {
		t.Errorf("rank %v top %v, want 2 and m1 first", pred[0].Rank, pred[0].Top)
	}
}
