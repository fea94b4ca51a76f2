package driftrec

import "context"

// ItemWatcher is implemented by stores that several processes share (the
// PostgreSQL store), so that every replica's catalogue index can follow
// changes that the others make. A store that only one process can open has
// nothing to report and does not implement it.
type ItemWatcher interface {
	// WatchItems blocks until ctx ends and then returns ctx.Err(); it
	// returns sooner, with an error, when it cannot start watching or the
	// store is closed. It calls fn, from one goroutine, with the IDs of
	// items that any process
	// inserted, replaced or deleted; the caller reads each item again to
	// learn which. A call with nil ids means that changes may have been
	// missed, because the watch started, reconnected after losing its
	// connection, or a transaction changed more items than one notice can
	// name: the caller must then rescan the whole catalogue. The first call
	// is always such a rescan, made once the watch is listening, so a
	// caller that loads the catalogue in it misses nothing.
	WatchItems(ctx context.Context, fn func(ids []string)) error
}
