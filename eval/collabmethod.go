package eval

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/engine"
)

// collabDefaultWeight is the collaborative parts' share of the similarity
// when the sweep does not choose it, and collabDefaultAlpha the α: the
// text keeps a tenth, and the short-term state (the latest ratings,
// weighted by position) dominates the fusion, as validation runs on
// ml-latest-small found.
const (
	collabDefaultWeight = 0.9
	collabDefaultAlpha  = 0.8
)

// collabWeights is the sweep's grid for that share, and collabAlphaGrid
// the α values tried with each (these replays are the sweep's most
// expensive).
var (
	collabWeights   = []float64{0.7, 0.9, 1}
	collabAlphaGrid = []float64{0.7, 0.8, 0.9}
)

// collabConfig is the engine configuration of the collab rows: the
// short-term state decays by position (0.75 per rating: ratings come in
// bursts seconds apart, where time decay sees no order), and the list is
// ranked by the fused score alone, without interest quotas.
func collabConfig() engine.Config {
	cfg := engine.DefaultConfig()
	cfg.Interest.ShortStepDecay = 0.75
	cfg.Recommend.Quotas = false
	return cfg
}

func collabAlphaVariants() []Variant {
	out := make([]Variant, len(collabAlphaGrid))
	for i, a := range collabAlphaGrid {
		out[i] = Variant{Name: "alpha=" + strconv.FormatFloat(a, 'g', -1, 64), Alpha: ptr(a), Params: map[string]any{"alpha": a}}
	}
	return out
}

// collabModels trains, once per text encoder, the item vectors of package
// collab on the training split (each user's training items in time
// order), with the adapter from that encoder's text vectors. Like
// item-kNN's co-occurrences, it is fitted once on the whole training
// split, so a user's query may see other users' training events that
// happened after it; the held-out events are never seen.
type collabModels struct {
	mu     sync.Mutex
	models map[string]*collabText
}

// collabText is a trained model with the text encoder its adapter fits.
type collabText struct {
	text  driftrec.Encoder
	model *collab.Model
}

func (ev *evaluator) collabModel(ctx context.Context, e EncoderSpec) (*collabText, error) {
	ev.collab.mu.Lock()
	defer ev.collab.mu.Unlock()
	if ev.collab.models == nil {
		ev.collab.models = map[string]*collabText{}
	}
	if ct := ev.collab.models[e.Name]; ct != nil {
		return ct, nil
	}
	var seqs [][]string
	for _, u := range ev.tl.Users {
		s := make([]string, len(u.Train))
		for k, j := range u.Train {
			s[k] = ev.d.Interactions[j].Item
		}
		seqs = append(seqs, s)
	}
	model, err := collab.Train(seqs, collab.Options{Seed: ev.o.Seed, Parts: ev.o.CollabParts})
	if err != nil {
		return nil, fmt.Errorf("eval: train item vectors: %w", err)
	}
	texts := make([]string, len(ev.items))
	for i := range ev.items {
		texts[i] = ev.items[i].Text
	}
	text := e.New()
	// The engine fits a fittable encoder itself, but it cannot reach one
	// wrapped by collab.Encoder: fit it here on the same catalogue texts.
	if f, ok := text.(engine.Fitter); ok {
		f.Fit(texts)
	}
	vecs, err := text.Encode(ctx, texts)
	if err != nil {
		return nil, fmt.Errorf("eval: embed the catalogue for the adapter: %w", err)
	}
	byID := make(map[string][]float32, len(vecs))
	for i, v := range vecs {
		byID[ev.items[i].ID] = v
	}
	if err := model.FitAdapter(text.ID(), byID, 0); err != nil {
		return nil, fmt.Errorf("eval: fit the text adapter: %w", err)
	}
	ct := &collabText{text: text, model: model}
	ev.collab.models[e.Name] = ct
	return ct, nil
}

// collabJob is a replay of the engine over text ⊕ collaborative vectors,
// the collaborative part weighing cfWeight in the similarity.
func (ev *evaluator) collabJob(name string, e EncoderSpec, cfWeight float64, cfg engine.Config, vs []Variant, validOnly bool) *job {
	return &job{name: name, valid: validOnly, build: func(ctx context.Context) (Method, func(), error) {
		ct, err := ev.collabModel(ctx, e)
		if err != nil {
			return nil, nil, err
		}
		enc, err := collab.NewEncoder(ct.text, ct.model, collab.Split(ct.model, cfWeight))
		if err != nil {
			return nil, nil, err
		}
		m, err := NewEngineMethod(ctx, enc, cfg, ev.items, vs, false)
		if err != nil {
			return nil, nil, err
		}
		return m, func() { m.Close() }, nil
	}}
}

// tuneCollab chooses the collaborative weight and α on validation, at
// collabConfig otherwise.
func (ev *evaluator) tuneCollab(ctx context.Context, e EncoderSpec) (*tunedConfig, float64, map[string][]SweepPoint, error) {
	cfg := collabConfig()
	jobs := make([]*job, len(collabWeights))
	for i, w := range collabWeights {
		jobs[i] = ev.collabJob(fmt.Sprintf("sweep driftrec+collab/%s cf=%g", e.Name, w), e, w, cfg, collabAlphaVariants(), true)
	}
	if err := ev.run(ctx, jobs); err != nil {
		return nil, 0, nil, err
	}
	var weightCurve []SweepPoint
	var bestAlpha []SweepPoint
	best, bestW, bestV := -1.0, 0, 0
	for i, j := range jobs {
		v, pts := bestVariant(j.res, alphaLabel)
		weightCurve = append(weightCurve, SweepPoint{Value: strconv.FormatFloat(collabWeights[i], 'g', -1, 64), X: float64(i), NDCG10: pts[v].NDCG10, HR10: pts[v].HR10})
		if pts[v].NDCG10 > best {
			best, bestW, bestV, bestAlpha = pts[v].NDCG10, i, v, pts
		}
	}
	return &tunedConfig{cfg: cfg, variant: jobs[bestW].res.variants[bestV]}, collabWeights[bestW],
		map[string][]SweepPoint{"cf_weight": weightCurve, "alpha": bestAlpha}, nil
}
