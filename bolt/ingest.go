package bolt

import (
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
)

// An ingestRequest is one IngestEvents call waiting for the committer.
type ingestRequest struct {
	ctx    context.Context
	events []driftrec.Event
	users  []string // sorted, distinct
	apply  func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)

	// state decides who owns the request once its caller's context ends:
	// the caller withdraws it (pending → withdrawn) or the committer
	// claims it (pending → claimed); whoever loses the race leaves it to
	// the other.
	state atomic.Int32

	// Filled by the committer before done is closed.
	seqs []uint64
	err  error
	done chan struct{}
}

const (
	requestPending int32 = iota
	requestClaimed
	requestWithdrawn
)

// IngestEvents appends events and stores the profiles apply returns in one
// durable transaction, shared with concurrent calls (see the package doc).
// apply may run more than once, each time with freshly loaded profiles. On
// success the events carry their sequence numbers and the profiles apply
// returned carry the Version stored.
func (s *Store) IngestEvents(ctx context.Context, events []driftrec.Event, apply func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)) error {
	if len(events) == 0 {
		return nil
	}
	users, err := driftrec.IngestUsers(events)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r := &ingestRequest{ctx: ctx, events: events, users: users, apply: apply, done: make(chan struct{})}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return driftrec.Errorf(driftrec.EUNAVAILABLE, "the store is closed")
	}
	select {
	case s.queue <- r:
	case <-ctx.Done():
		s.mu.RUnlock()
		return ctx.Err()
	}
	s.mu.RUnlock()

	select {
	case <-r.done:
	case <-ctx.Done():
		if r.state.CompareAndSwap(requestPending, requestWithdrawn) {
			return ctx.Err()
		}
		<-r.done // the committer has it: its outcome is the truth
	}
	if r.err != nil {
		return r.err
	}
	for i := range events {
		events[i].Seq = r.seqs[i]
	}
	return nil
}

// commitLoop is the committer goroutine: it takes the first queued request
// and everything queued behind it, up to maxBatchEvents events, and
// commits them together.
func (s *Store) commitLoop() {
	defer close(s.committerDone)
	var batch []*ingestRequest
	for r := range s.queue {
		batch = append(batch[:0], r)
		n := len(r.events)
		// Writers released by the previous commit are runnable but may not
		// have queued their next call yet; yielding once lets them, so they
		// share this commit instead of waiting for the next. It costs a
		// lone writer microseconds against a commit's milliseconds.
		runtime.Gosched()
	gather:
		for n < s.maxBatchEvents {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break gather
				}
				batch = append(batch, r)
				n += len(r.events)
			default:
				break gather
			}
		}
		s.commit(batch)
		clear(batch)
		s.fold.nudge()
	}
}

