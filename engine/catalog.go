package engine

import (
	"sync"

	"github.com/driftrec/driftrec"
)

// catalog keeps item metadata in memory for responses, explanations and
// category filters; vectors live in the index, and the store is the
// durable copy of both.
type catalog struct {
	mu    sync.RWMutex
	items map[string]*driftrec.Item
}

func newCatalog() *catalog { return &catalog{items: make(map[string]*driftrec.Item)} }

func (c *catalog) put(it *driftrec.Item) {
	cp := *it
	c.mu.Lock()
	c.items[it.ID] = &cp
	c.mu.Unlock()
}

func (c *catalog) remove(id string) {
	c.mu.Lock()
	delete(c.items, id)
	c.mu.Unlock()
}

func (c *catalog) get(id string) (*driftrec.Item, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	it, ok := c.items[id]
	return it, ok
}

func (c *catalog) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.items)
}

func (c *catalog) texts(embedText func(*driftrec.Item) string) []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.items))
	for _, it := range c.items {
		out = append(out, embedText(it))
	}
	return out
}

func (c *catalog) all() []driftrec.Item {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]driftrec.Item, 0, len(c.items))
	for _, it := range c.items {
		out = append(out, *it)
	}
	return out
}

// ItemText implements recommend.Catalog.
func (c *catalog) ItemText(id string) string {
	if it, ok := c.get(id); ok {
		return it.Text
	}
	return ""
}

// ItemCategories lets the recommender filter popular items by category.
func (c *catalog) ItemCategories(id string) []string {
	if it, ok := c.get(id); ok {
		return it.Categories
	}
	return nil
}
