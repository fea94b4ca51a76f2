package eval

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/lexical"
)

func miniOptions() Options {
	o := DefaultOptions()
	o.Resamples = 200
	o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	o.Encoders = []EncoderSpec{{Name: "lexical", New: func() driftrec.Encoder { return lexical.New(lexical.Options{}) }}}
	return o
}

// TestEvaluateMini runs every method through the real engine on a small
// real dataset and checks the report against the protocol.
func TestEvaluateMini(t *testing.T) {
	d, err := dataset.Load(filepath.Join("testdata", "ml-mini"), "")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := Evaluate(context.Background(), d, miniOptions())
	if err != nil {
		t.Fatal(err)
	}
	wantMethods := []string{"popularity", "popularity-all-so-far", "popularity-static", "item-knn", "seed-plain/lexical", "driftrec/lexical", "driftrec+collab/lexical"}
	if strings.Join(rep.Order, ",") != strings.Join(wantMethods, ",") {
		t.Fatalf("methods %v, want %v", rep.Order, wantMethods)
	}
	if rep.Dataset.EvaluatedUsers != 30 || rep.Dataset.Catalogue != 539 {
		t.Errorf("dataset %+v", rep.Dataset)
	}
	for _, name := range rep.Order {
		m := rep.Methods[name]
		for _, phase := range []Metrics{m.Test, m.Valid} {
			for _, k := range []string{MetricNDCG10, MetricHR10, MetricNDCG20, MetricHR20, MetricMRR, MetricCoverage} {
				if v := phase[k]; math.IsNaN(v) || v < 0 || v > 1 {
					t.Errorf("%s %s = %v", name, k, v)
				}
			}
			if phase[MetricHR10] > phase[MetricHR20] || phase[MetricNDCG10] > phase[MetricNDCG20] || phase[MetricNDCG10] > phase[MetricHR10] {
				t.Errorf("%s: inconsistent metrics %v", name, phase)
			}
		}
		if ci := m.CI95["test"][MetricNDCG10]; !(ci[0] <= m.Test[MetricNDCG10] && m.Test[MetricNDCG10] <= ci[1]) {
			t.Errorf("%s: test NDCG@10 %v outside its interval %v", name, m.Test[MetricNDCG10], ci)
		}
		if s := m.Test[MetricStability]; name != "popularity-all-so-far" && name != "popularity-static" && (math.IsNaN(s) || s < 0 || s > 1) {
			t.Errorf("%s: stability %v", name, s)
		}
		if m.Unranked != 0 {
			t.Errorf("%s: %d targets unranked", name, m.Unranked)
		}
	}
	if _, ok := rep.Methods[rep.BestByValidation]; !ok {
		t.Errorf("best_by_validation %q is not a method", rep.BestByValidation)
	}

	// The static popularity variant, recomputed here from the split alone.
	users, phase := SplitLeaveLastTwo(d)
	count := map[string]float64{}
	catalogue := map[string]bool{}
	for i, x := range d.Interactions {
		catalogue[x.Item] = true
		if phase[i] == PhaseTrain {
			count[x.Item]++
		}
	}
	var ndcg float64
	for _, u := range users {
		seen := map[string]bool{d.Interactions[u.Valid].Item: true}
		for _, j := range u.Train {
			seen[d.Interactions[j].Item] = true
		}
		target := d.Interactions[u.Test].Item
		higher, equal := 0, 0
		for id := range catalogue {
			if seen[id] || id == target {
				continue
			}
			switch {
			case count[id] > count[target]:
				higher++
			case count[id] == count[target]:
				equal++
			}
		}
		ndcg += NDCGAt(1+float64(higher)+float64(equal)/2, 10)
	}
	ndcg /= float64(len(users))
	if got := rep.Methods["popularity-static"].Test[MetricNDCG10]; math.Abs(got-ndcg) > 1e-12 {
		t.Errorf("static popularity test NDCG@10 %v, recomputed %v", got, ndcg)
	}

	// The JSON contract.
	js, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	checkContract(t, js)

	// Markdown and plots.
	dir := t.TempDir()
	plots, err := WritePlots(rep, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range plots {
		b, err := os.ReadFile(filepath.Join(dir, p))
		if err != nil || !bytes.Contains(b, []byte("<svg")) {
			t.Errorf("plot %s is not SVG: %v", p, err)
		}
	}
	var md bytes.Buffer
	if err := WriteMarkdown(rep, plots, &md); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| item-knn † |", "driftrec/lexical", "## Protocol", "cold_items"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("Markdown lacks %q", want)
		}
	}
}

