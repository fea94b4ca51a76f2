package eval

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/bridge"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/uselite"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/recommend"
)

// TestCollabAblation is a hand-run experiment, not a check: it replays
// ml-latest-small through the driftrec + collab row with engine settings
// changed one at a time and prints validation NDCG@10/HR@10 (test scores
// only with ABLATION_TEST=1, which selection must not look at). It takes
// a few minutes per setting, so it runs only when asked (with
// ABLATION_ENCODER=bridge, ABLATION_BRIDGE_SEMANTIC sets the semantic
// part's weight):
//
//	DRIFTREC_ABLATION=1 ABLATION_ENCODER=use-lite ABLATION_CF=0.7 ABLATION_ALPHA=0.8 \
//	  ABLATION_CONFIGS='base;beta=0;pop=0.02,pophl=30' go test -v -run TestCollabAblation -timeout 60m ./eval
//
// A setting is comma-separated key=value pairs applied to the collab rows'
// configuration (see applyAblation); "base" changes nothing.
// ABLATION_PARTS replaces the collaborative parts learned for every row,
// as kind:dim[:window[:ridge]] joined by "+", e.g.
// "cooccur:1024+transition:512:5" or "cooccur:1024+transition:768:8:1".
func TestCollabAblation(t *testing.T) {
	if os.Getenv("DRIFTREC_ABLATION") == "" {
		t.Skip("hand-run experiment: set DRIFTREC_ABLATION=1")
	}
	ctx := context.Background()
	d, err := dataset.Load("../../shared/data/ml-latest-small", "")
	if err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.Log = slog.New(slog.DiscardHandler)
	if v := os.Getenv("ABLATION_PARTS"); v != "" {
		parts, err := parseCollabParts(v)
		if err != nil {
			t.Fatal(err)
		}
		o.CollabParts = parts
	}
	tl := NewTimeline(d, 0)
	ev := &evaluator{o: o, d: d, tl: tl, items: CatalogueItems(d, tl), sem: make(chan struct{}, o.Workers)}
	for i := len(tl.Steps) - 1; i >= 0; i-- {
		if tl.Steps[i].Phase == PhaseValid {
			ev.validSteps = i + 1
			break
		}
	}
	var spec EncoderSpec
	switch enc := ablationEnv("ABLATION_ENCODER", "use-lite"); enc {
	case "lexical":
		spec = EncoderSpec{Name: enc, New: func() driftrec.Encoder { return lexical.New(lexical.Options{}) }}
	case "use-lite":
		u, err := uselite.Load("../models/use-lite")
		if err != nil {
			t.Fatal(err)
		}
		spec = EncoderSpec{Name: enc, New: func() driftrec.Encoder { return u }}
	case "bridge":
		u, err := uselite.Load("../models/use-lite")
		if err != nil {
			t.Fatal(err)
		}
		g, err := bridge.OpenGlosser(ctx, "../models", bridge.Options{})
		if err != nil {
			t.Fatal(err)
		}
		// ABLATION_BRIDGE_SEMANTIC is the semantic part's weight; the
		// lexical part gets the rest.
		sem := ablationFloats(t, "ABLATION_BRIDGE_SEMANTIC", strconv.FormatFloat(bridge.DefaultSemanticWeight, 'g', -1, 64))[0]
		if sem <= 0 || sem >= 1 {
			t.Fatalf("ABLATION_BRIDGE_SEMANTIC %g: want a weight strictly between 0 and 1", sem)
		}
		newBridge, err := bridge.Factory(u, g, bridge.Options{SemanticWeight: sem, LexicalWeight: 1 - sem})
		if err != nil {
			t.Fatal(err)
		}
		spec = EncoderSpec{Name: enc, New: func() driftrec.Encoder { return newBridge() }}
	default:
		t.Fatalf("ABLATION_ENCODER %q: want lexical, use-lite or bridge", enc)
	}
	test := os.Getenv("ABLATION_TEST") != ""
	alphas := ablationFloats(t, "ABLATION_ALPHA", "0.8")
	type row struct {
		cf      float64
		setting string
		j       *job
		vs      []Variant
	}
	var rows []row
	var jobs []*job
	for _, cf := range ablationFloats(t, "ABLATION_CF", "0.7") {
		for _, setting := range strings.Split(ablationEnv("ABLATION_CONFIGS", "base"), ";") {
			cfg := collabConfig()
			if err := applyAblation(&cfg, setting); err != nil {
				t.Fatal(err)
			}
			var vs []Variant
			for _, a := range alphas {
				vs = append(vs, Variant{Name: strconv.FormatFloat(a, 'g', -1, 64), Alpha: ptr(a)})
			}
			j := ev.collabJob("ablation "+setting, spec, cf, cfg, vs, !test)
			rows = append(rows, row{cf, setting, j, vs})
			jobs = append(jobs, j)
		}
	}
	if err := ev.run(ctx, jobs); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		for v := range r.vs {
			n, h := validScore(r.j.res, v)
			line := fmt.Sprintf("%s cf=%g %-32s α=%-4s valid NDCG@10 %.4f HR@10 %.4f", spec.Name, r.cf, r.setting, r.vs[v].Name, n, h)
			if test {
				vals := rankValues(r.j.res.test[v])
				line += fmt.Sprintf("  test NDCG@10 %.4f", mean(vals[MetricNDCG10]))
			}
			t.Log(line)
		}
	}
}

