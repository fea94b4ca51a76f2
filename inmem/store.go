// Package inmem is a driftrec.Store that keeps everything in memory: for
// tests, and for the offline evaluation replay, which pushes some hundred
// thousand events through the real engine and must not wait on a disk.
//
// It has the semantics of the durable stores, checked by the same
// conformance suite (package storetest): IngestEvents is all or nothing,
// assigns increasing sequence numbers and serialises writers, and nothing a
// caller passes in or gets back is shared with the store. The last point has
// a price: apply receives clones of the stored profiles (so that an apply
// that fails halfway leaves nothing changed) and the store keeps a clone of
// what apply returns, two Profile.Clone calls per user and call. They are
// the bulk of an ingestion's cost here: see BenchmarkIngest, which compares
// a call for a user with an empty profile with one for a busy profile.
// A replay that never touches a profile after handing it to the store can
// skip the second clone with AdoptProfiles.
//
// Writers take one lock for the whole of IngestEvents, apply included, so
// concurrent ingestion is serial; readers run in parallel with each other.
// Scans copy what they visit under the lock and call fn without it, so fn
// may use the store.
package inmem

import (
	"context"
	"slices"
	"sync"

	"github.com/driftrec/driftrec"
)

// Store is an in-memory driftrec.Store. The zero value is not usable; call
// New.
type Store struct {
	mu     sync.RWMutex
	closed bool

	items map[string]driftrec.EmbeddedItem
	// itemIDs caches the sorted item IDs for ScanItems; nil when a write
	// has invalidated it.
	itemIDs []string

	events   map[string][]driftrec.Event
	profiles map[string]*driftrec.Profile
	seq      uint64

	meta map[string][]byte

	adopt bool // keep the profiles apply returns instead of clones
}

// Option configures New.
type Option func(*Store)

// AdoptProfiles makes IngestEvents keep the profiles that apply returns
// rather than clones of them, halving the copying per call. The caller
// must then not change a profile after returning it from apply: the store
// would see the change. The replay of an event log, which only ever reads
// profiles back through the store, can use it; a server should not.
func AdoptProfiles() Option {
	return func(s *Store) { s.adopt = true }
}

var _ driftrec.Store = (*Store)(nil)

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		items:    map[string]driftrec.EmbeddedItem{},
		events:   map[string][]driftrec.Event{},
		profiles: map[string]*driftrec.Profile{},
		meta:     map[string][]byte{},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Close releases the store's memory. Every later call fails.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	s.items, s.itemIDs, s.events, s.profiles, s.meta = nil, nil, nil, nil, nil
	return nil
}

// ready reports why the store cannot serve a call: a done context or a
// closed store. The caller holds s.mu.
func (s *Store) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed {
		return driftrec.Errorf(driftrec.EUNAVAILABLE, "inmem: the store is closed")
	}
	return nil
}

// Meta returns the value stored under key.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	v, ok := s.meta[key]
	if !ok {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "meta key %q not found", key)
	}
	return slices.Clone(v), nil
}

// PutMeta stores value under key, replacing any previous value.
func (s *Store) PutMeta(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return driftrec.FieldErrorf("key", "a meta key must not be empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	s.meta[key] = append([]byte{}, value...)
	return nil
}
