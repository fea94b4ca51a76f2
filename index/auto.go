package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
)

// Kind selects the implementation New returns.
type Kind int

const (
	// KindAuto scans exactly while the catalogue is small and switches to
	// HNSW once it outgrows Config.AutoThreshold.
	KindAuto Kind = iota
	// KindExact always scans.
	KindExact
	// KindHNSW always uses the graph.
	KindHNSW
)

// Config chooses and configures an index.
type Config struct {
	Kind Kind
	// AutoThreshold is the catalogue size above which KindAuto switches to
	// HNSW. Default 20,000: below it an exact scan of 512-d vectors takes a
	// few milliseconds and is always right (docs/ann.md).
	AutoThreshold int
	HNSW          HNSWConfig
	// Logger receives the Auto switch's progress; nil logs nothing.
	Logger *slog.Logger
}

// DefaultAutoThreshold is Config.AutoThreshold's default.
const DefaultAutoThreshold = 20000

// New returns the index cfg describes.
func New(cfg Config) (Index, error) {
	switch cfg.Kind {
	case KindExact:
		return NewExact(), nil
	case KindHNSW:
		return NewHNSW(cfg.HNSW)
	case KindAuto:
		return NewAuto(cfg)
	}
	return nil, fmt.Errorf("index: unknown kind %d", int(cfg.Kind))
}

// Auto is an Index that starts as an exact scan and, when the catalogue
// grows past AutoThreshold, builds an HNSW graph in the background from a
// snapshot of the items while the exact index keeps serving; the writes
// made during the build are replayed on the graph before it takes over.
// The switch is one-way: a catalogue that shrinks again keeps the graph,
// which serves small catalogues correctly, only not faster.
type Auto struct {
	mu        sync.RWMutex
	cfg       Config
	exact     *Exact // nil once switched
	graph     *HNSW
	building  bool
	failed    bool
	pending   []autoOp
	buildDone chan struct{}
	log       *slog.Logger
}

// autoOp is a write made while the graph was being built.
type autoOp struct {
	remove bool
	entry  Entry
}

