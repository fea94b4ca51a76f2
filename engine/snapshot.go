package engine

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"time"

	"github.com/driftrec/driftrec/index"
)

// Index snapshots. Building an HNSW graph of a large catalogue takes tens
// of seconds (about half a minute at 100k items on two cores), and the
// engine would otherwise do it on every start. With WithIndexSnapshot, a
// clean Close writes the index next to the store, and the next Open starts
// from it and reconciles it with the catalogue in the store: items whose
// vector or categories differ, or that the snapshot lacks, are added
// again, items the store no longer has are removed. The store stays the
// only source of truth, so a snapshot that is stale (a crash after it was
// written, a catalogue changed by another process) costs time, never
// correctness; one that cannot be read is ignored and the index is built
// from scratch.

// IndexLoader reads an index snapshot; it may refuse one that does not
// fit the current configuration, and the engine then builds the index.
type IndexLoader func(ctx context.Context, r io.Reader) (index.Index, error)

// WithIndexSnapshot keeps the index's snapshot in the file at path (see
// above), read with load. Indexes without a Save method are not
// snapshotted.
func WithIndexSnapshot(path string, load IndexLoader) Option {
	return func(e *Engine) { e.snapPath, e.snapLoad = path, load }
}

// indexSaver is an index that can write a snapshot (index.Auto, index.HNSW).
type indexSaver interface {
	Save(ctx context.Context, w io.Writer) error
}

// indexReader is what reconciliation needs from an index beyond Index.
type indexReader interface {
	Scan(fn func(id string, vec []float32) bool) bool
	Categories(id string) ([]string, bool)
}

// loadIndexSnapshot replaces e.idx with the snapshot when there is a
// usable one.
func (e *Engine) loadIndexSnapshot(ctx context.Context) {
	if e.snapPath == "" || e.snapLoad == nil {
		return
	}
	f, err := os.Open(e.snapPath)
	if errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		e.log.Warn("index snapshot unreadable; building the index", "path", e.snapPath, "err", err)
		return
	}
	defer f.Close()
	t0 := time.Now()
	idx, err := e.snapLoad(ctx, bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		e.log.Warn("index snapshot not used; building the index", "path", e.snapPath, "err", err)
		return
	}
	if idx.Len() > 0 && idx.Dim() != e.enc.Dim() {
		e.log.Warn("index snapshot not used: its vectors are of another dimension than the encoder's", "path", e.snapPath, "snapshot", idx.Dim(), "encoder", e.enc.Dim())
		return
	}
	if _, ok := idx.(indexReader); !ok {
		e.log.Warn("index snapshot not used: the index cannot be reconciled", "path", e.snapPath)
		return
	}
	e.idx = idx
	e.log.Info("index snapshot loaded", "path", e.snapPath, "items", idx.Len(), "seconds", time.Since(t0).Seconds())
}

// reconcileIndex compares the index (loaded from a snapshot) with the
// catalogue's entries, removes the items the catalogue lacks, and returns
// the entries the index does not hold exactly.
func (e *Engine) reconcileIndex(entries []index.Entry) []index.Entry {
	ir, ok := e.idx.(indexReader)
	if !ok || e.idx.Len() == 0 {
		return entries
	}
	want := make(map[string]*index.Entry, len(entries))
	for i := range entries {
		want[entries[i].ID] = &entries[i]
	}
	same := make(map[string]bool, len(entries))
	var gone []string
	ir.Scan(func(id string, vec []float32) bool {
		en := want[id]
		switch {
		case en == nil:
			gone = append(gone, id)
		case slices.Equal(vec, en.Vector):
			same[id] = true // categories are compared below: Scan holds the index's lock
		}
		return true
	})
	for id := range same {
		cats, _ := ir.Categories(id)
		if !sameSet(cats, want[id].Categories) {
			delete(same, id)
		}
	}
	for _, id := range gone {
		e.idx.Remove(id)
	}
	var missing []index.Entry
	for _, en := range entries {
		if !same[en.ID] {
			missing = append(missing, en)
		}
	}
	e.log.Info("index snapshot reconciled with the catalogue", "kept", len(same), "added", len(missing), "removed", len(gone))
	return missing
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// saveIndexSnapshot writes the snapshot atomically (a temporary file,
// synced, then renamed). An index that has nothing to save (index.Auto
// below its threshold) removes an older snapshot instead.
func (e *Engine) saveIndexSnapshot(ctx context.Context) error {
	if e.snapPath == "" {
		return nil
	}
	s, ok := e.idx.(indexSaver)
	if !ok {
		return nil
	}
	tmp := e.snapPath + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("engine: index snapshot: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	err = s.Save(ctx, w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, index.ErrNoGraph) {
		os.Remove(tmp)
		if err := os.Remove(e.snapPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("engine: remove old index snapshot: %w", err)
		}
		return nil
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("engine: index snapshot: %w", err)
	}
	if err := os.Rename(tmp, e.snapPath); err != nil {
		return fmt.Errorf("engine: index snapshot: %w", err)
	}
	return nil
}
