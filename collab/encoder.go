package collab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/driftrec/driftrec"
)

// Weights are the parts' shares of the similarity between two vectors:
// cos = Text·cos_text + Σ_p Parts[p]·cos_p (normalised to sum to one).
type Weights struct {
	Text  float64
	Parts []float64 // one per model part
}

// Encoder is a text encoder extended with a trained Model. Vectors are
// blocks: the unit text vector, then each part's unit vector, each scaled
// by the square root of its weight. It implements driftrec.Encoder for
// texts (the adapter fills the parts' blocks), EncodeItems for catalogue
// items (the target sides), and HistoryVector for consumed items (the
// history sides), so that asymmetric parts score "what comes next".
type Encoder struct {
	text   driftrec.Encoder
	model  *Model
	scales []float32 // text, then parts
	offs   []int     // block offsets: text, then parts
	dim    int
	id     string // the parts' weights and the model's checksum

	textWeight float64
}

// NewEncoder combines text and model.
func NewEncoder(text driftrec.Encoder, model *Model, w Weights) (*Encoder, error) {
	if len(w.Parts) != len(model.Parts) {
		return nil, fmt.Errorf("collab: %d part weights for a model of %d parts", len(w.Parts), len(model.Parts))
	}
	if model.Adapter != nil && (model.TextDim != text.Dim() || Family(model.TextEncoder) != Family(text.ID())) {
		return nil, fmt.Errorf("collab: the model's adapter was fitted for encoder %q (%d dims), not %q (%d dims); retrain it",
			model.TextEncoder, model.TextDim, text.ID(), text.Dim())
	}
	all := append([]float64{w.Text}, w.Parts...)
	var sum float64
	for _, x := range all {
		if x < 0 || math.IsNaN(x) {
			return nil, fmt.Errorf("collab: weights must not be negative")
		}
		sum += x
	}
	if sum == 0 {
		return nil, fmt.Errorf("collab: all weights are zero")
	}
	e := &Encoder{text: text, model: model}
	dims := []int{text.Dim()}
	for _, p := range model.Parts {
		dims = append(dims, p.Dim)
	}
	var desc []string
	for i, x := range all {
		e.scales = append(e.scales, float32(math.Sqrt(x/sum)))
		e.offs = append(e.offs, e.dim)
		e.dim += dims[i]
		if i > 0 {
			desc = append(desc, fmt.Sprintf("%g*%s", x/sum, model.Parts[i-1].Kind))
		}
	}
	h := sha256.New()
	_ = model.Save(h)
	e.textWeight = w.Text / sum
	e.id = fmt.Sprintf("%s:%s)", strings.Join(desc, "+"), hex.EncodeToString(h.Sum(nil))[:12])
	return e, nil
}

// ID implements driftrec.Encoder. It embeds the text encoder's current ID,
// which changes when a fittable text encoder is refitted.
func (e *Encoder) ID() string {
	return fmt.Sprintf("collab(%g*%s+%s", e.textWeight, e.text.ID(), e.id)
}

// Dim implements driftrec.Encoder.
func (e *Encoder) Dim() int { return e.dim }

// Model returns the trained model.
func (e *Encoder) Model() *Model { return e.model }

// Encode implements driftrec.Encoder: the text block, and the parts'
// blocks from the adapter's projection.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	tv, err := e.text.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range tv {
		out[i] = e.assemble(t, func(p int) []float32 { return e.projected(t, p) })
	}
	return out, nil
}

// EncodeItems returns catalogue items' vectors: the text block and each
// part's target side (the adapter's projection for items the model has
// not seen). The engine calls it instead of Encode for items.
func (e *Encoder) EncodeItems(ctx context.Context, items []driftrec.Item, texts []string) ([][]float32, error) {
	tv, err := e.text.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(items))
	for i := range items {
		id := items[i].ID
		out[i] = e.assemble(tv[i], func(p int) []float32 {
			if v, ok := e.model.Side(p, id, true); ok {
				return v
			}
			return e.projected(tv[i], p)
		})
	}
	return out, nil
}

// HistoryVector returns what consuming item id adds to a user's state:
// its index vector with each asymmetric part's block replaced by the
// history side. Items the model has not seen keep their index vector.
func (e *Encoder) HistoryVector(id string, index []float32) []float32 {
	if len(index) != e.dim || !e.model.Has(id) {
		return index
	}
	out := make([]float32, len(index))
	copy(out, index)
	for p := range e.model.Parts {
		if e.model.Parts[p].Target == nil {
			continue
		}
		v, _ := e.model.Side(p, id, false)
		e.put(out, p+1, v)
	}
	renormalize(out)
	return out
}

