package client

import (
	"context"
	"net/url"
	"strconv"
)

type itemWire struct {
	ID         string         `json:"id"`
	Text       string         `json:"text"`
	Categories []string       `json:"categories,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
}

// UpsertItems inserts or replaces items (PUT /v1/items) and returns how
// many were stored. The batch is all or nothing.
func (c *Client) UpsertItems(ctx context.Context, items []Item) (int, error) {
	wire := make([]itemWire, len(items))
	for i, it := range items {
		wire[i] = itemWire{ID: it.ID, Text: it.Text, Categories: it.Categories, Attributes: it.Attributes}
	}
	var out struct {
		Upserted int `json:"upserted"`
	}
	err := c.call(ctx, "PUT", "/v1/items", nil, wire, &out)
	return out.Upserted, err
}

// Item returns one item.
func (c *Client) Item(ctx context.Context, id string) (*Item, error) {
	var it Item
	if err := c.call(ctx, "GET", "/v1/items/"+seg(id), nil, nil, &it); err != nil {
		return nil, err
	}
	return &it, nil
}

// DeleteItem deletes one item; a missing item is a not_found error.
func (c *Client) DeleteItem(ctx context.Context, id string) error {
	return c.call(ctx, "DELETE", "/v1/items/"+seg(id), nil, nil, nil)
}

// DeleteItems deletes items and returns how many existed.
func (c *Client) DeleteItems(ctx context.Context, ids []string) (int, error) {
	var out struct {
		Deleted int `json:"deleted"`
	}
	err := c.call(ctx, "DELETE", "/v1/items", nil, map[string][]string{"ids": ids}, &out)
	return out.Deleted, err
}

// Search returns the n items nearest to a text (n ≤ 0: the server's
// default), optionally within categories.
func (c *Client) Search(ctx context.Context, text string, n int, categories ...string) ([]ItemResult, error) {
	q := url.Values{"q": {text}}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	for _, cat := range categories {
		q.Add("category", cat)
	}
	var out struct {
		Query string       `json:"query"`
		Items []ItemResult `json:"items"`
	}
	err := c.call(ctx, "GET", "/v1/search", q, nil, &out)
	return out.Items, err
}

// Similar returns the n items nearest to a catalogue item.
func (c *Client) Similar(ctx context.Context, id string, n int) ([]ItemResult, error) {
	q := url.Values{}
	if n > 0 {
		q.Set("n", strconv.Itoa(n))
	}
	var out struct {
		Item  string       `json:"item"`
		Items []ItemResult `json:"items"`
	}
	err := c.call(ctx, "GET", "/v1/items/"+seg(id)+"/similar", q, nil, &out)
	return out.Items, err
}

// Embed returns the server encoder's vectors for texts (POST
// /v1/embeddings).
func (c *Client) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	var out struct {
		Object string `json:"object"`
		Model  string `json:"model"`
		Data   []struct {
			Object    string    `json:"object"`
			Index     int       `json:"index"`
			Embedding []float32 `json:"embedding"`
		} `json:"data"`
		Usage map[string]int `json:"usage"`
	}
	if err := c.call(ctx, "POST", "/v1/embeddings", nil, map[string]any{"input": texts, "model": "driftrec"}, &out); err != nil {
		return nil, err
	}
	vecs := make([][]float32, len(texts))
	for _, d := range out.Data {
		if d.Index >= 0 && d.Index < len(vecs) {
			vecs[d.Index] = d.Embedding
		}
	}
	return vecs, nil
}
