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

// collabDefaultWeight is the collaborative part's share of the similarity
// when the sweep does not choose it.
const collabDefaultWeight = 0.5

// collabWeights is the sweep's grid for that share, and
// collabAlphas the α values tried with each (a short trial on the full
// data found α above 0.4 and weights near 1 worse, and these replays are
// the sweep's most expensive).
var (
	collabWeights = []float64{0.3, 0.5, 0.7}
	collabAlphas  = 4 // the first four of alphaGrid
)

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
	model, err := collab.Train(seqs, collab.Options{Seed: ev.o.Seed})
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

// tuneCollab chooses the collaborative weight and α on validation, at the
// engine's default configuration otherwise.
func (ev *evaluator) tuneCollab(ctx context.Context, e EncoderSpec) (*tunedConfig, float64, map[string][]SweepPoint, error) {
	cfg := engine.DefaultConfig()
	jobs := make([]*job, len(collabWeights))
	for i, w := range collabWeights {
		jobs[i] = ev.collabJob(fmt.Sprintf("sweep driftrec+collab/%s cf=%g", e.Name, w), e, w, cfg, alphaVariants()[:collabAlphas], true)
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