// commit runs the claimed requests of batch in one transaction; if that
// transaction fails as a whole, it runs each in its own.
func (s *Store) commit(batch []*ingestRequest) {
	claimed := batch[:0]
	for _, r := range batch {
		if r.state.CompareAndSwap(requestPending, requestClaimed) {
			claimed = append(claimed, r)
		}
	}
	if len(claimed) == 0 {
		return
	}
	err := s.db.Update(func(tx *bbolt.Tx) error {
		for _, r := range claimed {
			if err := s.ingestTx(tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && len(claimed) > 1 {
		// One request's writes failed (or the commit did): retry each on
		// its own so that the others are not failed with it.
		for _, r := range claimed {
			err := s.db.Update(func(tx *bbolt.Tx) error { return s.ingestTx(tx, r) })
			if err != nil {
				r.err = storeError(err)
			} else {
				s.count(r)
				s.stats.commits.Add(1)
			}
			close(r.done)
		}
		return
	}
	if err == nil {
		s.stats.commits.Add(1)
	}
	for _, r := range claimed {
		if err != nil {
			r.err = storeError(err)
		} else {
			s.count(r)
		}
		close(r.done)
	}
}

func (s *Store) count(r *ingestRequest) {
	if r.err == nil {
		s.stats.calls.Add(1)
		s.stats.events.Add(uint64(len(r.events)))
	}
}

// ingestTx performs one request inside tx. A failure before the first
// write (corrupt profile, apply error, ended context) is the request's
// alone: it is recorded in r.err and ingestTx returns nil, leaving the
// transaction to the other requests. A failed write returns the error,
// which aborts the transaction.
func (s *Store) ingestTx(tx *bbolt.Tx, r *ingestRequest) error {
	r.err = nil
	keys := s.keys(tx)
	if r.apply != nil {
		if err := s.applyTx(tx, keys, r); err != nil || r.err != nil {
			return err
		}
	}
	return s.appendTx(tx, keys, r)
}

// applyTx loads the request's profiles, runs apply and stores what it
// returns.
func (s *Store) applyTx(tx *bbolt.Tx, keys *txKeys, r *ingestRequest) error {
	profiles := tx.Bucket(bucketProfiles)
	current := make(map[string]*driftrec.Profile, len(r.users))
	versions := make(map[string]uint64, len(r.users))
	for _, u := range r.users {
		raw := profiles.Get([]byte(u))
		if raw == nil {
			continue
		}
		p, err := keys.decodeProfile(u, raw)
		if err != nil {
			r.err = fmt.Errorf("bolt: %w", err)
			return nil
		}
		current[u] = p
		versions[u] = p.Version
	}
	out, err := driftrec.RunApply(r.apply, current, r.users)
	if err != nil {
		r.err = err
		return nil
	}
	if err := r.ctx.Err(); err != nil {
		r.err = err
		return nil
	}

	for _, u := range slices.Sorted(maps.Keys(out)) {
		p := out[u]
		p.Version = versions[u] + 1
		data, err := keys.encodeProfile(p)
		if err != nil {
			return fmt.Errorf("bolt: encode profile of user %q: %w", u, err)
		}
		if err := profiles.Put([]byte(u), data); err != nil {
			return fmt.Errorf("bolt: put profile of user %q: %w", u, err)
		}
	}
	return nil
}

// appendTx appends the request's events and registers its users, with the
// epoch of a user's first event (see eventkey.go).
func (s *Store) appendTx(tx *bbolt.Tx, keys *txKeys, r *ingestRequest) error {
	events, users := tx.Bucket(bucketRecent), tx.Bucket(bucketUsers)
	if cap(r.seqs) < len(r.events) {
		r.seqs = make([]uint64, len(r.events))
	}
	r.seqs = r.seqs[:len(r.events)]
	// Users without a first epoch yet (new, or with only a profile): one
	// lookup per user, and none per event once they all have one.
	var unplaced map[string]bool
	for _, u := range r.users {
		if len(users.Get([]byte(u))) == 0 {
			if unplaced == nil {
				unplaced = make(map[string]bool)
			}
			unplaced[u] = true
		}
	}
	for i := range r.events {
		e := &r.events[i]
		seq, err := events.NextSequence()
		if err != nil {
			return fmt.Errorf("bolt: next event sequence: %w", err)
		}
		rec, err := keys.encodeEvent(e, seq)
		if err != nil {
			return err
		}
		if err := events.Put(s.epochs.key(e.User, seq), rec); err != nil {
			return fmt.Errorf("bolt: put event of user %q: %w", e.User, err)
		}
		r.seqs[i] = seq
		if unplaced[e.User] { // the user's first event in the first tier
			if err := users.Put([]byte(e.User), s.epochs.firstEpochValue(seq)); err != nil {
				return fmt.Errorf("bolt: put user %q: %w", e.User, err)
			}
			delete(unplaced, e.User)
		}
	}
	return nil
}

// AppendEvents appends events durably, in order, without reading or
// writing any profile: for an engine that keeps profiles in memory and
// writes them on its own schedule. It shares the group commit of
// IngestEvents.
func (s *Store) AppendEvents(ctx context.Context, events []driftrec.Event) error {
	return s.IngestEvents(ctx, events, nil)
}
