package engine

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/kernel"
)

// IngestResult reports what Ingest did.
type IngestResult struct {
	Accepted int `json:"accepted"`
	// UnknownItems counts events whose item is not in the catalogue: they
	// are stored and mark the item as seen, but carry no vector unless they
	// also have a text.
	UnknownItems int `json:"unknown_items,omitempty"`
}

// Ingest validates events, stores them and applies them to their users'
// profiles, all in one durable transaction: when it returns nil, every
// event is committed and every profile reflects it. Nothing is stored if
// any event is invalid. Events without a time get the current time; a
// batch is applied in time order (stable, so equal times keep their order).
func (e *Engine) Ingest(ctx context.Context, events []driftrec.Event) (IngestResult, error) {
	if len(events) == 0 {
		return IngestResult{}, driftrec.FieldErrorf("", "no events given")
	}
	if len(events) > e.cfg.MaxBatch {
		return IngestResult{}, driftrec.Errorf(driftrec.ETOOLARGE, "%d events in one batch; the limit is %d", len(events), e.cfg.MaxBatch)
	}
	now := e.clock().UTC()
	evs := slices.Clone(events)
	for i := range evs {
		if err := evs[i].Validate(fmt.Sprintf("[%d]", i)); err != nil {
			return IngestResult{}, err
		}
		if evs[i].Time.IsZero() {
			evs[i].Time = now
		} else {
			evs[i].Time = evs[i].Time.UTC()
		}
		evs[i].Seq = 0
	}
	slices.SortStableFunc(evs, func(a, b driftrec.Event) int { return a.Time.Compare(b.Time) })

	e.maint.RLock()
	defer e.maint.RUnlock()
	vecs, unknown, err := e.eventVectors(ctx, evs)
	if err != nil {
		return IngestResult{}, err
	}
	if e.dirty != nil {
		if err := e.ingestWriteBehind(ctx, vecs, evs); err != nil {
			return IngestResult{}, fmt.Errorf("engine: ingest: %w", err)
		}
	} else if err := e.ingestThrough(ctx, vecs, evs); err != nil {
		return IngestResult{}, fmt.Errorf("engine: ingest: %w", err)
	}
	for i := range evs {
		e.countPopularity(&evs[i], 1)
	}
	copy(events, evs) // hand back sequence numbers and filled-in times
	return IngestResult{Accepted: len(evs), UnknownItems: unknown}, nil
}

// ingestThrough applies events inside the store's transaction and stores
// the resulting profiles with them.
func (e *Engine) ingestThrough(ctx context.Context, vecs [][]float32, evs []driftrec.Event) error {
	encID := e.enc.ID()
	return e.store.IngestEvents(ctx, evs, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		out := make(map[string]*driftrec.Profile, len(cur))
		for i := range evs {
			u := evs[i].User
			p := out[u]
			if p == nil {
				p = cur[u]
				if p == nil {
					p = interest.NewProfile(u, encID)
				}
				out[u] = p
			}
			p.Encoder = encID
			e.model.Apply(p, &evs[i], vecs[i])
		}
		return out, nil
	})
}

// eventVectors computes each event's vector: its item's vector, its
// encoded text, or the normalised sum of both.
func (e *Engine) eventVectors(ctx context.Context, evs []driftrec.Event) ([][]float32, int, error) {
	texts := make([]string, len(evs))
	for i := range evs {
		texts[i] = evs[i].Text
	}
	tv, err := e.encodeTexts(ctx, texts)
	if err != nil {
		return nil, 0, err
	}
	unknown := 0
	out := make([][]float32, len(evs))
	for i := range evs {
		var iv []float32
		if evs[i].Item != "" {
			var ok bool
			if iv, ok = e.itemEventVector(evs[i].Item); !ok {
				unknown++
			}
		}
		out[i] = combine(iv, tv[i])
	}
	return out, unknown, nil
}

// HistoryEncoder is implemented by encoders whose items say something
// different about a user who consumed them than about their fitness as
// the next item (collab.Encoder's asymmetric "what follows what" part):
// HistoryVector returns the vector an event on the item contributes,
// given the item's index vector.
type HistoryEncoder interface {
	HistoryVector(id string, index []float32) []float32
}

// itemEventVector is the vector an event on an item contributes to its
// user's profile: the item's index vector, or its history side.
func (e *Engine) itemEventVector(id string) ([]float32, bool) {
	v, ok := e.idx.Vector(id)
	if !ok {
		return nil, false
	}
	if h, isH := e.enc.(HistoryEncoder); isH {
		v = h.HistoryVector(id, v)
	}
	return v, true
}

// combine returns the unit sum of the unit vectors given (nil if none).
func combine(vs ...[]float32) []float32 {
	var out []float32
	for _, v := range vs {
		n := math.Sqrt(float64(kernel.Dot(v, v)))
		if len(v) == 0 || n == 0 {
			continue
		}
		if out == nil {
			out = make([]float32, len(v))
		}
		if len(v) != len(out) {
			continue
		}
		kernel.Axpy(float32(1/n), v, out)
	}
	if out == nil {
		return nil
	}
	if n := math.Sqrt(float64(kernel.Dot(out, out))); n > 0 {
		kernel.Scale(float32(1/n), out)
	}
	return out
}

// replay rebuilds a profile from events (used after an encoder change and
// by the stateless recommend endpoint).
func (e *Engine) replay(ctx context.Context, p *driftrec.Profile, evs []driftrec.Event) error {
	vecs, _, err := e.eventVectors(ctx, evs)
	if err != nil {
		return err
	}
	for i := range evs {
		e.model.Apply(p, &evs[i], vecs[i])
	}
	return nil
}

// now returns the time a profile is evaluated at: the clock, or the
// profile's last event if that is later (events stamped ahead of the
// server's clock must not count as stale).
func (e *Engine) now(p *driftrec.Profile, at time.Time) time.Time {
	if !at.IsZero() {
		return at
	}
	t := e.clock().UTC()
	if p != nil && p.Updated.After(t) {
		return p.Updated
	}
	return t
}
