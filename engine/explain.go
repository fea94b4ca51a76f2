package engine

import (
	"context"

	"github.com/driftrec/driftrec"
)

// resolver answers the recommender's look-ups: item texts and categories
// from the catalogue, and the vectors of remembered events for
// explanations, computed exactly as ingestion computed them.
type resolver struct{ e *Engine }

func (r resolver) ItemText(id string) string { return r.e.cat.ItemText(id) }

func (r resolver) ItemCategories(id string) []string { return r.e.cat.ItemCategories(id) }

func (r resolver) EventVector(ctx context.Context, ref *driftrec.EventRef) []float32 {
	var iv, tv []float32
	if ref.Item != "" {
		iv, _ = r.e.itemEventVector(ref.Item)
	}
	if ref.Text != "" {
		vecs, err := r.e.encodeTexts(ctx, []string{ref.Text})
		if err != nil {
			r.e.log.Warn("explanation: cannot embed a remembered event", "err", err)
		} else {
			tv = vecs[0]
		}
	}
	// Explanations take cosines, so a single vector needs no normalising
	// copy; only an event with both an item and a text sums them.
	switch {
	case tv == nil:
		return iv
	case iv == nil:
		return tv
	}
	return combine(iv, tv)
}
