package driftrec

import "context"

// Store is the durable state of a driftrec deployment: the catalogue with
// its vectors, the event log and the profiles. The embedded bbolt store is
// the default; a PostgreSQL store serves several replicas.
//
// Every method that reports a missing record returns an error with code
// ENOTFOUND.
type Store interface {
	// PutItems inserts or replaces items with their vectors, atomically.
	PutItems(ctx context.Context, items []EmbeddedItem) error
	// DeleteItems removes items and reports how many existed.
	DeleteItems(ctx context.Context, ids []string) (int, error)
	// Item returns one item.
	Item(ctx context.Context, id string) (EmbeddedItem, error)
	// ScanItems calls fn for every item, in ID order, until fn returns an
	// error.
	ScanItems(ctx context.Context, fn func(EmbeddedItem) error) error

	// IngestEvents appends events to the log and stores the profiles that
	// result, atomically and durably: when it returns nil, a crash loses
	// neither. apply receives the stored profiles of every user that appears
	// in events (a user with no profile is absent from the map), may modify
	// them in place, and returns the profiles to store. The store may call
	// apply more than once (for example when a transaction is retried), each
	// time with freshly loaded profiles, so apply must not keep state between
	// calls. On success the events carry the sequence numbers the store
	// assigned.
	IngestEvents(ctx context.Context, events []Event, apply func(current map[string]*Profile) (map[string]*Profile, error)) error
	// UserEvents calls fn for each of the user's events in the order they
	// were ingested, until fn returns an error.
	UserEvents(ctx context.Context, user string, fn func(Event) error) error
	// Profile returns a user's profile.
	Profile(ctx context.Context, user string) (*Profile, error)
	// PutProfiles replaces stored profiles (used when profiles are rebuilt
	// from the event log, for example after a change of encoder).
	PutProfiles(ctx context.Context, profiles []*Profile) error
	// ScanUsers calls fn with every user that has events or a profile.
	ScanUsers(ctx context.Context, fn func(user string) error) error
	// DeleteUser removes the user's events and profile and reports whether
	// anything existed.
	DeleteUser(ctx context.Context, user string) (bool, error)

	// Meta and PutMeta keep small named values such as encoder state.
	Meta(ctx context.Context, key string) ([]byte, error)
	PutMeta(ctx context.Context, key string, value []byte) error

	Close() error
}
