package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
)

// UserEvents calls fn with each of the user's events in ingestion order:
// the user's range in the second tier, then one per epoch in the first
// (eventkey.go).
func (s *Store) UserEvents(ctx context.Context, user string, fn func(driftrec.Event) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		keys := s.keys(tx)
		return s.epochs.userEventRanges(tx, user, func(b *bbolt.Bucket, prefix []byte) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			c := b.Cursor()
			for k, v := c.Seek(prefix); bytes.HasPrefix(k, prefix); k, v = c.Next() {
				if len(k) != len(prefix)+8 {
					return fmt.Errorf("bolt: event key %q of user %q has a bad length", k, user)
				}
				e, err := keys.decodeEvent(user, binary.BigEndian.Uint64(k[len(prefix):]), v)
				if err != nil {
					return fmt.Errorf("bolt: %w", err)
				}
				if err := fn(e); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

// Profile returns the user's profile.
func (s *Store) Profile(ctx context.Context, user string) (*driftrec.Profile, error) {
	var p *driftrec.Profile
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketProfiles).Get([]byte(user))
		if raw == nil {
			return driftrec.Errorf(driftrec.ENOTFOUND, "no profile for user %q", user)
		}
		var err error
		if p, err = s.keys(tx).decodeProfile(user, raw); err != nil {
			return fmt.Errorf("bolt: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// PutProfiles stores the profiles in one transaction, each with Version
// one above the stored one. The profiles passed in are not changed.
func (s *Store) PutProfiles(ctx context.Context, profiles []*driftrec.Profile) error {
	for i, p := range profiles {
		if p == nil {
			return driftrec.FieldErrorf("["+strconv.Itoa(i)+"]", "profile is nil")
		}
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].user", p.User); err != nil {
			return err
		}
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b, users := tx.Bucket(bucketProfiles), tx.Bucket(bucketUsers)
		keys := s.keys(tx)
		for _, p := range profiles {
			key := []byte(p.User)
			var version uint64
			if raw := b.Get(key); raw != nil {
				old, err := keys.decodeProfile(p.User, raw)
				if err != nil {
					return fmt.Errorf("bolt: %w", err)
				}
				version = old.Version
			}
			q := *p // a shallow copy is enough to encode another Version
			q.Version = version + 1
			data, err := keys.encodeProfile(&q)
			if err != nil {
				return fmt.Errorf("bolt: encode profile of user %q: %w", p.User, err)
			}
			if err := b.Put(key, data); err != nil {
				return fmt.Errorf("bolt: put profile of user %q: %w", p.User, err)
			}
			if users.Get(key) == nil {
				if err := users.Put(key, []byte{}); err != nil {
					return fmt.Errorf("bolt: put user %q: %w", p.User, err)
				}
			}
		}
		return nil
	})
}

// ScanUsers calls fn with every user that has events or a profile, in byte
// order.
func (s *Store) ScanUsers(ctx context.Context, fn func(string) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketUsers).Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(string(k)); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteUser removes the user's events, profile and data key in one
// transaction.
func (s *Store) DeleteUser(ctx context.Context, user string) (bool, error) {
	existed := false
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		key := []byte(user)
		users := tx.Bucket(bucketUsers)
		existed = users.Get(key) != nil
		if !existed {
			return nil
		}
		err := s.epochs.userEventRanges(tx, user, func(b *bbolt.Bucket, prefix []byte) error {
			c := b.Cursor()
			// Seek again after each delete: a bbolt cursor may skip the
			// next key after Delete.
			for k, _ := c.Seek(prefix); bytes.HasPrefix(k, prefix); k, _ = c.Seek(prefix) {
				if err := c.Delete(); err != nil {
					return fmt.Errorf("bolt: delete event of user %q: %w", user, err)
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketProfiles).Delete(key); err != nil {
			return fmt.Errorf("bolt: delete profile of user %q: %w", user, err)
		}
		// Without its data key, every sealed copy of the user's records
		// that outlives this transaction in free pages is unreadable.
		if err := tx.Bucket(bucketKeys).Delete(key); err != nil {
			return fmt.Errorf("bolt: delete data key of user %q: %w", user, err)
		}
		return users.Delete(key)
	})
	return existed, err
}
