package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/interest"
)

// Progress receives progress of long operations: the stage ("items",
// "profiles"), units done and the total (0 when unknown).
type Progress func(stage string, done, total int)

// ReindexResult reports what Reindex did.
type ReindexResult struct {
	Encoder  string        `json:"encoder"`
	Items    int           `json:"items"`
	Profiles int           `json:"profiles"`
	Took     time.Duration `json:"took"`
}

// maybeRefit refits a fittable encoder once the catalogue has doubled since
// its last fit (so refits happen O(log n) times as a catalogue grows).
func (e *Engine) maybeRefit(ctx context.Context) error {
	f, ok := fitterOf(e.enc)
	if !ok || !e.cfg.Refit {
		return nil
	}
	e.refitMu.Lock()
	defer e.refitMu.Unlock()
	if n := e.cat.len(); n == 0 || n < 2*f.Documents() {
		return nil
	}
	_, err := e.Reindex(ctx, true, nil)
	return err
}

// Reindex re-embeds every item whose vector came from another encoder and
// rebuilds every profile from the event log. With refit, a fittable
// encoder first refits its statistics on the catalogue. Ingestion waits
// while it runs.
func (e *Engine) Reindex(ctx context.Context, refit bool, progress Progress) (ReindexResult, error) {
	start := time.Now()
	if progress == nil {
		progress = func(string, int, int) {}
	}
	e.maint.Lock()
	defer e.maint.Unlock()
	// Profiles held in memory must reach the store before it is replayed.
	if err := e.flush(ctx); err != nil {
		return ReindexResult{}, err
	}
	if f, ok := fitterOf(e.enc); ok && refit {
		f.Fit(e.cat.texts(e.embedText))
		if err := e.store.PutMeta(ctx, metaEncoderState+encoderFamily(e.enc), f.State()); err != nil {
			return ReindexResult{}, fmt.Errorf("engine: save encoder state: %w", err)
		}
		e.log.Info("encoder refitted on the catalogue", "items", f.Documents(), "encoder", e.enc.ID())
	}
	id := e.enc.ID()
	var stale []driftrec.Item
	err := e.store.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
		if it.Encoder != id || len(it.Vector) != e.enc.Dim() {
			stale = append(stale, it.Item)
		}
		return nil
	})
	if err != nil {
		return ReindexResult{}, fmt.Errorf("engine: scan items: %w", err)
	}
	// Force re-embedding even where the text is unchanged.
	for _, it := range stale {
		e.idx.Remove(it.ID)
	}
	for start := 0; start < len(stale); start += embedBatch {
		end := min(start+embedBatch, len(stale))
		if err := e.embedAndStore(ctx, stale[start:end]); err != nil {
			return ReindexResult{}, err
		}
		progress("items", end, len(stale))
	}
	n, err := e.rebuildProfiles(ctx, progress)
	if err != nil {
		return ReindexResult{}, err
	}
	if err := e.store.PutMeta(ctx, metaProfileEncoder, []byte(id)); err != nil {
		return ReindexResult{}, fmt.Errorf("engine: record profile encoder: %w", err)
	}
	return ReindexResult{Encoder: id, Items: len(stale), Profiles: n, Took: time.Since(start)}, nil
}

// rebuildProfiles replays every user's events into a fresh profile. The
// caller holds e.maint exclusively.
func (e *Engine) rebuildProfiles(ctx context.Context, progress Progress) (int, error) {
	if progress == nil {
		progress = func(string, int, int) {}
	}
	// Collect users first: nesting read transactions inside a scan can
	// deadlock an embedded store whose writer is waiting.
	var users []string
	if err := e.store.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return 0, fmt.Errorf("engine: scan users: %w", err)
	}
	const flush = 256
	var batch []*driftrec.Profile
	for i, u := range users {
		var evs []driftrec.Event
		if err := e.store.UserEvents(ctx, u, func(ev driftrec.Event) error { evs = append(evs, ev); return nil }); err != nil {
			return i, fmt.Errorf("engine: events of a user: %w", err)
		}
		p := interest.NewProfile(u, e.enc.ID())
		if old, err := e.store.Profile(ctx, u); err == nil {
			p.Version = old.Version + 1
		}
		if err := e.replay(ctx, p, evs); err != nil {
			return i, err
		}
		batch = append(batch, p)
		if len(batch) == flush || i == len(users)-1 {
			if err := e.store.PutProfiles(ctx, batch); err != nil {
				return i, fmt.Errorf("engine: store profiles: %w", err)
			}
			batch = batch[:0]
			progress("profiles", i+1, len(users))
		}
	}
	return len(users), nil
}

// syncProfiles rebuilds the profiles at start when they were built with
// another encoder than the one configured now.
func (e *Engine) syncProfiles(ctx context.Context) error {
	id := e.enc.ID()
	b, err := e.store.Meta(ctx, metaProfileEncoder)
	if err != nil && driftrec.ErrorCode(err) != driftrec.ENOTFOUND {
		return fmt.Errorf("engine: read profile encoder: %w", err)
	}
	if string(b) == id {
		return nil
	}
	if err == nil {
		e.log.Info("rebuilding profiles for a new encoder", "from", string(b), "to", id)
		e.maint.Lock()
		_, err := e.rebuildProfiles(ctx, nil)
		e.maint.Unlock()
		if err != nil {
			return err
		}
	}
	if err := e.store.PutMeta(ctx, metaProfileEncoder, []byte(id)); err != nil {
		return fmt.Errorf("engine: record profile encoder: %w", err)
	}
	return nil
}
