package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/driftrec/driftrec"
)

// Catalogue sync between replicas.
//
// Replicas that share a store (PostgreSQL) each keep the catalogue in
// memory for search. When the store implements driftrec.ItemWatcher, the
// engine follows every change another replica makes: a notice names the
// changed items, which are read again and put into or taken out of the
// index; a notice without IDs (the watch started or reconnected, or too
// many items changed at once) triggers a full rescan. Items whose vector
// came from another encoder mean that another replica refitted the shared
// encoder statistics: this replica adopts them from the store.

// watchCatalog runs until ctx ends.
func (e *Engine) watchCatalog(ctx context.Context, w driftrec.ItemWatcher) {
	defer close(e.watchDone)
	err := w.WatchItems(ctx, func(ids []string) {
		var err error
		if ids == nil {
			err = e.rescanCatalog(ctx)
		} else {
			err = e.refreshItems(ctx, ids)
		}
		if err != nil && ctx.Err() == nil {
			e.log.Error("following catalogue changes failed", "err", err)
		}
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		e.log.Error("catalogue watch stopped", "err", err)
	}
}

// refreshItems reads items again and updates the index and catalogue.
func (e *Engine) refreshItems(ctx context.Context, ids []string) error {
	var stale []driftrec.Item
	for _, id := range ids {
		it, err := e.store.Item(ctx, id)
		switch {
		case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
			e.idx.Remove(id)
			e.cat.remove(id)
			e.pop.Remove(id)
		case err != nil:
			return fmt.Errorf("engine: read changed item: %w", err)
		case it.Encoder != e.enc.ID() || len(it.Vector) != e.enc.Dim():
			stale = append(stale, it.Item)
		default:
			if err := e.idx.Add(it.ID, it.Vector, it.Categories); err != nil {
				return err
			}
			e.cat.put(&it.Item)
		}
	}
	if len(stale) == 0 {
		return nil
	}
	// Another replica refitted the shared encoder statistics (the lexical
	// IDF) and re-embedded the catalogue: adopt its state. Re-embedding here
	// instead would make replicas overwrite each other's vectors forever.
	if e.adoptEncoderState(ctx) {
		return e.refreshItems(ctx, ids)
	}
	e.log.Error("items embedded by another encoder than this replica's; check that all replicas run the same encoder configuration",
		"items", len(stale), "encoder", e.enc.ID())
	return nil
}

// adoptEncoderState reloads the fitted encoder state from the store and
// reports whether it changed the encoder's identity.
func (e *Engine) adoptEncoderState(ctx context.Context) bool {
	f, ok := fitterOf(e.enc)
	if !ok {
		return false
	}
	state, err := e.store.Meta(ctx, metaEncoderState+encoderFamily(e.enc))
	if err != nil {
		return false
	}
	e.maint.Lock()
	defer e.maint.Unlock()
	before := e.enc.ID()
	if err := f.LoadState(state); err != nil {
		e.log.Error("cannot load the encoder state another replica stored", "err", err)
		return false
	}
	if e.enc.ID() == before {
		return false
	}
	e.log.Info("adopted the encoder statistics another replica fitted", "encoder", e.enc.ID())
	return true
}

// rescanCatalog makes the index and catalogue equal to the store's items.
func (e *Engine) rescanCatalog(ctx context.Context) error {
	seen := make(map[string]bool, e.cat.len())
	var ids []string
	err := e.store.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
		seen[it.ID] = true
		if old, ok := e.cat.get(it.ID); ok && old.UpdatedAt.Equal(it.UpdatedAt) && it.Encoder == e.enc.ID() {
			return nil // unchanged
		}
		ids = append(ids, it.ID)
		return nil
	})
	if err != nil {
		return fmt.Errorf("engine: rescan catalogue: %w", err)
	}
	for _, it := range e.cat.all() {
		if !seen[it.ID] {
			ids = append(ids, it.ID)
		}
	}
	return e.refreshItems(ctx, ids)
}
