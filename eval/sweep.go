package eval

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/recommend"
)

// The request-time grids: α (weight of the short-term state) and the
// diversity λ of maximal marginal relevance.
var (
	alphaGrid     = []float64{0, 0.2, 0.4, 0.6, 0.8, 0.9, 1}
	diversityGrid = []float64{0, 0.1, 0.3}
)

// tunedConfig is a configuration chosen on validation.
type tunedConfig struct {
	cfg     engine.Config
	variant Variant
	// cfWeight is the collaborative share of collab methods.
	cfWeight float64
}

// sweepValue is one value of a replay-level parameter.
type sweepValue struct {
	label string
	apply func(*engine.Config)
}

// sweepParam is a replay-level parameter with its grid; def is the index
// of the default value.
type sweepParam struct {
	name   string
	values []sweepValue
	def    int
}

func durationDays(days float64) interest.Duration {
	return interest.Duration(days * float64(24*time.Hour))
}

// ratingAllPositive weighs every rating 1: the seed's plain mean.
func ratingAllPositive() interest.RatingMap {
	return interest.RatingMap{PositiveFrom: 0, NegativeBelow: 0, Base: 1, Slope: 0, Neutral: 1}
}

// driftrecParams are the replay-level parameters of the full model, in the
// order coordinate search visits them.
func driftrecParams() []sweepParam {
	hl := func(label string, days float64) sweepValue {
		return sweepValue{label, func(c *engine.Config) { c.Interest.HalfLife = durationDays(days) }}
	}
	mi := func(n int) sweepValue {
		return sweepValue{strconv.Itoa(n), func(c *engine.Config) { c.Interest.MaxInterests = n }}
	}
	js := func(s float64) sweepValue {
		return sweepValue{strconv.FormatFloat(s, 'g', -1, 64), func(c *engine.Config) { c.Interest.JoinSimilarity = s }}
	}
	// The short-term half-life follows the session gap: a session of
	// hours whose state halves every 30 minutes would be a short session
	// in disguise.
	sg := func(label string, d time.Duration) sweepValue {
		return sweepValue{label, func(c *engine.Config) {
			c.Interest.SessionGap = interest.Duration(d)
			c.Interest.ShortHalfLife = interest.Duration(d)
		}}
	}
	nb := func(label string, below float64) sweepValue {
		return sweepValue{label, func(c *engine.Config) { c.Interest.Rating.NegativeBelow = below }}
	}
	return []sweepParam{
		{name: "half_life", def: 1, values: []sweepValue{hl("7d", 7), hl("30d", 30), hl("90d", 90), hl("365d", 365), hl("none", 0)}},
		{name: "max_interests", def: 3, values: []sweepValue{mi(1), mi(2), mi(4), mi(8), mi(16)}},
		{name: "join_similarity", def: 2, values: []sweepValue{js(0.2), js(0.35), js(0.5), js(0.65), js(0.8)}},
		{name: "session_gap", def: 1, values: []sweepValue{sg("10m", 10*time.Minute), sg("30m", 30*time.Minute), sg("2h", 2*time.Hour), sg("12h", 12*time.Hour), sg("3d", 72*time.Hour)}},
		{name: "negative_below", def: 2, values: []sweepValue{nb("none", 0), nb("2.0", 2), nb("2.5", 2.5), nb("3.0", 3)}},
		{name: "scoring", def: 0, values: []sweepValue{
			{recommend.ScoringMixture, func(c *engine.Config) { c.Recommend.Scoring = recommend.ScoringMixture }},
			{recommend.ScoringMax, func(c *engine.Config) { c.Recommend.Scoring = recommend.ScoringMax }},
		}},
		{name: "quotas", def: 0, values: []sweepValue{
			{"on", func(c *engine.Config) { c.Recommend.Quotas = true }},
			{"off", func(c *engine.Config) { c.Recommend.Quotas = false }},
		}},
	}
}

func alphaVariants() []Variant {
	out := make([]Variant, len(alphaGrid))
	for i, a := range alphaGrid {
		out[i] = Variant{Name: "alpha=" + strconv.FormatFloat(a, 'g', -1, 64), Alpha: ptr(a), Params: map[string]any{"alpha": a}}
	}
	return out
}

func diversityVariants(alpha *float64) []Variant {
	out := make([]Variant, len(diversityGrid))
	for i, l := range diversityGrid {
		out[i] = Variant{Name: "diversity=" + strconv.FormatFloat(l, 'g', -1, 64), Alpha: alpha, Diversity: l, Params: map[string]any{"diversity": l}}
	}
	return out
}

