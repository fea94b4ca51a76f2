package collab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strings"

	"github.com/driftrec/driftrec"
)

// Encoder is a text encoder extended with a trained Model. It implements
// driftrec.Encoder for texts (the adapter projects them into the item
// space) and EncodeItems for catalogue items (their learned vectors, or
// the adapter's projection for items the model has not seen).
type Encoder struct {
	text       driftrec.Encoder
	model      *Model
	wText, wCF float32 // √ of the similarity weights
	id         string
}

// NewEncoder combines text and model with weights for the two parts in
// the similarity: cos = textWeight·cos_text + cfWeight·cos_cf (normalised
// to sum to one).
func NewEncoder(text driftrec.Encoder, model *Model, textWeight, cfWeight float64) (*Encoder, error) {
	if textWeight < 0 || cfWeight < 0 || textWeight+cfWeight == 0 {
		return nil, fmt.Errorf("collab: weights must be non-negative and not both zero")
	}
	if model.Adapter != nil && (model.TextDim != text.Dim() || model.TextEncoder != text.ID()) {
		return nil, fmt.Errorf("collab: the model's adapter was fitted for encoder %q (%d dims), not %q (%d dims); retrain it",
			model.TextEncoder, model.TextDim, text.ID(), text.Dim())
	}
	s := textWeight + cfWeight
	h := sha256.New()
	_ = model.Save(h)
	e := &Encoder{
		text: text, model: model,
		wText: float32(math.Sqrt(textWeight / s)), wCF: float32(math.Sqrt(cfWeight / s)),
	}
	e.id = fmt.Sprintf("collab(%g*%s+%g*cf:%s)", textWeight/s, text.ID(), cfWeight/s, hex.EncodeToString(h.Sum(nil))[:12])
	return e, nil
}

// ID implements driftrec.Encoder.
func (e *Encoder) ID() string { return e.id }

// Dim implements driftrec.Encoder.
func (e *Encoder) Dim() int { return e.text.Dim() + e.model.Dim }

// Model returns the trained model.
func (e *Encoder) Model() *Model { return e.model }

// Encode implements driftrec.Encoder: text vector ⊕ adapter projection.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	tv, err := e.text.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(texts))
	for i, t := range tv {
		out[i] = e.join(t, e.model.Project(t))
	}
	return out, nil
}

// EncodeItems returns the vectors of catalogue items: text vector ⊕ the
// learned item vector, or the adapter's projection for unseen items. The
// engine calls it instead of Encode for items.
func (e *Encoder) EncodeItems(ctx context.Context, items []driftrec.Item, texts []string) ([][]float32, error) {
	tv, err := e.text.Encode(ctx, texts)
	if err != nil {
		return nil, err
	}
	out := make([][]float32, len(items))
	for i := range items {
		cf, ok := e.model.Vector(items[i].ID)
		if !ok {
			cf = e.model.Project(tv[i])
		}
		out[i] = e.join(tv[i], cf)
	}
	return out, nil
}

// join concatenates the unit text and unit collaborative vectors scaled by
// their weights, and renormalises when one part is missing.
func (e *Encoder) join(t, cf []float32) []float32 {
	out := make([]float32, e.Dim())
	put := func(dst, src []float32, w float32) bool {
		var n float64
		for _, x := range src {
			n += float64(x) * float64(x)
		}
		if n == 0 {
			return false
		}
		s := w / float32(math.Sqrt(n))
		for i, x := range src {
			dst[i] = x * s
		}
		return true
	}
	a := put(out[:e.text.Dim()], t, e.wText)
	b := len(cf) == e.model.Dim && put(out[e.text.Dim():], cf, e.wCF)
	if a != b { // one part only: make the vector unit again
		var n float64
		for _, x := range out {
			n += float64(x) * float64(x)
		}
		if n > 0 {
			s := float32(1 / math.Sqrt(n))
			for i := range out {
				out[i] *= s
			}
		}
	}
	return out
}

// String describes the encoder.
func (e *Encoder) String() string {
	return strings.TrimSpace(fmt.Sprintf("%s: %d items × %d dims", e.id, e.model.Len(), e.model.Dim))
}
