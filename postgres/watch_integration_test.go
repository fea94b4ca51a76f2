package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/postgres"
)

// watcher runs WatchItems in the background and hands out what fn
// receives.
type watcher struct {
	calls  chan []string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // what WatchItems returned, once done is closed
}

func startWatch(t *testing.T, s *postgres.Store) *watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	w := &watcher{calls: make(chan []string, 1000), cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = s.WatchItems(ctx, func(ids []string) { w.calls <- ids })
	}()
	t.Cleanup(func() { w.stop() })
	return w
}

// stop ends the watch and returns what WatchItems returned.
func (w *watcher) stop() error {
	w.cancel()
	<-w.done
	return w.err
}

// next returns the next call's IDs; a nil result is the rescan marker.
func (w *watcher) next(t *testing.T) []string {
	t.Helper()
	select {
	case ids := <-w.calls:
		return ids
	case <-time.After(30 * time.Second):
		t.Fatal("no notification within 30s")
		return nil
	}
}

// collect reads calls until it has seen every ID in want, failing on a
// rescan marker.
func (w *watcher) collect(t *testing.T, want ...string) {
	t.Helper()
	seen := map[string]bool{}
	for len(seen) < len(want) {
		ids := w.next(t)
		if ids == nil {
			t.Fatalf("got a rescan marker while waiting for %q", want)
		}
		for _, id := range ids {
			if !slices.Contains(want, id) {
				t.Fatalf("notified of %q, want only %q", id, want)
			}
			seen[id] = true
		}
	}
}

func TestWatchItems(t *testing.T) {
	writer, dsn := openSchema(t)
	defer writer.Close()
	reader, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	ctx := t.Context()

	w := startWatch(t, reader)
	if ids := w.next(t); ids != nil {
		t.Fatalf("first call = %q, want the rescan marker", ids)
	}

	items := []driftrec.EmbeddedItem{
		{Item: driftrec.Item{ID: "a"}, Vector: []float32{1}},
		{Item: driftrec.Item{ID: "跑鞋"}, Vector: []float32{2}},
	}
	if err := writer.PutItems(ctx, items); err != nil {
		t.Fatal(err)
	}
	w.collect(t, "a", "跑鞋")

	// Deleting reports only the items that existed.
	if _, err := writer.DeleteItems(ctx, []string{"a", "never-existed"}); err != nil {
		t.Fatal(err)
	}
	w.collect(t, "a")

	// A failed PutItems commits nothing, so it notifies nothing: the next
	// notice is the following successful one.
	bad := []driftrec.EmbeddedItem{{Item: driftrec.Item{ID: "b", Attributes: map[string]any{"k": "\x00"}}}}
	if err := writer.PutItems(ctx, bad); err == nil {
		t.Fatal("PutItems of an attribute jsonb refuses succeeded")
	}
	if err := writer.PutItems(ctx, []driftrec.EmbeddedItem{{Item: driftrec.Item{ID: "c"}}}); err != nil {
		t.Fatal(err)
	}
	w.collect(t, "c")

	// A change too large to list comes as a rescan marker.
	var many []driftrec.EmbeddedItem
	for i := range 1000 {
		many = append(many, driftrec.EmbeddedItem{Item: driftrec.Item{ID: fmt.Sprintf("%0200d", i)}})
	}
	if err := writer.PutItems(ctx, many); err != nil {
		t.Fatal(err)
	}
	if ids := w.next(t); ids != nil {
		t.Fatalf("after 1000 long IDs, got %d IDs, want the rescan marker", len(ids))
	}

	if err := w.stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("WatchItems returned %v after its context ended, want context.Canceled", err)
	}
}

// TestWatchItemsReconnects kills the watch's connection on the server: the
// watch must reconnect, say that it may have missed changes, and go on.
func TestWatchItemsReconnects(t *testing.T) {
	s, dsn := openSchema(t)
	defer s.Close()
	ctx := t.Context()
	w := startWatch(t, s)
	if ids := w.next(t); ids != nil {
		t.Fatalf("first call = %q, want the rescan marker", ids)
	}
	// The watch's last statement was its LISTEN, which names the channel
	// and so the schema: other test processes' watches are left alone.
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := server.Admin().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'driftrec item watch' AND query = $1`,
		`LISTEN "driftrec_items.`+u.Query().Get("search_path")+`"`)
	if err != nil {
		t.Fatal(err)
	}
	if tag.RowsAffected() != 1 {
		t.Fatalf("found %d watch connections to terminate, want 1", tag.RowsAffected())
	}
	if ids := w.next(t); ids != nil {
		t.Fatalf("after the connection was killed, got %q, want the rescan marker", ids)
	}
	if err := s.PutItems(ctx, []driftrec.EmbeddedItem{{Item: driftrec.Item{ID: "after"}}}); err != nil {
		t.Fatal(err)
	}
	w.collect(t, "after")
}

func TestWatchItemsSchemasApart(t *testing.T) {
	a, _ := openSchema(t)
	defer a.Close()
	b, _ := openSchema(t)
	defer b.Close()
	w := startWatch(t, a)
	if ids := w.next(t); ids != nil {
		t.Fatalf("first call = %q", ids)
	}
	if err := b.PutItems(t.Context(), []driftrec.EmbeddedItem{{Item: driftrec.Item{ID: "other-deployment"}}}); err != nil {
		t.Fatal(err)
	}
	if err := a.PutItems(t.Context(), []driftrec.EmbeddedItem{{Item: driftrec.Item{ID: "mine"}}}); err != nil {
		t.Fatal(err)
	}
	// Notices arrive in commit order, so "mine" comes after anything of
	// the other schema's that leaked.
	ids := w.next(t)
	if strings.Join(ids, ",") != "mine" {
		t.Fatalf("watch of schema a got %q, want only [mine]", ids)
	}
}

func TestWatchItemsEndsWithClose(t *testing.T) {
	s, _ := openSchema(t)
	w := startWatch(t, s)
	if ids := w.next(t); ids != nil {
		t.Fatalf("first call = %q", ids)
	}
	s.Close()
	select {
	case <-w.done:
	case <-time.After(30 * time.Second):
		t.Fatal("WatchItems still runs 30s after Close")
	}
	if driftrec.ErrorCode(w.err) != driftrec.EUNAVAILABLE {
		t.Fatalf("WatchItems returned %v after Close, want EUNAVAILABLE", w.err)
	}
}