// checkContract checks the fields other tools read.
func checkContract(t *testing.T, js []byte) {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(js, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"dataset", "protocol", "methods", "best_by_validation"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("report lacks %q", k)
		}
	}
	var methods map[string]struct {
		Test   map[string]*float64             `json:"test"`
		Valid  map[string]*float64             `json:"valid"`
		CI95   map[string]map[string][]float64 `json:"ci95"`
		Params map[string]any                  `json:"params"`
	}
	if err := json.Unmarshal(doc["methods"], &methods); err != nil {
		t.Fatal(err)
	}
	var best string
	if err := json.Unmarshal(doc["best_by_validation"], &best); err != nil {
		t.Fatal(err)
	}
	if _, ok := methods[best]; !ok {
		t.Errorf("best_by_validation %q not among methods", best)
	}
	for name, m := range methods {
		for _, k := range []string{"NDCG@10", "HR@10", "NDCG@20", "HR@20", "MRR", "coverage"} {
			if m.Test[k] == nil || m.Valid[k] == nil {
				t.Errorf("%s lacks test or valid %s", name, k)
			}
			if ci := m.CI95["test"][k]; len(ci) != 2 || ci[0] > ci[1] {
				t.Errorf("%s: ci95.test.%s = %v", name, k, ci)
			}
		}
		if m.Params == nil {
			t.Errorf("%s has no params", name)
		}
	}
}

// TestSweepMini runs the tuning on the small dataset: it must choose on
// validation and report a curve per parameter.
func TestSweepMini(t *testing.T) {
	if testing.Short() {
		t.Skip("the sweep replays the data about 25 times")
	}
	d, err := dataset.Load(filepath.Join("testdata", "ml-mini"), "")
	if err != nil {
		t.Fatal(err)
	}
	o := miniOptions()
	o.Sweep = true
	rep, err := Evaluate(context.Background(), d, o)
	if err != nil {
		t.Fatal(err)
	}
	curves := rep.Sweep.Curves["driftrec/lexical"]
	for _, p := range append([]string{"alpha", "diversity"}, paramNames()...) {
		if len(curves[p]) < 2 {
			t.Errorf("no curve for %s", p)
		}
	}
	// The chosen α is the best point of the final α curve.
	best, at := -1.0, ""
	for _, pt := range curves["alpha"] {
		if pt.NDCG10 > best {
			best, at = pt.NDCG10, pt.Value
		}
	}
	if got := rep.Methods["driftrec/lexical"].Params["alpha"]; formatAny(got) != at {
		t.Errorf("chosen alpha %v, best on validation %s", got, at)
	}
	if c := rep.Sweep.Curves["driftrec+collab/lexical"]; len(c["cf_weight"]) != len(collabWeights) || len(c["alpha"]) != len(collabAlphaGrid) {
		t.Errorf("collab curves %v", c)
	}
	if got := rep.Methods["driftrec+collab/lexical"].Params["cf_weight"]; got == nil {
		t.Error("the collab method does not report its weight")
	}
	if len(rep.Sweep.Curves["seed-plain/lexical"]["alpha"]) != len(alphaGrid) {
		t.Errorf("seed-plain alpha curve %v", rep.Sweep.Curves["seed-plain/lexical"])
	}
}

func paramNames() []string {
	var out []string
	for _, p := range driftrecParams() {
		out = append(out, p.name)
	}
	return out
}

func formatAny(x any) string {
	b, _ := json.Marshal(x)
	return string(b)
}
