package engine

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
)

// ItemEncoder is implemented by encoders whose item vectors depend on more
// than the item's text (collab.Encoder adds vectors learned from the event
// log, by item ID). texts are the items' texts as Encode would get them.
type ItemEncoder interface {
	EncodeItems(ctx context.Context, items []driftrec.Item, texts []string) ([][]float32, error)
}

// embedBatch is the number of texts sent to the encoder at once.
const embedBatch = 256

// UpsertItems validates, embeds and stores items, replacing existing ones
// with the same ID. Nothing is stored unless every item is valid.
func (e *Engine) UpsertItems(ctx context.Context, items []driftrec.Item) (int, error) {
	if len(items) == 0 {
		return 0, driftrec.FieldErrorf("", "no items given")
	}
	if len(items) > e.cfg.MaxBatch {
		return 0, driftrec.Errorf(driftrec.ETOOLARGE, "%d items in one batch; the limit is %d", len(items), e.cfg.MaxBatch)
	}
	now := e.clock().UTC()
	byID := make(map[string]int, len(items))
	batch := make([]driftrec.Item, 0, len(items))
	for i := range items {
		it := items[i]
		if err := it.Validate(fmt.Sprintf("[%d]", i)); err != nil {
			return 0, err
		}
		it.Categories = slices.Clone(it.Categories)
		it.UpdatedAt = now
		if old, ok := e.cat.get(it.ID); ok {
			it.CreatedAt = old.CreatedAt
		} else if it.CreatedAt.IsZero() {
			it.CreatedAt = now
		}
		if j, dup := byID[it.ID]; dup {
			batch[j] = it // the last occurrence in a batch wins
			continue
		}
		byID[it.ID] = len(batch)
		batch = append(batch, it)
	}
	e.maint.RLock()
	err := e.embedAndStore(ctx, batch)
	e.maint.RUnlock()
	if err != nil {
		return 0, err
	}
	if err := e.maybeRefit(ctx); err != nil {
		return len(batch), err
	}
	return len(batch), nil
}

// embedText is the text an item is embedded from.
func (e *Engine) embedText(it *driftrec.Item) string {
	if !e.cfg.EmbedCategories || len(it.Categories) == 0 {
		return it.Text
	}
	return it.Text + " " + strings.Join(it.Categories, " ")
}

// embedAndStore embeds items whose text or encoder changed (others keep
// their vector), writes them to the store, then to the index and catalogue.
func (e *Engine) embedAndStore(ctx context.Context, items []driftrec.Item) error {
	id := e.enc.ID()
	out := make([]driftrec.EmbeddedItem, len(items))
	var need []int
	for i := range items {
		out[i] = driftrec.EmbeddedItem{Item: items[i], Encoder: id}
		if old, ok := e.cat.get(items[i].ID); ok && e.embedText(old) == e.embedText(&items[i]) {
			if v, ok := e.idx.Vector(items[i].ID); ok && len(v) == e.enc.Dim() {
				out[i].Vector = v
				continue
			}
		}
		need = append(need, i)
	}
	for start := 0; start < len(need); start += embedBatch {
		part := need[start:min(start+embedBatch, len(need))]
		texts := make([]string, len(part))
		batch := make([]driftrec.Item, len(part))
		for j, i := range part {
			texts[j] = e.embedText(&items[i])
			batch[j] = items[i]
		}
		var vecs [][]float32
		var err error
		if ie, ok := e.enc.(ItemEncoder); ok {
			vecs, err = ie.EncodeItems(ctx, batch, texts)
		} else {
			vecs, err = e.enc.Encode(ctx, texts)
		}
		if err != nil {
			return fmt.Errorf("engine: embed items: %w", err)
		}
		for j, i := range part {
			out[i].Vector = vecs[j]
		}
	}
	if err := e.store.PutItems(ctx, out); err != nil {
		return fmt.Errorf("engine: store items: %w", err)
	}
	entries := make([]index.Entry, len(out))
	for i := range out {
		entries[i] = index.Entry{ID: out[i].ID, Vector: out[i].Vector, Categories: out[i].Categories}
	}
	if err := e.addToIndex(ctx, entries); err != nil {
		return err
	}
	for i := range out {
		e.cat.put(&out[i].Item)
	}
	return nil
}

// DeleteItems removes items and reports how many existed.
func (e *Engine) DeleteItems(ctx context.Context, ids []string) (int, error) {
	if len(ids) > e.cfg.MaxBatch {
		return 0, driftrec.Errorf(driftrec.ETOOLARGE, "%d ids in one batch; the limit is %d", len(ids), e.cfg.MaxBatch)
	}
	for i, id := range ids {
		if err := driftrec.ValidateID(fmt.Sprintf("[%d]", i), id); err != nil {
			return 0, err
		}
	}
	n, err := e.store.DeleteItems(ctx, ids)
	if err != nil {
		return 0, fmt.Errorf("engine: delete items: %w", err)
	}
	for _, id := range ids {
		e.idx.Remove(id)
		e.cat.remove(id)
		e.pop.Remove(id)
	}
	return n, nil
}

// Item returns a catalogue item.
func (e *Engine) Item(ctx context.Context, id string) (driftrec.Item, error) {
	if it, ok := e.cat.get(id); ok {
		return *it, nil
	}
	return driftrec.Item{}, driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
}

// Items returns the number of items in the catalogue.
func (e *Engine) Items() int { return e.cat.len() }

// UnflushedProfiles returns how many profiles have changed since the
// write-behind flusher last wrote them: its backlog. It is zero without
// write-behind, where every change is written before it is acknowledged.
func (e *Engine) UnflushedProfiles() int {
	if e.dirty == nil {
		return 0
	}
	return e.dirty.len()
}

// encodeTexts embeds texts through the cache. Empty texts yield nil.
func (e *Engine) encodeTexts(ctx context.Context, texts []string) ([][]float32, error) {
	id := e.enc.ID()
	out := make([][]float32, len(texts))
	var missing []string
	seen := map[string][]int{}
	for i, t := range texts {
		if t == "" {
			continue
		}
		if v, ok := e.cache.get(id, t); ok {
			out[i] = v
			continue
		}
		if prev, ok := seen[t]; ok {
			seen[t] = append(prev, i)
			continue
		}
		seen[t] = []int{i}
		missing = append(missing, t)
	}
	for start := 0; start < len(missing); start += embedBatch {
		end := min(start+embedBatch, len(missing))
		vecs, err := e.enc.Encode(ctx, missing[start:end])
		if err != nil {
			return nil, fmt.Errorf("engine: encode: %w", err)
		}
		for j, v := range vecs {
			t := missing[start+j]
			e.cache.put(id, t, v)
			for _, i := range seen[t] {
				out[i] = v
			}
		}
	}
	return out, nil
}