// sweep tunes, per encoder, the seed's plain method (α) and the full model
// (coordinate search over driftrecParams, then α, then diversity), all on
// validation NDCG@10 with validation-only replays.
func (ev *evaluator) sweep(ctx context.Context) (map[string]*tunedConfig, *SweepReport, error) {
	rep := &SweepReport{Objective: "validation NDCG@10", Curves: map[string]map[string][]SweepPoint{}}
	perEncoder := 1 + 3 + len(collabWeights) // plain α; full: first α, final α, diversity; collab weights
	for _, p := range driftrecParams() {
		perEncoder += len(p.values) - 1
	}
	ev.plan(0, perEncoder*len(ev.o.Encoders))
	tuned := map[string]*tunedConfig{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, 3*len(ev.o.Encoders))
	for i, e := range ev.o.Encoders {
		wg.Add(3)
		go func() {
			defer wg.Done()
			t, w, curves, err := ev.tuneCollab(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			errs[3*i+2] = err
			if t != nil {
				t.cfWeight = w
			}
			tuned[e.Name+"/collab"], rep.Curves["driftrec+collab/"+e.Name] = t, curves
		}()
		go func() {
			defer wg.Done()
			t, curves, err := ev.tunePlain(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			errs[3*i] = err
			tuned[e.Name+"/seed-plain"], rep.Curves["seed-plain/"+e.Name] = t, curves
		}()
		go func() {
			defer wg.Done()
			t, curves, err := ev.tuneFull(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			errs[3*i+1] = err
			tuned[e.Name+"/driftrec"], rep.Curves["driftrec/"+e.Name] = t, curves
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	rep.Runs = int(ev.runs.Load())
	return tuned, rep, nil
}

// bestVariant returns the variant with the best validation NDCG@10 and
// the curve over all variants.
func bestVariant(res *runResult, label func(v Variant) string) (int, []SweepPoint) {
	best, bestScore := 0, -1.0
	var pts []SweepPoint
	for v := range res.variants {
		n, h := validScore(res, v)
		pts = append(pts, SweepPoint{Value: label(res.variants[v]), X: float64(v), NDCG10: n, HR10: h})
		if n > bestScore {
			best, bestScore = v, n
		}
	}
	return best, pts
}

func alphaLabel(v Variant) string { return strconv.FormatFloat(*v.Alpha, 'g', -1, 64) }

func (ev *evaluator) tunePlain(ctx context.Context, e EncoderSpec) (*tunedConfig, map[string][]SweepPoint, error) {
	cfg := plainConfig()
	j := ev.engineJob("sweep seed-plain/"+e.Name, e, cfg, alphaVariants(), true, true)
	if err := ev.run(ctx, []*job{j}); err != nil {
		return nil, nil, err
	}
	b, pts := bestVariant(j.res, alphaLabel)
	return &tunedConfig{cfg: cfg, variant: j.res.variants[b]}, map[string][]SweepPoint{"alpha": pts}, nil
}

func (ev *evaluator) tuneFull(ctx context.Context, e EncoderSpec) (*tunedConfig, map[string][]SweepPoint, error) {
	curves := map[string][]SweepPoint{}
	cfg := engine.DefaultConfig()
	name := "sweep driftrec/" + e.Name

	// α first, at the defaults.
	j := ev.engineJob(name+" alpha", e, cfg, alphaVariants(), false, true)
	if err := ev.run(ctx, []*job{j}); err != nil {
		return nil, nil, err
	}
	b, _ := bestVariant(j.res, alphaLabel)
	alpha := j.res.variants[b]
	best, bestHR := validScore(j.res, b)

	for _, p := range driftrecParams() {
		var jobs []*job
		var at []int
		for i, v := range p.values {
			if i == p.def {
				continue
			}
			c := cfg
			v.apply(&c)
			jobs = append(jobs, ev.engineJob(fmt.Sprintf("%s %s=%s", name, p.name, v.label), e, c, []Variant{alpha}, false, true))
			at = append(at, i)
		}
		if err := ev.run(ctx, jobs); err != nil {
			return nil, nil, err
		}
		pts := make([]SweepPoint, len(p.values))
		pts[p.def] = SweepPoint{Value: p.values[p.def].label, X: float64(p.def), NDCG10: best, HR10: bestHR}
		chosen := p.def
		for k, jj := range jobs {
			n, h := validScore(jj.res, 0)
			pts[at[k]] = SweepPoint{Value: p.values[at[k]].label, X: float64(at[k]), NDCG10: n, HR10: h}
			if n > best {
				best, bestHR, chosen = n, h, at[k]
			}
		}
		curves[p.name] = pts
		p.values[chosen].apply(&cfg)
		ev.o.Log.Info("sweep", "method", "driftrec/"+e.Name, "param", p.name, "chosen", p.values[chosen].label, "valid_ndcg10", best)
	}

	// α again at the tuned configuration (its curve is the one reported),
	// then diversity at the chosen α.
	j = ev.engineJob(name+" alpha (tuned)", e, cfg, alphaVariants(), false, true)
	if err := ev.run(ctx, []*job{j}); err != nil {
		return nil, nil, err
	}
	b, curves["alpha"] = bestVariant(j.res, alphaLabel)
	alpha = j.res.variants[b]
	j = ev.engineJob(name+" diversity", e, cfg, diversityVariants(alpha.Alpha), false, true)
	if err := ev.run(ctx, []*job{j}); err != nil {
		return nil, nil, err
	}
	b, curves["diversity"] = bestVariant(j.res, func(v Variant) string { return strconv.FormatFloat(v.Diversity, 'g', -1, 64) })
	chosen := j.res.variants[b]
	chosen.Name = fmt.Sprintf("alpha=%g,diversity=%g", *chosen.Alpha, chosen.Diversity)
	return &tunedConfig{cfg: cfg, variant: chosen}, curves, nil
}

// configParams describes an engine configuration and variant for the
// report.
func configParams(cfg engine.Config, v Variant, plain bool) map[string]any {
	ic, rc := cfg.Interest, cfg.Recommend
	alpha := ic.Alpha
	if v.Alpha != nil {
		alpha = *v.Alpha
	}
	p := map[string]any{
		"alpha":           alpha,
		"diversity":       v.Diversity,
		"max_interests":   ic.MaxInterests,
		"join_similarity": ic.JoinSimilarity,
		"half_life":       durationText(ic.HalfLife),
		"short_half_life": durationText(ic.ShortHalfLife),
		"session_gap":     durationText(ic.SessionGap),
		"rating": map[string]float64{
			"positive_from": ic.Rating.PositiveFrom, "negative_below": ic.Rating.NegativeBelow,
			"base": ic.Rating.Base, "slope": ic.Rating.Slope, "neutral": ic.Rating.Neutral,
		},
		"scoring":          rc.Scoring,
		"quotas":           rc.Quotas,
		"negative_penalty": rc.NegativePenalty,
	}
	if plain {
		p["sessions"] = "every event its own session: the short-term state is the latest event"
	} else {
		p["sessions"] = "by inactivity: a gap longer than session_gap starts a new session"
	}
	return p
}

func durationText(d interest.Duration) string {
	if d == 0 {
		return "none"
	}
	t := time.Duration(d)
	if t%(24*time.Hour) == 0 {
		return strconv.Itoa(int(t/(24*time.Hour))) + "d"
	}
	return t.String()
}

// containsTags reports whether an item text has the tags part.
func containsTags(text string) bool { return strings.Contains(text, ". Tags: ") }

// protocol documents the choices behind the numbers.
func protocol(o *Options) Protocol {
	return Protocol{
		Split:      "per user, interactions sorted by (timestamp, file order): last = test, second-to-last = validation, the rest = training; users with fewer than 3 interactions are not evaluated",
		Candidates: "every item that appears in an interaction, minus the items the user interacted with before the query (validation: training items; test: training and validation items)",
		Rank:       "1 + #candidates scored higher + #other candidates scored equal / 2; for driftrec methods, positions 1-10 are the served list (Engine.Rank) and the rest follow the final score",
		Metrics:    []string{MetricNDCG10, MetricHR10, MetricNDCG20, MetricHR20, MetricMRR},
		Replay:     "all users' events in one global order (timestamp, then interactions before tags, then file order); each held-out event is ranked at its own time before it is ingested; baselines see the same stream",
		Sessions:   "MovieLens has no sessions: driftrec's short-term state is the run of events without a gap longer than session_gap (default 30 minutes); the seed's plain method gives every event its own session, so its short-term state is the latest event",
		Ratings:    "a rating is a rating event with its value; the interest model's RatingMap turns it into a signed weight (default: ≥ 3.5 positive, base 1 + 0.5 per star above 3.5; < 2.5 negative; in between 0.25)",
		Tags:       "item text = title + genres + tags applied before the tagging user's validation event; each user's own tags are replayed as comment events (text only, so a tag does not mark its movie as seen) at their timestamps",
		Coverage:   "distinct items in all top-10 lists of the phase / catalogue size",
		Diversity:  "1 − mean pairwise cosine of the top-10 items, in one reference space for every method: lexical vectors (fitted on the catalogue) of the item texts",
		Novelty:    "mean −log2 p(i) over the top-10 items, p(i) = (training interactions of i + 1) / (training interactions + catalogue size)",
		Stability: fmt.Sprintf("per user, the top-10 list is taken just before each of the user's last %d training events and at the validation query; "+
			"stability is the mean overlap |L_k−1 ∩ L_k| / 10 of successive lists, averaged over users (an item the user just consumed leaves the list, so 0.9 is the ceiling when it was listed)", o.Probes),
		StabilityProbes:    o.Probes,
		ColdItemMaxTrain:   o.ColdItemMax,
		ShortUserMaxTrain:  o.ShortUserMax,
		BootstrapResamples: o.Resamples,
		BootstrapSeed:      o.Seed,
		Selection:          "hyperparameters chosen on validation NDCG@10 only (coordinate search); test is reported for the chosen configuration and never used to choose",
	}
}
