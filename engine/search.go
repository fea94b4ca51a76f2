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
	hits := e.idx.Search(v, n, index.Cosine, index.Filter{ExcludeIDs: map[string]struct{}{id: {}}})
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

// MaxEmbedInputs bounds the texts of one Embed call.
const MaxEmbedInputs = 2048

// Embed returns the configured encoder's vectors for texts (through the
// query cache), for the embeddings endpoint.
func (e *Engine) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if len(texts) == 0 {
		return nil, driftrec.FieldErrorf("input", "give at least one text")
	}
	if len(texts) > MaxEmbedInputs {
		return nil, driftrec.Errorf(driftrec.ETOOLARGE, "%d texts in one request; the limit is %d", len(texts), MaxEmbedInputs)
	}
	for i, t := range texts {
		if len(t) > driftrec.MaxTextLength {
			return nil, driftrec.FieldErrorf(fmt.Sprintf("input[%d]", i), "text is %d bytes; the limit is %d", len(t), driftrec.MaxTextLength)
		}
	}
	vecs, err := e.encodeTexts(ctx, texts)
	if err != nil {
		return nil, err
	}
	for i := range vecs {
		if vecs[i] == nil { // the empty text
			vecs[i] = make([]float32, e.enc.Dim())
		}
	}
	return vecs, nil
}
