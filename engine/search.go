package engine

import (
	"context"
	"fmt"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
)

// Search embeds a text and returns the most similar catalogue items: the
// semantic search of the console, and a quick way to see what an encoder
// considers close.
func (e *Engine) Search(ctx context.Context, text string, n int, categories []string) ([]ItemResult, error) {
	vecs, err := e.encodeTexts(ctx, []string{text})
	if err != nil {
		return nil, err
	}
	if vecs[0] == nil {
		return []ItemResult{}, nil
	}
	e.maint.RLock()
	defer e.maint.RUnlock()
	return e.results(e.idx.Search(vecs[0], n, index.Cosine, index.Filter{Categories: categories})), nil
}

// Similar returns the items nearest to a catalogue item.
func (e *Engine) Similar(ctx context.Context, id string, n int) ([]ItemResult, error) {
	v, ok := e.idx.Vector(id)
	if !ok {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	hits := e.idx.Search(v, n, index.Cosine, index.Filter{Exclude: func(x string) bool { return x == id }})
	return e.results(hits), nil
}

func (e *Engine) results(hits []index.Hit) []ItemResult {
	out := make([]ItemResult, 0, len(hits))
	for _, h := range hits {
		ir := ItemResult{ID: h.ID, Score: float64(h.Score)}
		if it, ok := e.cat.get(h.ID); ok {
			ir.Text, ir.Categories = it.Text, it.Categories
		}
		out = append(out, ir)
	}
	return out
}
