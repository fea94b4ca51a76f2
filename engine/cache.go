package engine

import (
	"container/list"
	"sync"
)

// vectorCache is a bounded LRU of text embeddings keyed by encoder ID and
// text, so that repeated queries ("running shoes" typed by many users) are
// encoded once. Vectors are shared: callers must not modify them.
type vectorCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front = most recent; values are *cacheEntry
	byKey map[cacheKey]*list.Element
}

type cacheKey struct{ encoder, text string }

type cacheEntry struct {
	key cacheKey
	vec []float32
}

func newVectorCache(max int) *vectorCache {
	return &vectorCache{max: max, order: list.New(), byKey: make(map[cacheKey]*list.Element)}
}

func (c *vectorCache) get(encoder, text string) ([]float32, bool) {
	if c.max <= 0 {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[cacheKey{encoder, text}]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*cacheEntry).vec, true
}

func (c *vectorCache) put(encoder, text string, vec []float32) {
	if c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	k := cacheKey{encoder, text}
	if el, ok := c.byKey[k]; ok {
		el.Value.(*cacheEntry).vec = vec
		c.order.MoveToFront(el)
		return
	}
	c.byKey[k] = c.order.PushFront(&cacheEntry{key: k, vec: vec})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cacheEntry).key)
	}
}
