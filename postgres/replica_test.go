package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/postgres"
	"github.com/driftrec/driftrec/storetest"
)

// TestReplicasNoLostUpdate runs writers on two Stores, two pools as two
// replicas would have, all ingesting for the same users.
func TestReplicasNoLostUpdate(t *testing.T) {
	a, dsn := openSchema(t)
	defer a.Close()
	b, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const writers, perWriter = 8, 20
	err = storetest.IngestConcurrently(t.Context(), []driftrec.Store{a, b}, writers, perWriter, func(w, i int) []driftrec.Event {
		// Two users per batch, in either order, shared by all writers.
		users := []string{"hot", "warm"}
		if w%2 == 1 {
			users[0], users[1] = users[1], users[0]
		}
		var events []driftrec.Event
		for _, u := range users {
			events = append(events, driftrec.Event{User: u, Type: driftrec.EventView,
				Item: fmt.Sprintf("%s-w%d-%d", u, w, i), Time: time.Now()})
		}
		return events
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []driftrec.Store{a, b} {
		storetest.CheckCountingModel(t, st, "hot", writers*perWriter, writers*perWriter)
		storetest.CheckCountingModel(t, st, "warm", writers*perWriter, writers*perWriter)
	}
}

func TestOpenMigratesOnce(t *testing.T) {
	dsn := server.Schema(t)
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for range 6 {
		wg.Go(func() {
			s, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				errs <- err
				return
			}
			s.Close()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent Open: %v", err)
	}
	conn := schemaConn(t, dsn)
	var versions []int
	rows, err := conn.Query(t.Context(), "SELECT version FROM driftrec_schema ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	// Every migration applied once: versions 1, 2, ... without repeats.
	if rows.Err() != nil || len(versions) != 2 {
		t.Fatalf("driftrec_schema holds %v (%v), want [1 2]", versions, rows.Err())
	}
	for i, v := range versions {
		if v != i+1 {
			t.Fatalf("driftrec_schema holds %v, want [1 2]", versions)
		}
	}

	// A database that a newer release migrated is refused.
	if _, err := conn.Exec(t.Context(), "INSERT INTO driftrec_schema (version) VALUES (999)"); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.Open(t.Context(), dsn)
	if err == nil || !strings.Contains(err.Error(), "newer than this build") {
		t.Fatalf("Open of a newer schema returned %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, dsn, want string
	}{
		{"missing schema", server.DSN + "&search_path=no_such_schema", "no existing schema"},
		{"bad DSN", "postgres://%zz", "postgres:"},
		{"unreachable", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := postgres.Open(t.Context(), tt.dsn)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Open returned %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRejectsWhatTextCannotHold(t *testing.T) {
	s, _ := openSchema(t)
	defer s.Close()
	ctx := t.Context()
	events := []driftrec.Event{{User: "u", Type: driftrec.EventQuery, Text: "a\x00b"}}
	err := s.IngestEvents(ctx, events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) { return nil, nil })
	if driftrec.ErrorCode(err) != driftrec.EINVALID || driftrec.ErrorField(err) != "[0].text" {
		t.Fatalf("IngestEvents with a NUL in the text returned %v, want EINVALID on [0].text", err)
	}
	item := driftrec.EmbeddedItem{Item: driftrec.Item{ID: "i", Text: "bad \xff utf-8"}}
	if err := s.PutItems(ctx, []driftrec.EmbeddedItem{item}); driftrec.ErrorCode(err) != driftrec.EINVALID {
		t.Fatalf("PutItems with invalid UTF-8 returned %v, want EINVALID", err)
	}
	// jsonb has no NUL either; the server's refusal is bad input too.
	item = driftrec.EmbeddedItem{Item: driftrec.Item{ID: "i", Attributes: map[string]any{"k": "a\x00"}}}
	if err := s.PutItems(ctx, []driftrec.EmbeddedItem{item}); driftrec.ErrorCode(err) != driftrec.EINVALID {
		t.Fatalf("PutItems with a NUL in an attribute returned %v, want EINVALID", err)
	}
}

func TestClosedStoreIsUnavailable(t *testing.T) {
	s, _ := openSchema(t)
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := s.PutMeta(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := s.Meta(ctx, "k")
	if driftrec.ErrorCode(err) != driftrec.EUNAVAILABLE || errors.Is(err, context.Canceled) {
		t.Fatalf("Meta on a closed store returned %v, want EUNAVAILABLE", err)
	}
}
