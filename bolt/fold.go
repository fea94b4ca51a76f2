package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// The fold moves closed epochs from the event log's first tier to the
// second (eventkey.go describes both).
//
// The committer wakes the fold goroutine after every commit. Once the
// first tier holds defaultFoldAfter closed epochs (those before the epoch
// of the latest sequence number), the fold moves all of them, in
// transactions of about defaultFoldUsers users each. A user's events from every
// folded epoch move in one transaction, so that after each commit the
// user's events in the second tier are older than those left in the
// first: readers rely on that order. The user ranges are cut from the
// newest folded epoch's keys (the recently active users); a range takes
// its users' events from every folded epoch.
//
// A fold transaction holds bbolt's writer lock as a group commit does, so
// ingestion waits for it. Folding many epochs at once is what keeps it
// cheap: 16 epochs of 8,192 events from 10,000 users give each user's
// range about 13 events per page the fold rewrites, where writing every
// commit there (layout 1) cost a page per event.

// defaultFoldAfter is the number of closed epochs that starts a fold: a
// reader seeks at most this many epochs, and one more, in the first tier.
const defaultFoldAfter = 16

// defaultFoldUsers bounds one fold transaction, whose dirty pages wait in
// memory and whose commit ingestion waits for.
const defaultFoldUsers = 1024

// folder is the fold goroutine's state.
type folder struct {
	after uint64        // closed epochs that start a fold
	users int           // users per transaction
	wake  chan struct{} // the committer's nudge; closed by Close
	done  chan struct{} // closed when the goroutine has returned

	folds, moved atomic.Uint64
}

func (f *folder) start(s *Store, after uint64, users int) {
	f.after, f.users = after, users
	f.wake = make(chan struct{}, 1)
	f.done = make(chan struct{})
	f.nudge() // a reopened file may have epochs to fold
	go func() {
		defer close(f.done)
		var retry foldBackoff
		for range f.wake {
			if !retry.ready(time.Now()) {
				continue
			}
			err := s.foldClosedEpochs()
			if err == nil {
				if n := retry.succeeded(); n > 0 {
					s.log.Info("folding the event log works again", "failures", n)
				}
				continue
			}
			wait := retry.failed(time.Now())
			s.log.Error("folding the event log failed; a commit after the pause retries", "err", err, "failures", retry.failures, "pause", wait)
		}
	}()
}

// Pauses after failed folds: a fold that fails (a full disk, say) would
// otherwise be retried, and logged, after every commit.
const (
	foldFirstPause = time.Second
	foldMaxPause   = time.Minute
)

// foldBackoff spaces out the retries of a failing fold: the pause doubles
// with each failure in a row, from foldFirstPause up to foldMaxPause.
type foldBackoff struct {
	failures int
	pause    time.Duration // the latest pause
	until    time.Time
}

// ready reports whether a fold may run at now.
func (b *foldBackoff) ready(now time.Time) bool { return !now.Before(b.until) }

// failed records a failure at now and returns the pause before the next try.
func (b *foldBackoff) failed(now time.Time) time.Duration {
	b.failures++
	b.pause = min(max(2*b.pause, foldFirstPause), foldMaxPause)
	b.until = now.Add(b.pause)
	return b.pause
}

// succeeded clears the failures and returns how many there were.
func (b *foldBackoff) succeeded() int {
	n := b.failures
	*b = foldBackoff{}
	return n
}

// nudge wakes the goroutine unless a wake-up is already pending.
func (f *folder) nudge() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// foldClosedEpochs folds the first tier's closed epochs if there are
// enough of them.
func (s *Store) foldClosedEpochs() error {
	var from, to uint64
	err := s.db.View(func(tx *bbolt.Tx) error {
		recent := tx.Bucket(bucketRecent)
		if k, _ := recent.Cursor().First(); len(k) >= 8 {
			from, to = binary.BigEndian.Uint64(k), s.epochs.of(recent.Sequence())
		}
		return nil
	})
	if err != nil || to < from+s.fold.after {
		return err
	}
	for lo := []byte{}; lo != nil; {
		var moved int
		err := s.db.Update(func(tx *bbolt.Tx) error {
			var err error
			lo, moved, err = s.foldRange(tx, from, to, lo)
			return err
		})
		if err != nil {
			return fmt.Errorf("bolt: fold epochs %d to %d: %w", from, to-1, err)
		}
		s.fold.moved.Add(uint64(moved))
	}
	s.fold.folds.Add(1)
	return nil
}

// foldRange moves the events of epochs [from, to) of users from lo on,
// about s.fold.users of them, and returns the first user it left (nil
// when none is left) and the number of events moved.
func (s *Store) foldRange(tx *bbolt.Tx, from, to uint64, lo []byte) ([]byte, int, error) {
	recent, events := tx.Bucket(bucketRecent), tx.Bucket(bucketEvents)
	c := recent.Cursor()
	seek := func(epoch uint64) ([]byte, []byte) {
		return c.Seek(append(binary.BigEndian.AppendUint64(nil, epoch), lo...))
	}
	// The range ends before the (users+1)st user of the newest epoch.
	var hi []byte
	var prev string
	for seen, k := 0, keyOf(seek(to-1)); len(k) > 8 && binary.BigEndian.Uint64(k) == to-1; k, _ = c.Next() {
		user, _, err := s.epochs.parse(k)
		if err != nil {
			return nil, 0, err
		}
		if seen > 0 && user == prev {
			continue
		}
		if seen == s.fold.users {
			hi = []byte(user)
			break
		}
		seen, prev = seen+1, user
	}
	type move struct{ from, to, value []byte }
	var moves []move
	for epoch := from; epoch < to; epoch++ {
		for k, v := seek(epoch); len(k) > 8 && binary.BigEndian.Uint64(k) == epoch; k, v = c.Next() {
			user, seq, err := s.epochs.parse(k)
			if err != nil {
				return nil, 0, err
			}
			if hi != nil && user >= string(hi) {
				break
			}
			moves = append(moves, move{bytes.Clone(k), userKey(user, seq), bytes.Clone(v)})
		}
	}
	// In key order, each user's range is written once, left to right; and
	// the cursor's walk is over before anything is deleted.
	slices.SortFunc(moves, func(a, b move) int { return bytes.Compare(a.to, b.to) })
	for _, m := range moves {
		if err := events.Put(m.to, m.value); err != nil {
			return nil, 0, err
		}
		if err := recent.Delete(m.from); err != nil {
			return nil, 0, err
		}
	}
	return hi, len(moves), nil
}

// keyOf is a cursor position's key.
func keyOf(k, _ []byte) []byte { return k }
