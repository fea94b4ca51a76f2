// Package storetest is the conformance suite for driftrec.Store adapters.
// Every adapter (bolt, inmem, postgres) runs the same tests against its real
// backend, so that the engine can rely on one set of semantics whichever
// store a deployment chooses:
//
//   - items keep their vectors and encoder IDs bit for bit, and scan in ID
//     (byte) order;
//   - IngestEvents is all or nothing: when apply fails, or the context ends
//     first, neither events nor profiles change; when it succeeds, the
//     events carry increasing sequence numbers and the profiles that apply
//     returned are stored with Version one above the stored one;
//   - concurrent ingestion for one user loses no update;
//   - values handed to or returned by a store are not shared with it;
//   - with the Reopen option, everything survives closing and reopening;
//   - a store that implements driftrec.TextExpirer forgets old event
//     texts and nothing else.
//
// Usage from an adapter's tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) driftrec.Store { ... an empty store ... },
//			storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store { ... }))
//	}
package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

// Option adjusts the suite to an adapter.
type Option func(*config)

type config struct {
	reopen         func(t *testing.T, s driftrec.Store) driftrec.Store
	timePrecision  time.Duration
	adoptsProfiles bool
	listedAs       func(user string) string
}

// Reopen tells the suite how to close a durable store and open it again on
// the same storage. With it, Run also checks that every record survives the
// reopen exactly. The function must close s.
func Reopen(fn func(t *testing.T, s driftrec.Store) driftrec.Store) Option {
	return func(c *config) { c.reopen = fn }
}

// TimePrecision declares that the store keeps item and event times only to
// the given precision (PostgreSQL timestamps keep microseconds). Profiles
// are stored in their binary encoding and must always keep nanoseconds.
func TimePrecision(d time.Duration) Option {
	return func(c *config) { c.timePrecision = d }
}

// AdoptsProfiles declares that the store keeps the very profiles apply
// returns (inmem.AdoptProfiles), so that the suite does not check that
// changing them afterwards leaves the store alone.
func AdoptsProfiles() Option {
	return func(c *config) { c.adoptsProfiles = true }
}

// ListsUsersAs declares that ScanUsers lists each user as fn(user) (a
// store that keeps pseudonyms lists those), in byte order of what it
// lists.
func ListsUsersAs(fn func(user string) string) Option {
	return func(c *config) { c.listedAs = fn }
}

// listed returns what ScanUsers should list for users, in order.
func (c *config) listed(users ...string) []string {
	out := slices.Clone(users)
	if c.listedAs != nil {
		for i, u := range out {
			out[i] = c.listedAs(u)
		}
	}
	slices.Sort(out)
	return out
}

// suite is the state shared by the tests of one Run.
type suite struct {
	open func(t *testing.T) driftrec.Store
	config
}

// Run runs the conformance suite. open must return a new, empty store for
// the test it is given; the suite closes it (the store may be reopened in
// between, see Reopen).
func Run(t *testing.T, open func(t *testing.T) driftrec.Store, opts ...Option) {
	s := &suite{open: open, config: config{timePrecision: time.Nanosecond}}
	for _, o := range opts {
		o(&s.config)
	}
	t.Run("Items", s.testItems)
	t.Run("Events", s.testEvents)
	t.Run("Profiles", s.testProfiles)
	t.Run("Users", s.testUsers)
	t.Run("Meta", s.testMeta)
	t.Run("Concurrency", s.testConcurrency)
	t.Run("Context", s.testContext)
	t.Run("Closed", s.testClosed)
	t.Run("Retention", s.testRetention)
	if s.reopen != nil {
		t.Run("Reopen", s.testReopen)
	}
}

// handle owns the store under test and closes the current one at cleanup,
// following it through reopens.
type handle struct {
	driftrec.Store
}

func (s *suite) newStore(t *testing.T) *handle {
	t.Helper()
	h := &handle{Store: s.open(t)}
	t.Cleanup(func() {
		if h.Store != nil {
			if err := h.Store.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
	return h
}

func (s *suite) reopenStore(t *testing.T, h *handle) {
	t.Helper()
	old := h.Store
	h.Store = nil // reopen closes it, even if it then fails
	h.Store = s.reopen(t, old)
}

// wantCode fails the test unless err carries the application error code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := driftrec.ErrorCode(err); got != code {
		t.Fatalf("%s: got error %v (code %q), want code %q", what, err, got, code)
	}
}