// applyAblation applies one setting (see TestCollabAblation) to cfg.
func applyAblation(cfg *engine.Config, setting string) error {
	if setting == "base" || setting == "" {
		return nil
	}
	for _, kv := range strings.Split(setting, ",") {
		k, v, _ := strings.Cut(kv, "=")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil && k != "max" && k != "quotas" && k != "allpos" {
			return fmt.Errorf("setting %q: %s needs a number", setting, k)
		}
		switch k {
		case "hl": // long-term half-life, days
			cfg.Interest.HalfLife = durationDays(f)
		case "k":
			cfg.Interest.MaxInterests = int(f)
		case "join":
			cfg.Interest.JoinSimilarity = f
		case "gap": // session gap, hours
			cfg.Interest.SessionGap = durationDays(f / 24)
		case "step":
			cfg.Interest.ShortStepDecay = f
		case "neg":
			cfg.Interest.Rating.NegativeBelow = f
		case "allpos":
			cfg.Interest.Rating = ratingAllPositive()
		case "beta":
			cfg.Recommend.NegativePenalty = f
		case "pop":
			cfg.Recommend.PopularityWeight = f
		case "pophl": // popularity half-life, days
			cfg.PopularityHalfLife = durationDays(f)
		case "cand":
			cfg.Recommend.Candidates = int(f)
		case "max":
			cfg.Recommend.Scoring = recommend.ScoringMax
		case "quotas":
			cfg.Recommend.Quotas = true
		default:
			return fmt.Errorf("setting %q: unknown key %q", setting, k)
		}
	}
	return nil
}

func ablationEnv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func ablationFloats(t *testing.T, k, def string) []float64 {
	var out []float64
	for _, s := range strings.Split(ablationEnv(k, def), ",") {
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out = append(out, f)
	}
	return out
}

// parseCollabParts reads ABLATION_PARTS (see TestCollabAblation).
func parseCollabParts(v string) ([]collab.PartSpec, error) {
	var parts []collab.PartSpec
	for _, p := range strings.Split(v, "+") {
		f := strings.Split(p, ":")
		if len(f) < 2 || len(f) > 4 {
			return nil, fmt.Errorf("ABLATION_PARTS %q: want kind:dim[:window[:ridge]]", p)
		}
		spec := collab.PartSpec{Kind: f[0]}
		var err error
		if spec.Dim, err = strconv.Atoi(f[1]); err != nil {
			return nil, fmt.Errorf("ABLATION_PARTS %q: %w", p, err)
		}
		if len(f) >= 3 {
			if spec.Window, err = strconv.Atoi(f[2]); err != nil {
				return nil, fmt.Errorf("ABLATION_PARTS %q: %w", p, err)
			}
		}
		if len(f) == 4 {
			if spec.Ridge, err = strconv.ParseFloat(f[3], 64); err != nil {
				return nil, fmt.Errorf("ABLATION_PARTS %q: %w", p, err)
			}
		}
		parts = append(parts, spec)
	}
	return parts, nil
}
