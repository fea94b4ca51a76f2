// Package demo holds a small bundled catalogue in Chinese and English,
// built around the seed's worked example (跑步鞋, 咖啡杯, 面包, 跑鞋垫), and a
// few simulated users whose interests drift, so that a fresh server has
// something to show and to try recommendations on.
package demo

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
)

//go:embed catalog.json
var catalogJSON []byte

//go:embed users.json
var usersJSON []byte

// Counts reports what Load added.
type Counts struct{ Items, Events, Users int }

type userScript struct {
	User    string `json:"user"`
	Comment string `json:"comment"`
	Events  []struct {
		Type       string   `json:"type"`
		Item       string   `json:"item"`
		Text       string   `json:"text"`
		Value      *float64 `json:"value"`
		Session    string   `json:"session"`
		DaysAgo    float64  `json:"days_ago"`
		MinutesAgo float64  `json:"minutes_ago"`
	} `json:"events"`
}

// Items returns the demo catalogue.
func Items() ([]driftrec.Item, error) {
	var items []driftrec.Item
	if err := json.Unmarshal(catalogJSON, &items); err != nil {
		return nil, fmt.Errorf("demo catalogue: %w", err)
	}
	return items, nil
}

// Events returns the simulated users' events, stamped relative to now.
func Events(now time.Time) ([]driftrec.Event, int, error) {
	var users []userScript
	if err := json.Unmarshal(usersJSON, &users); err != nil {
		return nil, 0, fmt.Errorf("demo users: %w", err)
	}
	var out []driftrec.Event
	for _, u := range users {
		for _, e := range u.Events {
			ago := time.Duration(e.DaysAgo*float64(24*time.Hour)) + time.Duration(e.MinutesAgo*float64(time.Minute))
			out = append(out, driftrec.Event{
				User: u.User, Type: driftrec.EventType(e.Type), Item: e.Item, Text: e.Text,
				Value: e.Value, Session: e.Session, Time: now.Add(-ago),
			})
		}
	}
	return out, len(users), nil
}

// Load upserts the demo catalogue and ingests the simulated users' events.
func Load(ctx context.Context, eng *engine.Engine) (Counts, error) {
	items, err := Items()
	if err != nil {
		return Counts{}, err
	}
	n, err := eng.UpsertItems(ctx, items)
	if err != nil {
		return Counts{}, err
	}
	evs, users, err := Events(time.Now().UTC())
	if err != nil {
		return Counts{}, err
	}
	res, err := eng.Ingest(ctx, evs)
	if err != nil {
		return Counts{}, err
	}
	return Counts{Items: n, Events: res.Accepted, Users: users}, nil
}
