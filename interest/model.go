package interest

import (
	"math"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/kernel"
)

// maxRefText bounds the text an EventRef keeps: enough to label an interest
// and explain a recommendation, not a copy of long comments.
const maxRefText = 200

// Model applies events to profiles and evaluates them. It holds only
// configuration, so one Model serves every user concurrently.
type Model struct {
	cfg Config
}

// New returns a model with the given configuration.
func New(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Weights == nil {
		cfg.Weights = DefaultConfig().Weights
	}
	return &Model{cfg: cfg}, nil
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// Weight returns the signed weight of an event.
func (m *Model) Weight(e *driftrec.Event) float64 {
	if e.Type == driftrec.EventRating {
		if e.Value == nil {
			return 0
		}
		return m.cfg.Rating.Weight(*e.Value)
	}
	return m.cfg.Weights[e.Type]
}

// decay returns 2^(−Δ/h); a non-positive half-life means no decay, and time
// running backwards (an event older than the state) is treated as Δ = 0.
func decay(from, to time.Time, h Duration) float64 {
	if h <= 0 || !to.After(from) || from.IsZero() {
		return 1
	}
	return math.Exp2(-float64(to.Sub(from)) / float64(h))
}

// NewProfile returns an empty profile for user in the space of encoder.
func NewProfile(user, encoder string) *driftrec.Profile {
	return &driftrec.Profile{User: user, Encoder: encoder, Seen: map[string]struct{}{}}
}

// Apply updates p with event e, whose vector is x (nil when the event has
// none, for example a view of an item not in the catalogue: it is still
// counted and remembered as seen). Events should arrive in time order; an
// older event is applied as if it happened at the profile's current time.
func (m *Model) Apply(p *driftrec.Profile, e *driftrec.Event, x []float32) {
	t := e.Time
	if t.Before(p.Updated) {
		t = p.Updated
	}
	w := m.Weight(e)
	p.Events++
	if e.Item != "" {
		if p.Seen == nil {
			p.Seen = map[string]struct{}{}
		}
		p.Seen[e.Item] = struct{}{}
	}
	var xu []float32
	if n := norm(x); n > 0 {
		xu = slices.Clone(x)
		kernel.Scale(float32(1/n), xu)
	}
	ref := driftrec.EventRef{Type: e.Type, Item: e.Item, Text: truncate(e.Text, maxRefText), Time: e.Time, Weight: float32(w)}
	p.Recent = pushBounded(p.Recent, ref, m.cfg.RecentEvents)
	p.Updated = t
	if xu == nil || w == 0 {
		return
	}
	if p.Encoder == "" {
		p.Encoder = "unknown"
	}
	if w > 0 {
		m.applyShort(p, e, t, w, xu, ref)
		m.applyLong(p, t, w, xu, ref)
	} else {
		m.applyNegative(p, t, -w, xu, ref)
	}
}

func (m *Model) applyShort(p *driftrec.Profile, e *driftrec.Event, t time.Time, w float64, xu []float32, ref driftrec.EventRef) {
	s := &p.Short
	newSession := (e.Session != "" && e.Session != s.Session) ||
		(s.Weight > 0 && t.Sub(s.Updated) > time.Duration(m.cfg.SessionGap))
	if newSession || s.Sum == nil {
		s.Sum = make([]float32, len(xu))
		s.Weight = 0
		s.Events = nil
	}
	if e.Session != "" {
		s.Session = e.Session
	}
	if len(s.Sum) != len(xu) {
		// The encoder's dimension changed under an old profile: start over.
		s.Sum = make([]float32, len(xu))
		s.Weight = 0
	}
	f := decay(s.Updated, t, m.cfg.ShortHalfLife)
	if sd := m.cfg.ShortStepDecay; sd > 0 && sd < 1 {
		f *= sd
	}
	kernel.Scale(float32(f), s.Sum)
	s.Weight *= f
	kernel.Axpy(float32(w), xu, s.Sum)
	s.Weight += w
	s.Updated = t
	s.Events = pushBounded(s.Events, ref, m.cfg.ShortEvents)
}

// bringUp decays an interest to time t.
func (m *Model) bringUp(in *driftrec.Interest, t time.Time) {
	f := decay(in.Updated, t, m.cfg.HalfLife)
	if f != 1 {
		kernel.Scale(float32(f), in.Sum)
		in.Mass *= f
		in.Importance *= f
	}
	if t.After(in.Updated) {
		in.Updated = t
	}
}

func (m *Model) applyLong(p *driftrec.Profile, t time.Time, w float64, xu []float32, ref driftrec.EventRef) {
	best, bestSim := -1, math.Inf(-1)
	for i := range p.Interests {
		in := &p.Interests[i]
		if len(in.Sum) != len(xu) {
			continue
		}
		m.bringUp(in, t)
		if s := cosine(in.Sum, xu); s > bestSim {
			best, bestSim = i, s
		}
	}
	if best >= 0 && bestSim >= m.cfg.JoinSimilarity {
		in := &p.Interests[best]
		kernel.Axpy(float32(w), xu, in.Sum)
		in.Mass += w
		in.Importance += w
		in.Count++
		ref.Affinity = float32(cosine(in.Sum, xu))
		m.addExemplar(in, ref, t)
		m.trace(in, t)
		return
	}
	p.NextInterestID++
	sum := slices.Clone(xu)
	kernel.Scale(float32(w), sum)
	in := driftrec.Interest{
		ID: p.NextInterestID, Sum: sum, Mass: w, Importance: w, Count: 1,
		Created: t, Updated: t,
	}
	ref.Affinity = 1
	m.addExemplar(&in, ref, t)
	m.trace(&in, t)
	p.Interests = append(p.Interests, in)
	if len(p.Interests) > m.cfg.MaxInterests {
		m.shrink(p, t)
	}
}

// shrink brings the number of interests back to MaxInterests by evicting a
// negligible interest or merging the pair with the smallest Ward cost.
func (m *Model) shrink(p *driftrec.Profile, t time.Time) {
	var total float64
	weakest := 0
	for i := range p.Interests {
		m.bringUp(&p.Interests[i], t)
		total += p.Interests[i].Importance
		if p.Interests[i].Importance < p.Interests[weakest].Importance {
			weakest = i
		}
	}
	// The newest interest (last) is never evicted: the user just acted on it.
	if weakest != len(p.Interests)-1 && total > 0 && p.Interests[weakest].Importance/total < m.cfg.EvictShare {
		p.Interests = slices.Delete(p.Interests, weakest, weakest+1)
		return
	}
	a, b, bestCost := -1, -1, math.Inf(1)
	for i := range p.Interests {
		for j := i + 1; j < len(p.Interests); j++ {
			x, y := &p.Interests[i], &p.Interests[j]
			if len(x.Sum) != len(y.Sum) {
				continue
			}
			mx, my := math.Max(x.Mass, 1e-12), math.Max(y.Mass, 1e-12)
			d2 := 2 - 2*cosine(x.Sum, y.Sum)
			if c := mx * my / (mx + my) * d2; c < bestCost {
				a, b, bestCost = i, j, c
			}
		}
	}
	if a < 0 {
		p.Interests = p.Interests[1:]
		return
	}
	x, y := &p.Interests[a], &p.Interests[b]
	// Keep the identity (ID, trace) of the more important of the two.
	if y.Importance > x.Importance {
		x.ID, x.Trace = y.ID, y.Trace
	}
	kernel.Axpy(1, y.Sum, x.Sum)
	x.Mass += y.Mass
	x.Importance += y.Importance
	x.Count += y.Count
	if y.Created.Before(x.Created) {
		x.Created = y.Created
	}
	for _, r := range y.Exemplars {
		m.addExemplar(x, r, t)
	}
	m.trace(x, t)
	p.Interests = slices.Delete(p.Interests, b, b+1)
}

// exemplarScore is how well an event represents an interest now: its
// decayed weight times its affinity with the interest when it joined.
func (m *Model) exemplarScore(r *driftrec.EventRef, t time.Time) float64 {
	return float64(r.Weight) * decay(r.Time, t, m.cfg.HalfLife) * float64(r.Affinity)
}

func (m *Model) addExemplar(in *driftrec.Interest, r driftrec.EventRef, t time.Time) {
	// The same item or text again refreshes the exemplar instead of
	// filling the list with copies.
	for i := range in.Exemplars {
		ex := &in.Exemplars[i]
		if ex.Item == r.Item && ex.Text == r.Text {
			r.Weight = float32(float64(ex.Weight)*decay(ex.Time, r.Time, m.cfg.HalfLife)) + r.Weight
			in.Exemplars[i] = r
			return
		}
	}
	if len(in.Exemplars) < m.cfg.Exemplars {
		in.Exemplars = append(in.Exemplars, r)
		return
	}
	worst, worstScore := -1, m.exemplarScore(&r, t)
	for i := range in.Exemplars {
		if s := m.exemplarScore(&in.Exemplars[i], t); s < worstScore {
			worst, worstScore = i, s
		}
	}
	if worst >= 0 {
		in.Exemplars[worst] = r
	}
}

// trace records the interest's importance, at most TracePoints samples; when
// full, every other older sample is dropped so the trace spans the whole
// life of the interest at decreasing resolution.
func (m *Model) trace(in *driftrec.Interest, t time.Time) {
	pt := driftrec.TracePoint{Time: t, Importance: in.Importance}
	if n := len(in.Trace); n > 0 && !t.After(in.Trace[n-1].Time) {
		in.Trace[n-1] = pt
		return
	}
	in.Trace = append(in.Trace, pt)
	if len(in.Trace) > m.cfg.TracePoints {
		half := len(in.Trace) / 2
		kept := in.Trace[:0]
		for i, x := range in.Trace {
			if i >= half || i%2 == 0 {
				kept = append(kept, x)
			}
		}
		in.Trace = kept
	}
}

func (m *Model) applyNegative(p *driftrec.Profile, t time.Time, w float64, xu []float32, ref driftrec.EventRef) {
	n := &p.Negative
	if len(n.Sum) != len(xu) {
		n.Sum = make([]float32, len(xu))
		n.Weight = 0
	}
	f := decay(n.Updated, t, m.cfg.NegativeHalfLife)
	kernel.Scale(float32(f), n.Sum)
	n.Weight *= f
	kernel.Axpy(float32(w), xu, n.Sum)
	n.Weight += w
	n.Updated = t
	n.Events = pushBounded(n.Events, ref, m.cfg.ShortEvents)
	for i := range p.Interests {
		in := &p.Interests[i]
		if len(in.Sum) != len(xu) {
			continue
		}
		m.bringUp(in, t)
		if s := cosine(in.Sum, xu); s > 0 {
			in.Importance = math.Max(0, in.Importance-m.cfg.NegativeImportance*w*s)
			m.trace(in, t)
		}
	}
}

func pushBounded(list []driftrec.EventRef, r driftrec.EventRef, max int) []driftrec.EventRef {
	list = append(list, r)
	if len(list) > max {
		list = slices.Delete(list, 0, len(list)-max)
	}
	return list
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func norm(x []float32) float64 {
	if len(x) == 0 {
		return 0
	}
	return math.Sqrt(float64(kernel.Dot(x, x)))
}

// cosine returns the cosine of the angle between a and b (0 if either is
// zero or their lengths differ).
func cosine(a, b []float32) float64 {
	if len(a) != len(b) || len(a) == 0 {
		return 0
	}
	na, nb := norm(a), norm(b)
	if na == 0 || nb == 0 {
		return 0
	}
	return float64(kernel.Dot(a, b)) / (na * nb)
}
