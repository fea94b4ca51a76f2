package eval

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/inmem"
)

// EngineMethod evaluates driftrec itself: a real engine on an in-memory
// store, fed through Ingest and asked through Rank, exactly the code path
// of the server. Its configuration is the method; there is no second
// implementation of the model here.
type EngineMethod struct {
	eng      *engine.Engine
	variants []Variant
	// sessionPerEvent gives every event its own session, so that the
	// short-term state is exactly the latest event (the seed's plain
	// method).
	sessionPerEvent bool
	seq             int
	buf             []driftrec.Event
}

// NewEngineMethod opens an engine with cfg over enc and loads the
// catalogue. variants are the request-time settings each query is ranked
// with (at least one).
func NewEngineMethod(ctx context.Context, enc driftrec.Encoder, cfg engine.Config, items []driftrec.Item, variants []Variant, sessionPerEvent bool) (*EngineMethod, error) {
	if len(variants) == 0 {
		return nil, fmt.Errorf("eval: an engine method needs at least one variant")
	}
	// One batch holds the whole catalogue and the longest run of events
	// between two queries.
	cfg.MaxBatch = max(cfg.MaxBatch, len(items), 1<<20)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	eng, err := engine.Open(ctx, inmem.New(), enc, cfg, engine.WithLogger(log))
	if err != nil {
		return nil, fmt.Errorf("eval: open engine: %w", err)
	}
	if _, err := eng.UpsertItems(ctx, items); err != nil {
		eng.Close()
		return nil, fmt.Errorf("eval: load catalogue: %w", err)
	}
	return &EngineMethod{eng: eng, variants: variants, sessionPerEvent: sessionPerEvent}, nil
}

// Close releases the engine.
func (m *EngineMethod) Close() error { return m.eng.Close() }

// Engine returns the engine (for item vectors in reports).
func (m *EngineMethod) Engine() *engine.Engine { return m.eng }

// Variants implements Method.
func (m *EngineMethod) Variants() []Variant { return m.variants }

// Observe implements Method: the events go through Engine.Ingest.
func (m *EngineMethod) Observe(ctx context.Context, steps []Step) error {
	m.buf = m.buf[:0]
	for i := range steps {
		ev := steps[i].Event
		if m.sessionPerEvent {
			m.seq++
			ev.Session = "e" + strconv.Itoa(m.seq)
		}
		m.buf = append(m.buf, ev)
	}
	if len(m.buf) == 0 {
		return nil
	}
	if _, err := m.eng.Ingest(ctx, m.buf); err != nil {
		return fmt.Errorf("eval: ingest: %w", err)
	}
	return nil
}

func (m *EngineMethod) options(v *Variant, now time.Time) engine.RecommendOptions {
	return engine.RecommendOptions{N: listLen, Alpha: v.Alpha, Diversity: v.Diversity, Now: now}
}

// Predict implements Method through Engine.Rank.
func (m *EngineMethod) Predict(ctx context.Context, q Query) ([]Prediction, error) {
	out := make([]Prediction, len(m.variants))
	for i := range m.variants {
		r, err := m.eng.Rank(ctx, q.User, q.Target, m.options(&m.variants[i], q.Now))
		if err != nil {
			return nil, err
		}
		out[i].Rank = r.Rank
		out[i].Top = make([]string, len(r.Top))
		for j, it := range r.Top {
			out[i].Top[j] = it.ID
		}
	}
	return out, nil
}

// Top implements Method through Engine.Recommend.
func (m *EngineMethod) Top(ctx context.Context, user string, now time.Time) ([]string, error) {
	r, err := m.eng.Recommend(ctx, user, m.options(&m.variants[0], now))
	if err != nil {
		return nil, err
	}
	out := make([]string, len(r.Items))
	for i, it := range r.Items {
		out[i] = it.ID
	}
	return out, nil
}
