// Package hybrid combines encoders into one vector space by weighted
// concatenation: the vector of a text is the concatenation of each part's
// unit vector scaled by √(w_i/Σw), so that the cosine of two hybrid vectors
// is the weighted mean of the parts' cosines,
//
//	cos(x, y) = Σ_i w_i·cos_i(x, y) / Σ_i w_i.
//
// driftrec's default encoder is such a combination: a pretrained sentence
// encoder (over CC-CEDICT glosses for Chinese text) carries meaning, and
// the lexical encoder carries exact words, codes and names the pretrained
// vocabulary cannot represent.
package hybrid

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/driftrec/driftrec"
)

// Part is one encoder and its weight in the similarity.
type Part struct {
	Encoder driftrec.Encoder
	Weight  float64
}

// fitter is the engine's interface for encoders fitted on the catalogue.
type fitter interface {
	Fit(texts []string)
	Documents() int
	State() []byte
	LoadState([]byte) error
}

// Encoder is a weighted concatenation of encoders.
type Encoder struct {
	parts  []Part
	scales []float32
	dim    int
	fit    fitter // at most one part may be fittable
}

// New combines parts; weights must be positive.
func New(parts ...Part) (*Encoder, error) {
	if len(parts) == 0 {
		return nil, errors.New("hybrid: no parts")
	}
	e := &Encoder{parts: parts}
	var total float64
	for i, p := range parts {
		if p.Encoder == nil || !(p.Weight > 0) || math.IsInf(p.Weight, 0) {
			return nil, fmt.Errorf("hybrid: part %d needs an encoder and a positive weight", i)
		}
		total += p.Weight
		e.dim += p.Encoder.Dim()
		if f, ok := p.Encoder.(fitter); ok {
			if e.fit != nil {
				return nil, errors.New("hybrid: at most one part may be fitted on the catalogue")
			}
			e.fit = f
		}
	}
	for _, p := range parts {
		e.scales = append(e.scales, float32(math.Sqrt(p.Weight/total)))
	}
	return e, nil
}

// ID implements driftrec.Encoder: the parts' IDs and weights.
func (e *Encoder) ID() string {
	var b strings.Builder
	b.WriteString("hybrid(")
	for i, p := range e.parts {
		if i > 0 {
			b.WriteString("+")
		}
		fmt.Fprintf(&b, "%g*%s", p.Weight, p.Encoder.ID())
	}
	b.WriteString(")")
	return b.String()
}

// Dim implements driftrec.Encoder.
func (e *Encoder) Dim() int { return e.dim }

// Parts returns the parts.
func (e *Encoder) Parts() []Part { return e.parts }

// Encode implements driftrec.Encoder.
func (e *Encoder) Encode(ctx context.Context, texts []string) ([][]float32, error) {
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = make([]float32, e.dim)
	}
	off := 0
	for pi, p := range e.parts {
		vecs, err := p.Encoder.Encode(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("hybrid: %s: %w", p.Encoder.ID(), err)
		}
		d := p.Encoder.Dim()
		for i, v := range vecs {
			if len(v) != d {
				return nil, fmt.Errorf("hybrid: %s returned %d dimensions, declared %d", p.Encoder.ID(), len(v), d)
			}
			var n float64
			for _, x := range v {
				n += float64(x) * float64(x)
			}
			if n == 0 {
				continue
			}
			s := e.scales[pi] / float32(math.Sqrt(n))
			dst := out[i][off : off+d]
			for j, x := range v {
				dst[j] = x * s
			}
		}
		off += d
	}
	// Renormalise: a part with a zero vector (an empty text) leaves the
	// others' weights summing to less than one.
	for _, v := range out {
		var n float64
		for _, x := range v {
			n += float64(x) * float64(x)
		}
		if n > 0 && math.Abs(n-1) > 1e-6 {
			s := float32(1 / math.Sqrt(n))
			for j := range v {
				v[j] *= s
			}
		}
	}
	return out, nil
}

// Fit, Documents, State and LoadState delegate to the fittable part (the
// lexical encoder's IDF), so the engine fits and persists it as usual.
func (e *Encoder) Fit(texts []string) {
	if e.fit != nil {
		e.fit.Fit(texts)
	}
}

// Documents implements the engine's Fitter.
func (e *Encoder) Documents() int {
	if e.fit == nil {
		return 0
	}
	return e.fit.Documents()
}

// State implements the engine's Fitter.
func (e *Encoder) State() []byte {
	if e.fit == nil {
		return nil
	}
	return e.fit.State()
}

// LoadState implements the engine's Fitter.
func (e *Encoder) LoadState(b []byte) error {
	if e.fit == nil {
		return nil
	}
	return e.fit.LoadState(b)
}

// Fittable reports whether a part is fitted on the catalogue; the engine
// refits only encoders that are.
func (e *Encoder) Fittable() bool { return e.fit != nil }
