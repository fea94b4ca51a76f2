package gloss

import (
	"context"
	"strconv"
	"unicode"

	"github.com/driftrec/driftrec"
)

// Encoder bridges Chinese into an English-only encoder: texts that contain
// Han characters are glossed first, other texts pass through unchanged. It
// implements driftrec.Encoder.
type Encoder struct {
	glosser *Glosser
	inner   driftrec.Encoder
	id      string
}

var _ driftrec.Encoder = (*Encoder)(nil)

// NewEncoder wraps inner, glossing with g.
func NewEncoder(g *Glosser, inner driftrec.Encoder) *Encoder {
	return &Encoder{glosser: g, inner: inner, id: inner.ID() + "+cedict-gloss/v1/s" + strconv.Itoa(g.synonyms)}
}

// ID is the inner encoder's ID with the gloss version and synonym count
// appended: glossing changes every Chinese vector.
func (e *Encoder) ID() string { return e.id }

// Dim is the inner encoder's.
func (e *Encoder) Dim() int { return e.inner.Dim() }

// Encode glosses the texts that contain Han characters and encodes all of
// them with the inner encoder in one call. A text whose gloss is empty (only
// particles or unknown characters) is passed on as written.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	bridged := make([]string, len(texts))
	for i, t := range texts {
		bridged[i] = t
		if hasHan(t) {
			if en, _ := e.glosser.Gloss(t); en != "" {
				bridged[i] = en
			}
		}
	}
	return e.inner.Encode(ctx, bridged)
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}
