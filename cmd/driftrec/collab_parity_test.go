package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/client"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/eval"
)

// TestServerMatchesEval trains collaborative vectors on a MovieLens
// fixture, serves them from a real server process, and checks that the
// API recommends exactly what the evaluation's engine replay recommends
// for the same events: one code path, whichever way in.
func TestServerMatchesEval(t *testing.T) {
	ctx := context.Background()
	d, err := dataset.Load(filepath.Join("..", "..", "eval", "testdata", "ml-mini"), "")
	if err != nil {
		t.Fatal(err)
	}
	seqs, items := datasetSequences(d, true)
	model, err := collab.Train(seqs, collab.Options{Seed: 1, Parts: []collab.PartSpec{
		{Kind: collab.KindCooccur, Dim: 1024}, {Kind: collab.KindTransition, Dim: 16, Window: 3, Ridge: 10},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// The adapter is fitted on text vectors of a lexical encoder fitted on
	// the catalogue, as the engine fits it.
	texts := make([]string, len(items))
	for i := range items {
		texts[i] = items[i].Text
	}
	lex := lexical.New(lexical.Options{})
	lex.Fit(texts)
	vecs, _ := lex.Encode(ctx, texts)
	byID := map[string][]float32{}
	for i := range items {
		byID[items[i].ID] = vecs[i]
	}
	if err := model.FitAdapter(lex.ID(), byID, 1); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	modelPath := filepath.Join(dir, "collab.bin")
	if err := model.SaveFile(modelPath); err != nil {
		t.Fatal(err)
	}
	cfg := engine.DefaultConfig()
	cfg.Interest.ShortStepDecay = 0.75
	cfg.Recommend.Quotas = false
	confPath := filepath.Join(dir, "driftrec.toml")
	os.WriteFile(confPath, []byte("[engine.interest]\nshort_step_decay = 0.75\n[engine.recommend]\nquotas = false\n"), 0o600)

	// The evaluation's replay: an engine on the in-memory store.
	enc, err := collab.NewEncoder(lexical.New(lexical.Options{}), model, collab.Split(model, 0.9))
	if err != nil {
		t.Fatal(err)
	}
	alpha := 0.8
	m, err := eval.NewEngineMethod(ctx, enc, cfg, items, []eval.Variant{{Name: "a", Alpha: &alpha}}, false)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	tl := eval.NewTimeline(d, 0)
	var steps []eval.Step
	var last time.Time
	for _, s := range tl.Steps {
		if s.Phase == eval.PhaseTrain || s.Phase == eval.PhaseContext {
			steps = append(steps, s)
			last = s.Event.Time
		}
	}
	if err := m.Observe(ctx, steps); err != nil {
		t.Fatal(err)
	}

	// The server, fed the same catalogue and events over HTTP.
	srv := startServer(t, "-data-dir", filepath.Join(dir, "data"), "-encoder", "lexical", "-index", "exact",
		"-collab", modelPath, "-collab-weight", "0.9", "-config", confPath, "-text-retention", "0")
	type itemWire struct {
		ID         string   `json:"id"`
		Text       string   `json:"text"`
		Categories []string `json:"categories,omitempty"`
	}
	var iw []itemWire
	for _, it := range items {
		iw = append(iw, itemWire{it.ID, it.Text, it.Categories})
	}
	body, _ := json.Marshal(iw)
	if code, resp := srv.call(t, "PUT", "/v1/items", string(body)); code != 200 {
		t.Fatalf("items: %d %v", code, resp)
	}
	for start := 0; start < len(steps); start += 500 {
		var batch []client.Event
		for _, s := range steps[start:min(start+500, len(steps))] {
			e := s.Event
			batch = append(batch, client.Event{User: e.User, Type: string(e.Type), Item: e.Item, Text: e.Text, Value: e.Value, Session: e.Session, Time: e.Time})
		}
		b, _ := json.Marshal(batch)
		if code, resp := srv.call(t, "POST", "/v1/events", string(b)); code != 200 {
			t.Fatalf("events: %d %v", code, resp)
		}
	}

	users := map[string]bool{}
	for _, s := range steps {
		users[s.Event.User] = true
	}
	checked := 0
	distinct := map[string]bool{}
	for _, u := range slices.Sorted(mapsKeys(users)) {
		at := last.Add(time.Minute)
		want, err := m.Top(ctx, u, at)
		if err != nil {
			t.Fatal(err)
		}
		code, resp := srv.call(t, "GET", fmt.Sprintf("/v1/users/%s/recommendations?n=10&alpha=0.8&explain=false&at=%s", u, at.Format(time.RFC3339Nano)), "")
		if code != 200 {
			t.Fatalf("recommendations: %d %v", code, resp)
		}
		var got []string
		for _, it := range resp["items"].([]any) {
			got = append(got, it.(map[string]any)["id"].(string))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("user %s: the server recommends\n  %s\nthe evaluation's replay\n  %s", u, strings.Join(got, " "), strings.Join(want, " "))
		}
		if len(got) != 10 {
			t.Fatalf("user %s: %d recommendations", u, len(got))
		}
		distinct[strings.Join(got, " ")] = true
		checked++
	}
	if checked < 10 || len(distinct) < checked/2 {
		t.Fatalf("%d users compared, %d distinct lists: the comparison says too little", checked, len(distinct))
	}
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}
