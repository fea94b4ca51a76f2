package eval

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/engine"
)

// EncoderSpec names an encoder for the text-based methods. New returns the
// encoder for one engine: a fresh instance for an encoder with fitted
// state (lexical), which every engine fits on its own catalogue, or one
// shared instance (they are safe for concurrent use).
type EncoderSpec struct {
	Name string
	New  func() driftrec.Encoder
	// Shared is true when New returns the same instance each time; the
	// catalogue is then embedded once, before the replays start.
	Shared bool
}

// Options configure Evaluate.
type Options struct {
	Encoders []EncoderSpec
	// Sweep tunes the driftrec methods on validation NDCG@10.
	Sweep bool
	// Probes is the number of each user's last training events before
	// which the list is sampled for stability.
	Probes       int
	Resamples    int
	Seed         uint64
	Workers      int
	ColdItemMax  int
	ShortUserMax int
	// KNNWindow is item-kNN's number of recent items.
	KNNWindow int
	// CollabParts are the collaborative parts the driftrec + collab rows
	// learn (nil: collab.DefaultParts, what driftrec train learns).
	CollabParts []collab.PartSpec
	// Progress is told about replay steps done out of the total planned.
	Progress func(done, total int)
	Log      *slog.Logger
}

// DefaultOptions returns the protocol's settings.
func DefaultOptions() Options {
	return Options{Probes: 4, Resamples: 1000, Seed: 20240601, Workers: 2, ColdItemMax: 5, ShortUserMax: 30, KNNWindow: 10}
}

// job is one replay.
type job struct {
	name  string
	build func(ctx context.Context) (Method, func(), error)
	valid bool
	res   *runResult
	took  time.Duration
}

// evaluator runs replays on a bounded pool and counts progress.
type evaluator struct {
	o      Options
	d      *dataset.Dataset
	tl     *Timeline
	items  []driftrec.Item
	sem    chan struct{}
	done   atomic.Int64
	total  atomic.Int64
	runs   atomic.Int64
	engine atomic.Int64
	// validSteps is the length of a validation-only replay.
	validSteps int
	collab     collabModels
}

// run runs jobs on the pool, starting them in the order given (callers
// put the longest first, so that the last replay running alone is a short
// one).
func (ev *evaluator) run(ctx context.Context, jobs []*job) error {
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		select {
		case ev.sem <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-ev.sem }()
			errs[i] = ev.runOne(ctx, j)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("%s: %w", jobs[i].name, err)
		}
	}
	return nil
}

func (ev *evaluator) runOne(ctx context.Context, j *job) error {
	start := time.Now()
	m, closeFn, err := j.build(ctx)
	if err != nil {
		return err
	}
	defer closeFn()
	if _, ok := m.(*EngineMethod); ok {
		ev.engine.Add(1)
	}
	var last int64
	res, err := replay(ctx, ev.tl, m, replayOptions{validOnly: j.valid, progress: func(done int) {
		if d := int64(done); d-last >= 500 {
			ev.step(d - last)
			last = d
		}
	}})
	if err != nil {
		return err
	}
	n := int64(len(ev.tl.Steps))
	if j.valid {
		n = int64(ev.validSteps)
	}
	ev.step(n - last)
	ev.runs.Add(1)
	j.res, j.took = res, time.Since(start)
	ev.o.Log.Debug("replay done", "method", j.name, "took", j.took)
	return nil
}

func (ev *evaluator) step(n int64) {
	d := ev.done.Add(n)
	if ev.o.Progress != nil {
		ev.o.Progress(int(d), int(ev.total.Load()))
	}
}

// plan adds n replays of the given kind to the progress total.
func (ev *evaluator) plan(full, validOnly int) {
	ev.total.Add(int64(full*len(ev.tl.Steps) + validOnly*ev.validSteps))
}

