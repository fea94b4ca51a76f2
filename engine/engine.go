// Package engine is driftrec's application core: it ties the catalogue, the
// encoder, the interest model, the index and the recommender to a Store,
// and is the one code path behind every way in — the HTTP API, the CLI,
// and the offline evaluation, which replays logged events through exactly
// these methods.
//
// Flow of an event: validate → encode its text (cached) or look up its
// item's vector → apply it to the user's profile inside the store's
// transaction (so the event and the profile it produced are committed
// together, durably, before the call returns) → update popularity. A
// recommendation requested after Ingest returns therefore sees the event.
//
// Flow of a recommendation: load the profile → evaluate it at the current
// time with the requested α (interest.View) → search the index per interest
// → merge, diversify, explain (recommend.Recommender).
package engine

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/recommend"
)

// Config configures an Engine.
type Config struct {
	Interest  interest.Config  `toml:"interest" json:"interest"`
	Recommend recommend.Config `toml:"recommend" json:"recommend"`
	// PopularityHalfLife is the decay of the popularity counts that serve
	// cold-start users.
	PopularityHalfLife interest.Duration `toml:"popularity_half_life" json:"popularity_half_life"`
	// ExcludeSeen is the default for leaving out items the user already
	// interacted with.
	ExcludeSeen bool `toml:"exclude_seen" json:"exclude_seen"`
	// EmbedCategories appends an item's categories to the text it is
	// embedded from, so that browsing a category resembles its items. Off
	// by default: with a lexical encoder the shared category words make
	// all items of a category alike and drown the words of their titles.
	EmbedCategories bool `toml:"embed_categories" json:"embed_categories"`
	// Refit lets a fittable encoder (the lexical one) refit its statistics
	// when the catalogue has doubled since the last fit. Refitting changes
	// the encoder's identity, which re-embeds the catalogue and rebuilds
	// every profile from the event log.
	Refit bool `toml:"refit" json:"refit"`
	// MaxBatch bounds the items or events in one call.
	MaxBatch int `toml:"max_batch" json:"max_batch"`
	// QueryCache is the number of text embeddings kept in memory.
	QueryCache int `toml:"query_cache" json:"query_cache"`
	// ProfileFlush, when positive, keeps profiles in memory and writes them
	// to the store at this interval instead of with every commit (events
	// are still committed durably before Ingest returns; see
	// writebehind.go). Only for a store owned by one process.
	ProfileFlush interest.Duration `toml:"profile_flush" json:"profile_flush"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Interest:           interest.DefaultConfig(),
		Recommend:          recommend.DefaultConfig(),
		PopularityHalfLife: interest.Duration(7 * 24 * time.Hour),
		ExcludeSeen:        true,
		EmbedCategories:    false,
		Refit:              true,
		MaxBatch:           10000,
		QueryCache:         10000,
		ProfileFlush:       interest.Duration(time.Second),
	}
}

// Fitter is implemented by encoders whose statistics are fitted on the
// catalogue (the lexical encoder's IDF). An encoder that wraps others may
// also implement Fittable to say whether it really has such statistics.
type Fitter interface {
	Fit(texts []string)
	Documents() int
	State() []byte
	LoadState([]byte) error
}

// fitterOf returns enc's Fitter, if it has fitted statistics.
func fitterOf(enc driftrec.Encoder) (Fitter, bool) {
	f, ok := enc.(Fitter)
	if !ok {
		return nil, false
	}
	if x, ok := enc.(interface{ Fittable() bool }); ok && !x.Fittable() {
		return nil, false
	}
	return f, true
}

// Engine is the running service. It is safe for concurrent use.
type Engine struct {
	cfg   Config
	store driftrec.Store
	enc   driftrec.Encoder
	model *interest.Model
	idx   index.Index
	rec   *recommend.Recommender
	pop   *recommend.Popularity
	cat   *catalog
	cache *vectorCache
	log   *slog.Logger
	clock func() time.Time
	// textRetention bounds how long event texts are kept (retention.go).
	textRetention time.Duration

	// maint is held shared by every operation that reads or writes vectors
	// and exclusively by maintenance that changes the encoder's identity
	// (refit, reindex), so no profile mixes vectors of two encoders.
	maint sync.RWMutex
	// refitMu serialises refit decisions.
	refitMu sync.Mutex

	// Write-behind state (nil cache: profiles are written through).
	dirty     *profileCache
	locks     *userLocks
	flushMu   sync.Mutex
	stopFlush chan struct{}
	flushDone chan struct{}
	closeOnce sync.Once
	closeErr  error

	// Index snapshot file and reader (snapshot.go).
	snapPath string
	snapLoad IndexLoader

	// Catalogue sync with other replicas (see sync.go).
	stopWatch context.CancelFunc
	watchDone chan struct{}
}

// Option customises Open.
type Option func(*Engine)

// WithLogger sets the logger (default: slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithIndex sets the index (default: an exact index).
func WithIndex(idx index.Index) Option { return func(e *Engine) { e.idx = idx } }

// WithClock sets the clock used for default event times and "now".
func WithClock(now func() time.Time) Option { return func(e *Engine) { e.clock = now } }

const (
	metaEncoderState   = "encoder-state/"
	metaProfileEncoder = "profiles-encoder"
)

// Open loads the catalogue from the store into the index, restores the
// encoder's fitted state, re-embeds items whose vectors came from another
// encoder, and rebuilds popularity from the event log.
func Open(ctx context.Context, store driftrec.Store, enc driftrec.Encoder, cfg Config, opts ...Option) (*Engine, error) {
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = DefaultConfig().MaxBatch
	}
	model, err := interest.New(cfg.Interest)
	if err != nil {
		return nil, driftrec.Errorf(driftrec.EINVALID, "%v", err)
	}
	e := &Engine{
		cfg:   cfg,
		store: store,
		enc:   enc,
		model: model,
		pop:   recommend.NewPopularity(time.Duration(cfg.PopularityHalfLife)),
		cat:   newCatalog(),
		cache: newVectorCache(cfg.QueryCache),
		log:   slog.Default(),
		clock: time.Now,
	}
	for _, o := range opts {
		o(e)
	}
	if e.idx == nil {
		e.idx = index.NewExact()
	}
	e.loadIndexSnapshot(ctx)
	e.rec = recommend.New(cfg.Recommend, e.idx, resolver{e}, e.pop)
	if f, ok := fitterOf(enc); ok {
		state, err := store.Meta(ctx, metaEncoderState+encoderFamily(enc))
		switch {
		case err == nil:
			if err := f.LoadState(state); err != nil {
				e.log.Warn("ignoring unreadable encoder state; it will be refitted", "err", err)
			}
		case driftrec.ErrorCode(err) != driftrec.ENOTFOUND:
			return nil, fmt.Errorf("engine: load encoder state: %w", err)
		}
	}
	if err := e.loadCatalog(ctx); err != nil {
		return nil, err
	}
	if err := e.syncProfiles(ctx); err != nil {
		return nil, err
	}
	if cfg.ProfileFlush > 0 {
		if err := e.startWriteBehind(ctx, time.Duration(cfg.ProfileFlush)); err != nil {
			return nil, err
		}
	}
	if w, ok := store.(driftrec.ItemWatcher); ok {
		wctx, cancel := context.WithCancel(context.Background())
		e.stopWatch, e.watchDone = cancel, make(chan struct{})
		go e.watchCatalog(wctx, w)
	}
	if err := e.loadPopularity(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// batchAdder is implemented by indexes that insert many items faster
// together (HNSW builds with several goroutines).
type batchAdder interface {
	AddBatch(ctx context.Context, entries []index.Entry) error
}

// addToIndex inserts entries into the index, in one batch when it can.
func (e *Engine) addToIndex(ctx context.Context, entries []index.Entry) error {
	if ba, ok := e.idx.(batchAdder); ok && len(entries) > 1 {
		if err := ba.AddBatch(ctx, entries); err != nil {
			return fmt.Errorf("engine: index items: %w", err)
		}
		return nil
	}
	for _, en := range entries {
		if err := e.idx.Add(en.ID, en.Vector, en.Categories); err != nil {
			return fmt.Errorf("engine: index item %q: %w", en.ID, err)
		}
	}
	return nil
}

// encoderFamily is the part of an encoder ID before fitted statistics, so
// the state of "lexical/v1/d1024/idf:…" is found again after a refit.
func encoderFamily(enc driftrec.Encoder) string {
	id := enc.ID()
	for i := len(id) - 1; i >= 0; i-- {
		if id[i] == '/' {
			return id[:i]
		}
	}
	return id
}

// Encoder returns the engine's encoder.
func (e *Engine) Encoder() driftrec.Encoder { return e.enc }

// Model returns the interest model.
func (e *Engine) Model() *interest.Model { return e.model }

// Recommender returns the recommender.
func (e *Engine) Recommender() *recommend.Recommender { return e.rec }

// Index returns the item index.
func (e *Engine) Index() index.Index { return e.idx }

// Popularity returns the popularity counter.
func (e *Engine) Popularity() *recommend.Popularity { return e.pop }

// Store returns the store.
func (e *Engine) Store() driftrec.Store { return e.store }

// Ready reports whether the engine can serve: the store answers.
func (e *Engine) Ready(ctx context.Context) error {
	_, err := e.store.Meta(ctx, "readiness-probe")
	if err != nil && driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		return err
	}
	return nil
}

func (e *Engine) loadCatalog(ctx context.Context) error {
	var stale []driftrec.EmbeddedItem
	var fresh []index.Entry
	id := e.enc.ID()
	err := e.store.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
		e.cat.put(&it.Item)
		if it.Encoder != id || len(it.Vector) != e.enc.Dim() {
			stale = append(stale, it)
			return nil
		}
		fresh = append(fresh, index.Entry{ID: it.ID, Vector: it.Vector, Categories: it.Categories})
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: load catalogue: %w", err)
	}
	if err := e.addToIndex(ctx, e.reconcileIndex(fresh)); err != nil {
		return err
	}
	if len(stale) > 0 {
		e.log.Info("re-embedding items made by another encoder", "items", len(stale), "encoder", id)
		items := make([]driftrec.Item, len(stale))
		for i := range stale {
			items[i] = stale[i].Item
		}
		if err := e.embedAndStore(ctx, items); err != nil {
			return err
		}
	}
	e.log.Info("catalogue loaded", "items", e.idx.Len(), "encoder", id)
	return nil
}

func (e *Engine) loadPopularity(ctx context.Context) error {
	var users []string
	if err := e.store.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return fmt.Errorf("engine: scan users: %w", err)
	}
	for _, u := range users {
		err := e.store.UserEvents(ctx, u, func(ev driftrec.Event) error {
			e.countPopularity(&ev, 1)
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: load popularity: %w", err)
		}
	}
	return nil
}

// countPopularity adds (sign 1) or removes (sign −1) an event's
// contribution to popularity: positive events on items only.
func (e *Engine) countPopularity(ev *driftrec.Event, sign float64) {
	if ev.Item == "" {
		return
	}
	if w := e.model.Weight(ev); w > 0 {
		e.pop.Add(ev.Item, sign, ev.Time)
	}
}

// Close writes unflushed profiles, records a clean shutdown and closes the
// store. It is safe to call more than once.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		if e.stopWatch != nil {
			e.stopWatch()
			<-e.watchDone
		}
		if e.dirty != nil {
			close(e.stopFlush)
			<-e.flushDone
			ctx := context.Background()
			if err := e.flush(ctx); err != nil {
				e.closeErr = err
			} else if err := e.store.PutMeta(ctx, metaCleanShutdown, []byte("1")); err != nil {
				e.closeErr = fmt.Errorf("engine: record clean shutdown: %w", err)
			}
		}
		if e.closeErr == nil {
			// Only after a clean flush: a snapshot is an optimisation, and
			// the next start reconciles it with the store anyway.
			if err := e.saveIndexSnapshot(context.Background()); err != nil {
				e.log.Warn("index snapshot not written; the next start builds the index", "err", err)
			}
		}
		if err := e.store.Close(); err != nil && e.closeErr == nil {
			e.closeErr = err
		}
	})
	return e.closeErr
}

// startWriteBehind recovers from an unclean shutdown if needed, marks the
// store as in use, and starts the flusher.
func (e *Engine) startWriteBehind(ctx context.Context, interval time.Duration) error {
	b, err := e.store.Meta(ctx, metaCleanShutdown)
	switch {
	case err == nil && string(b) == "0":
		if err := e.recover(ctx); err != nil {
			return err
		}
	case err != nil && driftrec.ErrorCode(err) != driftrec.ENOTFOUND:
		return fmt.Errorf("engine: read shutdown state: %w", err)
	}
	if err := e.store.PutMeta(ctx, metaCleanShutdown, []byte("0")); err != nil {
		return fmt.Errorf("engine: record start: %w", err)
	}
	e.dirty = &profileCache{m: map[string]*cachedProfile{}}
	e.locks = newUserLocks()
	e.stopFlush = make(chan struct{})
	e.flushDone = make(chan struct{})
	go e.flushLoop(interval)
	return nil
}

// Flush writes profiles held in memory to the store now (write-behind
// mode; a no-op otherwise).
func (e *Engine) Flush(ctx context.Context) error { return e.flush(ctx) }