// NewAuto returns an empty Auto index.
func NewAuto(cfg Config) (*Auto, error) {
	if cfg.AutoThreshold == 0 {
		cfg.AutoThreshold = DefaultAutoThreshold
	}
	if cfg.AutoThreshold < 0 {
		return nil, fmt.Errorf("index: negative AutoThreshold %d", cfg.AutoThreshold)
	}
	// Validate the graph's configuration now rather than at the switch.
	if _, err := cfg.HNSW.withDefaults(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Auto{cfg: cfg, exact: NewExact(), log: log}, nil
}

func (a *Auto) current() Index {
	if a.graph != nil {
		return a.graph
	}
	return a.exact
}

// Kind reports which implementation serves searches now: "exact",
// "exact (building hnsw)" or "hnsw".
func (a *Auto) Kind() string {
	a.mu.RLock()
	defer a.mu.RUnlock()
	switch {
	case a.graph != nil:
		return "hnsw"
	case a.building:
		return "exact (building hnsw)"
	}
	return "exact"
}

// Add implements Index.
func (a *Auto) Add(id string, vec []float32, categories []string) error {
	return a.AddBatch(context.Background(), []Entry{{ID: id, Vector: vec, Categories: categories}})
}

// AddBatch adds entries. A batch that takes the catalogue past the
// threshold builds the graph synchronously (it is typically the start-up
// load); single additions that cross it start a background build.
func (a *Auto) AddBatch(ctx context.Context, entries []Entry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.graph != nil {
		return a.graph.AddBatch(ctx, entries)
	}
	// Validate as the graph will, so that the switch cannot fail on an
	// item the exact index accepted.
	dim := a.exact.Dim()
	for _, e := range entries {
		if err := checkEntry(e, dim); err != nil {
			return err
		}
		if dim == 0 {
			dim = len(e.Vector)
		}
	}
	if !a.building && !a.failed && len(entries) > 1 && a.exact.Len()+len(entries) > a.cfg.AutoThreshold {
		return a.switchNow(ctx, entries)
	}
	for _, e := range entries {
		if err := a.exact.Add(e.ID, e.Vector, e.Categories); err != nil {
			return err
		}
		if a.building {
			a.pending = append(a.pending, autoOp{entry: e})
		}
	}
	if !a.building && !a.failed && a.exact.Len() > a.cfg.AutoThreshold {
		a.startBuild()
	}
	return nil
}

// snapshot lists the exact index's items. With copyVectors the vectors are
// copied, for a build that runs while the exact index keeps changing (it
// overwrites vectors in place); category slices are never modified in
// place, so they are shared.
func (a *Auto) snapshot(extra int, copyVectors bool) []Entry {
	x := a.exact
	x.mu.RLock()
	defer x.mu.RUnlock()
	vecs := x.vecs
	if copyVectors {
		vecs = slices.Clone(vecs)
	}
	out := make([]Entry, len(x.ids), len(x.ids)+extra)
	for i, id := range x.ids {
		out[i] = Entry{ID: id, Vector: vecs[i*x.dim : (i+1)*x.dim : (i+1)*x.dim], Categories: x.cats[i]}
	}
	return out
}

// switchNow builds the graph from the current items plus entries, with
// the lock held.
func (a *Auto) switchNow(ctx context.Context, entries []Entry) error {
	all := append(a.snapshot(len(entries), false), entries...)
	h, err := NewHNSW(a.cfg.HNSW)
	if err != nil {
		return err
	}
	a.log.Info("index: building HNSW", "items", len(all))
	if err := h.AddBatch(ctx, all); err != nil {
		return err
	}
	a.graph, a.exact = h, nil
	return nil
}

// startBuild snapshots the items and builds the graph in a goroutine; the
// exact index serves until it is ready. Called with the lock held.
func (a *Auto) startBuild() {
	items := a.snapshot(0, true)
	a.building = true
	a.buildDone = make(chan struct{})
	a.log.Info("index: catalogue outgrew the exact threshold; building HNSW", "items", len(items), "threshold", a.cfg.AutoThreshold)
	go func() {
		defer close(a.buildDone)
		h, err := NewHNSW(a.cfg.HNSW)
		if err == nil {
			err = h.AddBatch(context.Background(), items)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		a.building = false
		if err == nil {
			for _, op := range a.pending {
				if op.remove {
					h.Remove(op.entry.ID)
				} else if err = h.Add(op.entry.ID, op.entry.Vector, op.entry.Categories); err != nil {
					break
				}
			}
		}
		a.pending = nil
		if err != nil {
			a.failed = true
			a.log.Error("index: HNSW build failed; staying exact", "err", err)
			return
		}
		a.graph, a.exact = h, nil
		a.log.Info("index: switched to HNSW", "items", h.Len())
	}()
}

// WaitIdle waits until no background build is running.
func (a *Auto) WaitIdle(ctx context.Context) error {
	a.mu.RLock()
	done, building := a.buildDone, a.building
	a.mu.RUnlock()
	if !building || done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Remove implements Index.
func (a *Auto) Remove(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.current().Remove(id)
	if a.building {
		a.pending = append(a.pending, autoOp{remove: true, entry: Entry{ID: id}})
	}
}

// Search implements Index.
func (a *Auto) Search(q []float32, k int, m Metric, f Filter) []Hit {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.current().Search(q, k, m, f)
}

// Vector implements Index.
func (a *Auto) Vector(id string) ([]float32, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.current().Vector(id)
}

// Len implements Index.
func (a *Auto) Len() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.current().Len()
}

// Dim implements Index.
func (a *Auto) Dim() int {
	a.mu.RLock()
	defer a.mu.RUnlock()
	return a.current().Dim()
}

// ErrNoGraph is returned by Auto.Save while the index is still exact: there
// is no graph worth saving, and rebuilding an exact index from the
// catalogue is as fast as loading it.
var ErrNoGraph = errors.New("index: the catalogue is below the HNSW threshold; nothing to snapshot")

// Save writes the graph's snapshot (HNSW.Save) once the index has
// switched, and returns ErrNoGraph before.
func (a *Auto) Save(ctx context.Context, w io.Writer) error {
	a.mu.RLock()
	g := a.graph
	a.mu.RUnlock()
	if g == nil {
		return ErrNoGraph
	}
	return g.Save(ctx, w)
}

// LoadAuto returns an Auto index serving the graph snapshot in r (written
// by Auto.Save or HNSW.Save); cfg supplies the threshold and logger, the
// graph's own configuration comes from the snapshot.
func LoadAuto(ctx context.Context, r io.Reader, cfg Config) (*Auto, error) {
	g, err := LoadHNSW(ctx, r)
	if err != nil {
		return nil, err
	}
	return AutoWithGraph(cfg, g)
}

// AutoWithGraph returns an Auto index that serves g (for example a graph
// from LoadHNSW) from the start; cfg supplies the threshold and logger.
func AutoWithGraph(cfg Config, g *HNSW) (*Auto, error) {
	a, err := NewAuto(cfg)
	if err != nil {
		return nil, err
	}
	a.graph, a.exact = g, nil
	return a, nil
}
