package inmem

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"

	"github.com/driftrec/driftrec"
)

// PutItems inserts or replaces items. Attributes are normalised through
// JSON, as the durable stores keep them, so that every store returns the
// same types (numbers as float64).
func (s *Store) PutItems(ctx context.Context, items []driftrec.EmbeddedItem) error {
	stored := make([]driftrec.EmbeddedItem, len(items))
	for i, it := range items {
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].id", it.ID); err != nil {
			return err
		}
		c, err := storedItem(it)
		if err != nil {
			return err
		}
		stored[i] = c
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	for _, it := range stored {
		if _, ok := s.items[it.ID]; !ok {
			s.itemIDs = nil
		}
		s.items[it.ID] = it
	}
	return nil
}

// storedItem returns the copy of it that the store keeps.
func storedItem(it driftrec.EmbeddedItem) (driftrec.EmbeddedItem, error) {
	c := it
	c.Vector = slices.Clone(it.Vector)
	c.Categories = slices.Clone(it.Categories)
	c.CreatedAt, c.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	c.Attributes = nil
	if len(it.Attributes) > 0 {
		raw, err := json.Marshal(it.Attributes)
		if err != nil {
			return c, driftrec.FieldErrorf("attributes", "item %q: attributes are not JSON: %v", it.ID, err)
		}
		if err := json.Unmarshal(raw, &c.Attributes); err != nil {
			return c, driftrec.FieldErrorf("attributes", "item %q: attributes are not a JSON object: %v", it.ID, err)
		}
	}
	return c, nil
}

// copyItem returns a copy of a stored item that the caller may change.
func copyItem(it driftrec.EmbeddedItem) driftrec.EmbeddedItem {
	it.Vector = slices.Clone(it.Vector)
	it.Categories = slices.Clone(it.Categories)
	if it.Attributes != nil {
		it.Attributes = copyJSON(it.Attributes).(map[string]any)
	}
	return it
}

// copyJSON deep-copies a value decoded from JSON.
func copyJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := maps.Clone(v)
		for k, x := range m {
			m[k] = copyJSON(x)
		}
		return m
	case []any:
		s := slices.Clone(v)
		for i, x := range s {
			s[i] = copyJSON(x)
		}
		return s
	}
	return v
}

// DeleteItems removes the items and reports how many existed.
func (s *Store) DeleteItems(ctx context.Context, ids []string) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		if _, ok := s.items[id]; ok {
			delete(s.items, id)
			s.itemIDs = nil
			n++
		}
	}
	return n, nil
}

// Item returns one item.
func (s *Store) Item(ctx context.Context, id string) (driftrec.EmbeddedItem, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return driftrec.EmbeddedItem{}, err
	}
	it, ok := s.items[id]
	if !ok {
		return driftrec.EmbeddedItem{}, driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
	}
	return copyItem(it), nil
}

// ScanItems calls fn with a copy of every item in ID order. It sees the
// catalogue as it was when the scan began.
func (s *Store) ScanItems(ctx context.Context, fn func(driftrec.EmbeddedItem) error) error {
	items, err := s.itemSnapshot(ctx)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(copyItem(it)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) itemSnapshot(ctx context.Context) ([]driftrec.EmbeddedItem, error) {
	s.mu.Lock() // not RLock: it may refresh the ID cache
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	if s.itemIDs == nil {
		s.itemIDs = slices.Sorted(maps.Keys(s.items))
	}
	items := make([]driftrec.EmbeddedItem, len(s.itemIDs))
	for i, id := range s.itemIDs {
		items[i] = s.items[id]
	}
	return items, nil
}
