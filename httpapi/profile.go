package httpapi

import (
	"time"

	"github.com/driftrec/driftrec"
)

// profileJSON is the readable form of a profile: importances evaluated
// now, interests labelled, vectors only on request.
type profileJSON struct {
	User      string              `json:"user"`
	Encoder   string              `json:"encoder"`
	Events    int                 `json:"events"`
	Updated   time.Time           `json:"updated"`
	At        time.Time           `json:"at"`
	Alpha     float64             `json:"alpha"`
	Interests []interestJSON      `json:"interests"`
	Short     shortJSON           `json:"short_term"`
	Negative  negativeJSON        `json:"negative"`
	Recent    []driftrec.EventRef `json:"recent"`
	Seen      int                 `json:"seen_items"`
}

type interestJSON struct {
	ID         uint32                `json:"id"`
	Label      string                `json:"label"`
	Importance float64               `json:"importance"`
	Share      float64               `json:"share"`
	Count      int                   `json:"count"`
	Created    time.Time             `json:"created"`
	Updated    time.Time             `json:"updated"`
	Exemplars  []driftrec.EventRef   `json:"exemplars"`
	Trace      []driftrec.TracePoint `json:"trace"`
	Centroid   []float32             `json:"centroid,omitempty"`
}

type shortJSON struct {
	Active  bool                `json:"active"`
	Session string              `json:"session,omitempty"`
	Weight  float64             `json:"weight"`
	Updated time.Time           `json:"updated"`
	Events  []driftrec.EventRef `json:"events"`
	Vector  []float32           `json:"vector,omitempty"`
}

type negativeJSON struct {
	Strength float64             `json:"strength"`
	Events   []driftrec.EventRef `json:"events"`
}

func (s *Server) profileJSON(p *driftrec.Profile, vectors bool, alpha *float64, at time.Time) profileJSON {
	a := -1.0
	if alpha != nil {
		a = *alpha
	}
	now := at
	if now.IsZero() {
		now = time.Now().UTC()
		if p.Updated.After(now) {
			now = p.Updated
		}
	}
	v := s.eng.Model().View(p, now, a)
	out := profileJSON{
		User: p.User, Encoder: p.Encoder, Events: p.Events, Updated: p.Updated, At: now,
		Alpha: v.Alpha, Recent: nonNil(p.Recent), Seen: len(p.Seen),
		Interests: []interestJSON{},
	}
	for _, q := range v.Queries {
		if q.Interest < 0 {
			continue
		}
		in := &p.Interests[q.Interest]
		ij := interestJSON{
			ID: in.ID, Label: s.eng.Label(in), Importance: q.Importance, Share: q.Share,
			Count: in.Count, Created: in.Created, Updated: in.Updated,
			Exemplars: nonNil(in.Exemplars), Trace: in.Trace,
		}
		if ij.Trace == nil {
			ij.Trace = []driftrec.TracePoint{}
		}
		if vectors {
			ij.Centroid = q.Centroid
		}
		out.Interests = append(out.Interests, ij)
	}
	out.Short = shortJSON{
		Active: v.Short != nil, Session: p.Short.Session, Weight: v.ShortWeight,
		Updated: p.Short.Updated, Events: nonNil(p.Short.Events),
	}
	if vectors {
		out.Short.Vector = v.Short
	}
	out.Negative = negativeJSON{Strength: v.NegativeStrength, Events: nonNil(p.Negative.Events)}
	return out
}

func nonNil(r []driftrec.EventRef) []driftrec.EventRef {
	if r == nil {
		return []driftrec.EventRef{}
	}
	return r
}
