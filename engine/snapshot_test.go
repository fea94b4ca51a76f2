package engine_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/index"
)

// TestIndexSnapshot restarts an engine whose HNSW index is snapshotted on
// Close: the next Open must serve the same graph without rebuilding it,
// reconcile it with a catalogue changed while no snapshot was written,
// and build the index from the store when the snapshot is unreadable.
func TestIndexSnapshot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, snap := filepath.Join(dir, "d.db"), filepath.Join(dir, "index.snapshot")
	load := func(ctx context.Context, r io.Reader) (index.Index, error) { return index.LoadHNSW(ctx, r) }
	open := func(withSnapshot bool) (*engine.Engine, *bytes.Buffer) {
		t.Helper()
		st, err := bolt.Open(db, &bolt.Options{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		idx, err := index.NewHNSW(index.HNSWConfig{Seed: 1})
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		cfg := engine.DefaultConfig()
		cfg.Refit = false
		opts := []engine.Option{engine.WithIndex(idx), engine.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))}
		if withSnapshot {
			opts = append(opts, engine.WithIndexSnapshot(snap, load))
		}
		eng, err := engine.Open(ctx, st, lexical.New(lexical.Options{}), cfg, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return eng, &logs
	}
	topics := []string{"running shoes trail", "coffee mug ceramic", "sourdough bread", "garden hose", "chess board"}
	var items []driftrec.Item
	for i := range 300 {
		tp := topics[i%len(topics)]
		items = append(items, driftrec.Item{ID: fmt.Sprintf("i%03d", i), Text: fmt.Sprintf("%s model %d", tp, i), Categories: []string{strings.Fields(tp)[0]}})
	}
	queries := []string{"trail running", "ceramic coffee", "bread"}
	search := func(eng *engine.Engine) [][]index.Hit {
		var out [][]index.Hit
		vecs, err := eng.Encoder().Encode(ctx, queries)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range vecs {
			out = append(out, eng.Index().Search(q, 10, index.Cosine, index.Filter{}))
		}
		return out
	}

	eng, _ := open(true)
	if _, err := eng.UpsertItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	before := search(eng)
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(snap); err != nil {
		t.Fatalf("no snapshot after Close: %v", err)
	}

	eng, logs := open(true)
	if !strings.Contains(logs.String(), "index snapshot loaded") || !strings.Contains(logs.String(), "kept=300 added=0 removed=0") {
		t.Fatalf("restart did not reuse the snapshot as it was:\n%s", logs)
	}
	if got := search(eng); !slices.EqualFunc(got, before, slices.Equal) {
		t.Errorf("searches after the restart differ:\n got %v\nwant %v", got, before)
	}
	eng.Close()

	// Change the catalogue without writing a snapshot: the old one is now
	// stale in every way reconciliation must catch.
	eng, _ = open(false)
	var gone []string
	for i := 0; i < 10; i++ {
		gone = append(gone, items[i].ID)
	}
	if _, err := eng.DeleteItems(ctx, gone); err != nil {
		t.Fatal(err)
	}
	changed := []driftrec.Item{
		{ID: "i010", Text: items[10].Text, Categories: []string{"moved"}}, // categories only
		{ID: "i011", Text: "a brand new text about chess", Categories: items[11].Categories},
		{ID: "new1", Text: "trail running socks", Categories: []string{"running"}},
	}
	if _, err := eng.UpsertItems(ctx, changed); err != nil {
		t.Fatal(err)
	}
	eng.Close()

	eng, logs = open(true)
	if !strings.Contains(logs.String(), "kept=288 added=3 removed=10") {
		t.Errorf("reconciliation did not report 288 kept, 3 added, 10 removed:\n%s", logs)
	}
	checkIndexMatchesStore(t, eng, 291)
	for _, id := range gone {
		if _, ok := eng.Index().Vector(id); ok {
			t.Errorf("deleted item %s is still in the index", id)
		}
	}
	eng.Close()

	// A damaged snapshot is ignored: the index is built from the store.
	if err := os.WriteFile(snap, []byte("not a snapshot"), 0o644); err != nil {
		t.Fatal(err)
	}
	eng, logs = open(true)
	defer eng.Close()
	if !strings.Contains(logs.String(), "index snapshot not used") {
		t.Errorf("a damaged snapshot was not reported:\n%s", logs)
	}
	checkIndexMatchesStore(t, eng, 291)
}

// checkIndexMatchesStore checks that the index holds exactly the stored
// catalogue: the same items, vectors and categories.
func checkIndexMatchesStore(t *testing.T, eng *engine.Engine, want int) {
	t.Helper()
	if n := eng.Index().Len(); n != want {
		t.Errorf("index holds %d items, want %d", n, want)
	}
	cats, ok := eng.Index().(interface {
		Categories(id string) ([]string, bool)
	})
	if !ok {
		t.Fatalf("%T has no Categories", eng.Index())
	}
	n := 0
	err := eng.Store().ScanItems(context.Background(), func(it driftrec.EmbeddedItem) error {
		n++
		v, ok := eng.Index().Vector(it.ID)
		if !ok || !slices.Equal(v, it.Vector) {
			t.Errorf("item %s: index vector differs from the stored one", it.ID)
		}
		if c, _ := cats.Categories(it.ID); !slices.Equal(c, it.Categories) {
			t.Errorf("item %s: index categories %v, stored %v", it.ID, c, it.Categories)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("store holds %d items, want %d", n, want)
	}
}
