package main

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec/postgres/pgtest"
)

// TestTwoReplicasOnePostgres runs two driftrec server processes against one
// PostgreSQL database, as two replicas behind a load balancer: events for
// the same user sent to both at once must all land in the profile (no lost
// update), and an item added through one replica must become searchable
// and recommendable through the other.
func TestTwoReplicasOnePostgres(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pg, err := pgtest.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pg.Stop() }) // after the schema's and servers' cleanups
	dsn := pg.Schema(t)
	a := startServer(t, "-store", dsn, "-encoder", "lexical")
	b := startServer(t, "-store", dsn, "-encoder", "lexical")

	if code, body := a.call(t, "PUT", "/v1/items", `[{"id":"A","text":"running shoes"},{"id":"B","text":"coffee mug"},{"id":"C","text":"camping tent"}]`); code != 200 {
		t.Fatalf("items: %d %v", code, body)
	}
	const perReplica, clients = 40, 4
	var wg sync.WaitGroup
	for _, s := range []*server{a, b} {
		for c := 0; c < clients; c++ {
			wg.Add(1)
			go func(s *server, c int) {
				defer wg.Done()
				for i := 0; i < perReplica/clients; i++ {
					code, body := s.call(t, "POST", "/v1/events", fmt.Sprintf(`[{"user":"shared","type":"click","item":"A","session":"s%d"}]`, c))
					if code != 200 {
						t.Errorf("event: %d %v", code, body)
						return
					}
				}
			}(s, c)
		}
	}
	wg.Wait()
	for _, s := range []*server{a, b} {
		code, body := s.call(t, "GET", "/v1/users/shared/profile", "")
		if code != 200 || body["events"] != float64(2*perReplica) {
			t.Fatalf("profile through %s: %d, events %v, want %d", s.url, code, body["events"], 2*perReplica)
		}
	}

	// Catalogue changes made through A reach B's in-memory index.
	if code, _ := a.call(t, "PUT", "/v1/items", `[{"id":"D","text":"trail running shoe insoles"}]`); code != 200 {
		t.Fatal("put D")
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body := b.call(t, "GET", "/v1/search?q=insoles&n=1", "")
		items, _ := body["items"].([]any)
		if len(items) == 1 && items[0].(map[string]any)["id"] == "D" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica B never saw item D: %v", body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := b.call(t, "DELETE", "/v1/items/D", ""); code != 200 {
		t.Fatal("delete D through B")
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		code, _ := a.call(t, "GET", "/v1/items/D", "")
		if code == 404 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("replica A still serves deleted item D")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