// Evaluate runs every method side by side on d and returns the report.
func Evaluate(ctx context.Context, d *dataset.Dataset, o Options) (*Report, error) {
	def := DefaultOptions()
	if o.Probes <= 0 {
		o.Probes = def.Probes
	}
	if o.Resamples <= 0 {
		o.Resamples = def.Resamples
	}
	if o.Workers <= 0 {
		o.Workers = def.Workers
	}
	if o.ColdItemMax <= 0 {
		o.ColdItemMax = def.ColdItemMax
	}
	if o.ShortUserMax <= 0 {
		o.ShortUserMax = def.ShortUserMax
	}
	if o.KNNWindow <= 0 {
		o.KNNWindow = def.KNNWindow
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	start := time.Now()
	cpu0 := cpuSeconds()
	stages := map[string]float64{}
	tl := NewTimeline(d, o.Probes)
	if len(tl.Users) == 0 {
		return nil, fmt.Errorf("eval: no user has the three interactions the split needs")
	}
	items := CatalogueItems(d, tl)
	texts := make([]string, len(items))
	for i := range items {
		texts[i] = items[i].Text
	}
	ev := &evaluator{o: o, d: d, tl: tl, items: items, sem: make(chan struct{}, o.Workers)}
	for i := len(tl.Steps) - 1; i >= 0; i-- {
		if tl.Steps[i].Phase == PhaseValid {
			ev.validSteps = i + 1
			break
		}
	}
	sc, err := newScorer(ctx, d, tl, texts, &o)
	if err != nil {
		return nil, err
	}
	stages["prepare"] = time.Since(start).Seconds()

	// Embed the catalogue once per shared encoder, so that parallel
	// engines find every vector in the cache instead of all computing it.
	embed := map[string]float64{}
	for _, e := range o.Encoders {
		if !e.Shared {
			continue
		}
		t0 := time.Now()
		if _, err := e.New().Encode(ctx, texts); err != nil {
			return nil, fmt.Errorf("eval: embed the catalogue with %s: %w", e.Name, err)
		}
		embed[e.Name] = time.Since(t0).Seconds()
	}
	stages["embed"] = time.Since(start).Seconds() - stages["prepare"]

	rep := &Report{
		Dataset:  datasetInfo(d, tl, items),
		Protocol: protocol(&o),
		Methods:  map[string]*MethodReport{},
	}

	// Tuning first (validation only), then every method's full replay.
	var tuned map[string]*tunedConfig
	if o.Sweep {
		t0 := time.Now()
		tuned, rep.Sweep, err = ev.sweep(ctx)
		if err != nil {
			return nil, err
		}
		stages["sweep"] = time.Since(t0).Seconds()
	}
	t0 := time.Now()
	type entry struct {
		name, kind, encoder string
		baseline            bool
		j                   *job
		variant             int
		params              map[string]any
	}
	var entries []entry
	var jobs []*job
	pop := &job{name: "popularity", build: func(context.Context) (Method, func(), error) { return NewPopularity(tl), func() {}, nil }}
	knn := &job{name: "item-knn", build: func(context.Context) (Method, func(), error) { return NewItemKNN(tl, o.KNNWindow), func() {}, nil }}
	jobs = append(jobs, pop, knn)
	popVariants := (&Popularity{}).Variants()
	entries = append(entries,
		entry{"popularity", "popularity", "", true, pop, 0, popVariants[0].Params},
		entry{"popularity-all-so-far", "popularity", "", true, pop, 1, popVariants[1].Params},
		entry{"popularity-static", "popularity", "", true, pop, 2, popVariants[2].Params},
		entry{"item-knn", "item-knn", "", true, knn, 0, map[string]any{"similarity": "cosine over binary co-occurrence of the training split", "window": o.KNNWindow}},
	)
	for _, e := range o.Encoders {
		plainCfg, plainVar := plainConfig(), Variant{Name: "alpha=0.5", Alpha: ptr(0.5)}
		fullCfg, fullVar := engine.DefaultConfig(), Variant{Name: "default"}
		if t := tuned[e.Name+"/seed-plain"]; t != nil {
			plainCfg, plainVar = t.cfg, t.variant
		}
		if t := tuned[e.Name+"/driftrec"]; t != nil {
			fullCfg, fullVar = t.cfg, t.variant
		}
		pj := ev.engineJob("seed-plain/"+e.Name, e, plainCfg, []Variant{plainVar}, true, false)
		fj := ev.engineJob("driftrec/"+e.Name, e, fullCfg, []Variant{fullVar}, false, false)
		jobs = append(jobs, pj, fj)
		entries = append(entries,
			entry{"seed-plain/" + e.Name, "seed-plain", e.Name, false, pj, 0, configParams(plainCfg, plainVar, true)},
			entry{"driftrec/" + e.Name, "driftrec", e.Name, false, fj, 0, configParams(fullCfg, fullVar, false)},
		)
		cw, cfgC, varC := collabDefaultWeight, collabConfig(), Variant{Name: "alpha=0.8", Alpha: ptr(collabDefaultAlpha)}
		if t := tuned[e.Name+"/collab"]; t != nil {
			cfgC, varC, cw = t.cfg, t.variant, t.cfWeight
		}
		cj := ev.collabJob("driftrec+collab/"+e.Name, e, cw, cfgC, []Variant{varC}, false)
		jobs = append(jobs, cj)
		cp := configParams(cfgC, varC, false)
		cp["cf_weight"] = cw
		cp["item_vectors"] = collabDescription(ev.o.CollabParts)
		entries = append(entries, entry{"driftrec+collab/" + e.Name, "driftrec-collab", e.Name, false, cj, 0, cp})
		if tuned != nil {
			// The untuned defaults beside the tuned model, to show what
			// tuning bought.
			dj := ev.engineJob("driftrec-defaults/"+e.Name, e, engine.DefaultConfig(), []Variant{{Name: "default"}}, false, false)
			jobs = append(jobs, dj)
			entries = append(entries, entry{"driftrec-defaults/" + e.Name, "driftrec", e.Name, false, dj, 0, configParams(engine.DefaultConfig(), Variant{}, false)})
		}
	}
	ev.plan(len(jobs), 0)
	// Longest replays first: collaborative vectors (text ⊕ item vectors,
	// most interests), then the full model, the plain one, the baselines.
	cost := func(j *job) int {
		switch {
		case strings.HasPrefix(j.name, "driftrec+collab/"):
			return 3
		case strings.HasPrefix(j.name, "driftrec"):
			return 2
		case strings.HasPrefix(j.name, "seed-plain/"):
			return 1
		}
		return 0
	}
	slices.SortStableFunc(jobs, func(a, b *job) int { return cost(b) - cost(a) })
	if err := ev.run(ctx, jobs); err != nil {
		return nil, err
	}
	stages["methods"] = time.Since(t0).Seconds()
	for _, e := range entries {
		mr := sc.report(e.kind, e.encoder, e.baseline, e.j.res, e.variant, e.params)
		mr.Seconds = e.j.took.Seconds()
		rep.Methods[e.name] = mr
		rep.Order = append(rep.Order, e.name)
	}
	best, bestScore := "", -1.0
	for _, name := range rep.Order {
		if s := rep.Methods[name].Valid[MetricNDCG10]; s > bestScore {
			best, bestScore = name, s
		}
	}
	rep.BestByValidation = best
	rep.Timing = Timing{
		WallSeconds: time.Since(start).Seconds(), CPUSeconds: cpuSeconds() - cpu0, Stages: stages,
		Workers: o.Workers, ReplaySteps: len(tl.Steps), EngineRuns: int(ev.engine.Load()), EmbedSeconds: embed,
	}
	return rep, nil
}

// engineJob is a replay of an engine-backed method.
func (ev *evaluator) engineJob(name string, e EncoderSpec, cfg engine.Config, vs []Variant, sessionPerEvent, validOnly bool) *job {
	return &job{name: name, valid: validOnly, build: func(ctx context.Context) (Method, func(), error) {
		m, err := NewEngineMethod(ctx, e.New(), cfg, ev.items, vs, sessionPerEvent)
		if err != nil {
			return nil, nil, err
		}
		return m, func() { m.Close() }, nil
	}}
}

// plainConfig is the seed's plain method as an engine configuration: one
// interest that every event joins (join similarity −1), no decay, every
// rating an equal positive weight, no rejection memory, and a short-term
// state that is exactly the latest event (each event gets its own session
// in the replay, and the session never expires by time).
func plainConfig() engine.Config {
	cfg := engine.DefaultConfig()
	ic := &cfg.Interest
	ic.MaxInterests = 1
	ic.JoinSimilarity = -1
	ic.HalfLife = 0
	ic.ShortHalfLife = 0
	ic.SessionGap = 0
	ic.NegativeHalfLife = 0
	ic.NegativeImportance = 0
	ic.Rating = ratingAllPositive()
	cfg.Recommend.NegativePenalty = 0
	cfg.Recommend.Quotas = false
	cfg.Recommend.Scoring = "mixture"
	// A zero gap would end every session at once; a century keeps the
	// latest event as the short-term state until the next one replaces it.
	ic.SessionGap = durationDays(36500)
	return cfg
}

func ptr[T any](x T) *T { return &x }

func datasetInfo(d *dataset.Dataset, tl *Timeline, items []driftrec.Item) DatasetInfo {
	users := map[string]bool{}
	for i := range d.Interactions {
		users[d.Interactions[i].User] = true
	}
	tagged := 0
	for _, it := range items {
		if containsTags(it.Text) {
			tagged++
		}
	}
	return DatasetInfo{
		Name: d.Name, Users: len(users), EvaluatedUsers: len(tl.Users), Items: len(d.Items),
		Catalogue: len(tl.Catalogue), Interactions: len(d.Interactions), ContextEvents: len(d.Context),
		TrainInteracts: tl.TrainTotal, TaggedItemsText: tagged,
	}
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// collabDescription says what the collab rows' item vectors are made of.
func collabDescription(parts []collab.PartSpec) string {
	if parts == nil {
		parts = collab.DefaultParts()
	}
	d := "text"
	for _, p := range parts {
		switch p.Kind {
		case collab.KindCooccur:
			d += fmt.Sprintf(" ⊕ item-kNN co-occurrence (exact user incidence up to %d users)", p.Dim)
		case collab.KindTransition:
			target := "target sides"
			if p.Ridge > 0 {
				target = fmt.Sprintf("target sides refitted by ridge regression from the state of the preceding ratings, penalty %g", p.Ridge)
			}
			d += fmt.Sprintf(" ⊕ transitions (what follows what within %d ratings, %d-d randomised SVD, history and %s)", p.Window, p.Dim, target)
		default:
			d += fmt.Sprintf(" ⊕ %s (%d-d, window %d)", p.Kind, p.Dim, p.Window)
		}
	}
	return d + "; trained on the training split; ridge adapter for texts"
}
