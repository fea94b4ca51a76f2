package bolt

import (
	"context"
	"strconv"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
)

// PutItems inserts or replaces items in one transaction.
func (s *Store) PutItems(ctx context.Context, items []driftrec.EmbeddedItem) error {
	// Encode before the transaction: the write lock is held for the puts
	// only, and a bad item fails the call before anything is written.
	keys := make([][]byte, len(items))
	values := make([][]byte, len(items))
	for i := range items {
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].id", items[i].ID); err != nil {
			return err
		}
		v, err := appendItem(nil, &items[i])
		if err != nil {
			return err
		}
		keys[i], values[i] = []byte(items[i].ID), v
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketItems)
		for i := range keys {
			if err := b.Put(keys[i], values[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteItems removes items and reports how many existed.
func (s *Store) DeleteItems(ctx context.Context, ids []string) (int, error) {
	n := 0
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		n = 0 // bbolt does not retry Update, but keep fn repeatable anyway
		b := tx.Bucket(bucketItems)
		for _, id := range ids {
			if b.Get([]byte(id)) == nil {
				continue
			}
			if err := b.Delete([]byte(id)); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Item returns one item.
func (s *Store) Item(ctx context.Context, id string) (driftrec.EmbeddedItem, error) {
	var it driftrec.EmbeddedItem
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketItems).Get([]byte(id))
		if raw == nil {
			return driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
		}
		var err error
		it, err = decodeItem(id, raw)
		return err
	})
	return it, err
}

// ScanItems calls fn for every item in ID (byte) order, inside one read
// transaction, so it sees one consistent catalogue.
func (s *Store) ScanItems(ctx context.Context, fn func(driftrec.EmbeddedItem) error) error {
	return s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bucketItems).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			it, err := decodeItem(string(k), v)
			if err != nil {
				return err
			}
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
}
