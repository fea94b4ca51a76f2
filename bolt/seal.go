package bolt

import (
	"context"
	"fmt"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
)

// Encryption at rest (Options.Sealer).
//
// With a sealer, every event record and profile is sealed with its user's
// data key (driftrec.SealRecord; additional data: the kind, the user and,
// for events, the sequence number), and the bucket "keys" maps each user
// to the data key wrapped under the master key. Keys (user IDs, sequence
// numbers) stay readable: they are pseudonyms when the store sits behind
// package pseudonym. DeleteUser deletes the wrapped key in the same
// transaction as the records.
//
// bbolt is copy-on-write: a deleted or rewritten record's old page goes to
// the free list and keeps its bytes until the page is reused. Sealing is
// what makes those leftovers unreadable once the user's key is gone (and
// the master key it was wrapped under is retired); Compact rewrites the
// file without them.

var bucketKeys = []byte("keys")

// txKeys caches the data keys one transaction has unwrapped.
type txKeys struct {
	s  *Store
	tx *bbolt.Tx
	m  map[string]driftrec.UserKey
}

func (s *Store) keys(tx *bbolt.Tx) *txKeys { return &txKeys{s: s, tx: tx} }

// get returns the user's data key; with create, a missing one is made and
// stored (tx must be writable). Without a sealer it returns nil.
func (k *txKeys) get(user string, create bool) (driftrec.UserKey, error) {
	if k.s.sealer == nil {
		return nil, nil
	}
	if uk, ok := k.m[user]; ok {
		return uk, nil
	}
	b := k.tx.Bucket(bucketKeys)
	wrapped := b.Get([]byte(user))
	if wrapped == nil {
		if !create {
			return nil, nil
		}
		w, err := k.s.sealer.NewUserKey(user)
		if err != nil {
			return nil, fmt.Errorf("bolt: new data key: %w", err)
		}
		if err := b.Put([]byte(user), w); err != nil {
			return nil, fmt.Errorf("bolt: put data key of user %q: %w", user, err)
		}
		wrapped = w
	}
	uk, err := k.s.sealer.UserKey(user, wrapped)
	if err != nil {
		return nil, fmt.Errorf("bolt: data key of user %q: %w", user, err)
	}
	if k.m == nil {
		k.m = map[string]driftrec.UserKey{}
	}
	k.m[user] = uk
	return uk, nil
}

// encodeEvent encodes (and, with a sealer, seals) an event record.
func (k *txKeys) encodeEvent(e *driftrec.Event, seq uint64) ([]byte, error) {
	plain := appendEvent(nil, e)
	if k.s.sealer == nil {
		return plain, nil
	}
	uk, err := k.get(e.User, true)
	if err != nil {
		return nil, err
	}
	return driftrec.SealRecord(uk, plain, driftrec.SealAAD("event", e.User, seq)), nil
}

// decodeEvent decodes an event record, opening it if it is sealed.
func (k *txKeys) decodeEvent(user string, seq uint64, v []byte) (driftrec.Event, error) {
	if driftrec.IsSealed(v) {
		plain, err := k.open(user, v, driftrec.SealAAD("event", user, seq))
		if err != nil {
			return driftrec.Event{}, fmt.Errorf("event %d of user %q: %w", seq, user, err)
		}
		v = plain
	}
	return decodeEvent(user, seq, v)
}

// encodeProfile encodes (and, with a sealer, seals) a profile.
func (k *txKeys) encodeProfile(p *driftrec.Profile) ([]byte, error) {
	data, err := p.MarshalBinary()
	if err != nil || k.s.sealer == nil {
		return data, err
	}
	uk, err := k.get(p.User, true)
	if err != nil {
		return nil, err
	}
	return driftrec.SealRecord(uk, data, driftrec.SealAAD("profile", p.User, 0)), nil
}

// decodeProfile decodes a stored profile, opening it if it is sealed.
func (k *txKeys) decodeProfile(user string, raw []byte) (*driftrec.Profile, error) {
	if driftrec.IsSealed(raw) {
		plain, err := k.open(user, raw, driftrec.SealAAD("profile", user, 0))
		if err != nil {
			return nil, fmt.Errorf("stored profile of user %q: %w", user, err)
		}
		raw = plain
	}
	p := new(driftrec.Profile)
	if err := p.UnmarshalBinary(raw); err != nil {
		return nil, fmt.Errorf("stored profile of user %q: %w", user, err)
	}
	return p, nil
}

func (k *txKeys) open(user string, record, aad []byte) ([]byte, error) {
	if k.s.sealer == nil {
		return nil, fmt.Errorf("%w: open the store with its master key", driftrec.ErrSealed)
	}
	uk, err := k.get(user, false)
	if err != nil {
		return nil, err
	}
	if uk == nil {
		return nil, fmt.Errorf("%w: the user's data key is gone", driftrec.ErrSealed)
	}
	return driftrec.OpenRecord(uk, record, aad)
}

// RewrapUserKeys re-encrypts every stored data key under the sealer's
// current master key, in transactions of up to 1000 keys.
func (s *Store) RewrapUserKeys(ctx context.Context) (int, error) {
	if s.sealer == nil {
		return 0, fmt.Errorf("bolt: the store was opened without a sealer")
	}
	total := 0
	var after []byte
	for {
		done, n := false, 0
		err := s.update(ctx, func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketKeys)
			type change struct{ user, wrapped []byte }
			var changes []change
			c := b.Cursor()
			k, v := c.First()
			if after != nil {
				if k, v = c.Seek(after); k != nil && string(k) == string(after) {
					k, v = c.Next()
				}
			}
			count := 0
			for ; k != nil && count < 1000; k, v = c.Next() {
				count++
				w, changed, err := s.sealer.Rewrap(string(k), v)
				if err != nil {
					return fmt.Errorf("bolt: rewrap data key of user %q: %w", k, err)
				}
				if changed {
					changes = append(changes, change{append([]byte{}, k...), w})
				}
				after = append(after[:0], k...)
			}
			done = k == nil
			for _, ch := range changes {
				if err := b.Put(ch.user, ch.wrapped); err != nil {
					return err
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