func (e *Encoder) projected(text []float32, p int) []float32 {
	all := e.model.Project(text)
	if all == nil {
		return nil
	}
	off := 0
	for q := 0; q < p; q++ {
		off += e.model.Parts[q].Dim
	}
	return all[off : off+e.model.Parts[p].Dim]
}

// assemble builds a vector from the text vector and the parts' vectors.
func (e *Encoder) assemble(text []float32, part func(p int) []float32) []float32 {
	out := make([]float32, e.dim)
	e.put(out, 0, text)
	for p := range e.model.Parts {
		e.put(out, p+1, part(p))
	}
	renormalize(out)
	return out
}

// put writes block b as v made unit and scaled by the block's weight (or
// zeros for a missing or zero v).
func (e *Encoder) put(out []float32, b int, v []float32) {
	size := e.text.Dim()
	if b > 0 {
		size = e.model.Parts[b-1].Dim
	}
	dst := out[e.offs[b] : e.offs[b]+size]
	n := norm(v)
	if len(v) != size || n == 0 {
		clear(dst)
		return
	}
	s := e.scales[b] / float32(n)
	for i, x := range v {
		dst[i] = x * s
	}
}

// renormalize makes v unit length again when some block is missing, so
// that the blocks present keep their relative weights.
func renormalize(v []float32) {
	n := norm(v)
	if n == 0 || math.Abs(n-1) < 1e-6 {
		return
	}
	s := float32(1 / n)
	for i := range v {
		v[i] *= s
	}
}

// Split gives the model's parts a collaborative share cf of the
// similarity and the text the rest, dividing cf among the parts by kind in
// the proportions co-occurrence 7 : transitions 2 (: PPMI 5), which
// validation runs on ml-latest-small chose.
func Split(m *Model, cf float64) Weights {
	rel := map[string]float64{KindCooccur: 7, KindTransition: 2, KindPPMI: 5}
	var sum float64
	for _, p := range m.Parts {
		sum += rel[p.Kind]
	}
	w := Weights{Text: 1 - cf}
	for _, p := range m.Parts {
		w.Parts = append(w.Parts, cf*rel[p.Kind]/sum)
	}
	return w
}

// idfState matches the fitted-statistics part of an encoder ID.
var idfState = regexp.MustCompile(`idf:[0-9a-f]+`)

// Family is an encoder ID without its fitted statistics (the lexical
// IDF): an adapter fitted for one state of a fittable encoder serves its
// later refits, whose vectors differ only in term weights.
func Family(encoderID string) string { return idfState.ReplaceAllString(encoderID, "idf:*") }

// textFitter is the engine's interface for encoders fitted on the
// catalogue.
type textFitter interface {
	Fit(texts []string)
	Documents() int
	State() []byte
	LoadState([]byte) error
}

// Fit, Documents, State, LoadState and Fittable forward to the text
// encoder, so that the engine fits and persists a lexical text part as it
// would without the model. The encoder's ID follows the text encoder's.
func (e *Encoder) Fit(texts []string) {
	if f, ok := e.text.(textFitter); ok {
		f.Fit(texts)
	}
}

// Documents implements the engine's Fitter.
func (e *Encoder) Documents() int {
	if f, ok := e.text.(textFitter); ok {
		return f.Documents()
	}
	return 0
}

// State implements the engine's Fitter.
func (e *Encoder) State() []byte {
	if f, ok := e.text.(textFitter); ok {
		return f.State()
	}
	return nil
}

// LoadState implements the engine's Fitter.
func (e *Encoder) LoadState(b []byte) error {
	if f, ok := e.text.(textFitter); ok {
		return f.LoadState(b)
	}
	return nil
}

// Fittable reports whether the text encoder has fitted statistics.
func (e *Encoder) Fittable() bool {
	if x, ok := e.text.(interface{ Fittable() bool }); ok {
		return x.Fittable()
	}
	_, ok := e.text.(textFitter)
	return ok
}

// Gloss forwards to a text encoder that embeds Chinese through an English
// gloss (encoder/bridge), so that explanations keep showing it with the
// learned parts joined on; otherwise it returns "".
func (e *Encoder) Gloss(text string) string {
	if g, ok := e.text.(interface{ Gloss(string) string }); ok {
		return g.Gloss(text)
	}
	return ""
}
