package bolt

import (
	"context"
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
)

var _ driftrec.TextExpirer = (*Store)(nil)

// retentionChunk is the number of event records one retention transaction
// visits, so that a large log does not become one huge transaction that
// holds up ingestion.
const retentionChunk = 2000

// ExpireEventTexts removes the text of every event older than before,
// rewriting (and resealing) its record, in transactions of a few thousand
// records. The old record's bytes stay in a free page until bbolt reuses
// it or Compact runs (see seal.go).
//
// It walks the first tier of the event log before the second (eventkey.go),
// so that events the fold moves meanwhile are still visited.
func (s *Store) ExpireEventTexts(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for _, tier := range []struct {
		bucket []byte
		parse  func([]byte) (string, uint64, error)
	}{{bucketRecent, s.epochs.parse}, {bucketEvents, parseUserKey}} {
		n, err := s.expireTier(ctx, tier.bucket, tier.parse, before)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// expireTier removes old texts from one tier of the event log, whose keys
// parse splits.
func (s *Store) expireTier(ctx context.Context, bucket []byte, parse func([]byte) (string, uint64, error), before time.Time) (int, error) {
	total := 0
	var after []byte
	for {
		done, n := false, 0
		err := s.update(ctx, func(tx *bbolt.Tx) error {
			type change struct {
				key, value []byte
			}
			var changes []change
			keys := s.keys(tx)
			c := tx.Bucket(bucket).Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			for visited := 0; k != nil && visited < retentionChunk; k, v = c.Next() {
				visited++
				after = append(after[:0], k...)
				user, seq, err := parse(k)
				if err != nil {
					return err
				}
				e, err := keys.decodeEvent(user, seq, v)
				if err != nil {
					return fmt.Errorf("bolt: retention: %w", err)
				}
				if e.Text == "" || !e.Time.Before(before) {
					continue
				}
				e.Text = ""
				rec, err := keys.encodeEvent(&e, seq)
				if err != nil {
					return err
				}
				changes = append(changes, change{append([]byte{}, k...), rec})
			}
			done = k == nil
			// A cursor may move unpredictably after a write, so the
			// changes are written once the walk of this chunk is over.
			b := tx.Bucket(bucket)
			for _, ch := range changes {
				if err := b.Put(ch.key, ch.value); err != nil {
					return fmt.Errorf("bolt: rewrite event: %w", err)
				}
			}
			n = len(changes)
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if done {
			return total, nil
		}
	}
}
