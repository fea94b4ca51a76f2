package gloss

import (
	"context"
	"encoding/hex"
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
	sum := g.dict.Source().SHA256
	id := inner.ID() + "+cedict-gloss/v1/" + hex.EncodeToString(sum[:4]) + "/s" + strconv.Itoa(g.synonyms)
	return &Encoder{glosser: g, inner: inner, id: id}
}

// ID is the inner encoder's ID with the gloss rules' version, the first
// bytes of the dictionary source's SHA-256 and the synonym count appended:
// each of them changes Chinese vectors.
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
