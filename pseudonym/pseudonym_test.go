package pseudonym_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/pseudonym"
	"github.com/driftrec/driftrec/storetest"
)

var testKey = bytes.Repeat([]byte{0x5a}, 32)

func listed(u string) string { return pseudonym.Of(testKey, u) }

// TestConformance runs the store suite through the decorator: it must not
// change what a store does, only what it keeps.
func TestConformance(t *testing.T) {
	t.Run("inmem", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) driftrec.Store {
			s, err := pseudonym.New(inmem.New(), testKey)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}, storetest.ListsUsersAs(listed))
	})
	t.Run("bolt", func(t *testing.T) {
		open := func(t *testing.T, path string) driftrec.Store {
			b, err := bolt.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			s, err := pseudonym.New(b, testKey)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		paths := map[driftrec.Store]string{}
		storetest.Run(t, func(t *testing.T) driftrec.Store {
			p := filepath.Join(t.TempDir(), "driftrec.db")
			s := open(t, p)
			paths[s] = p
			return s
		}, storetest.ListsUsersAs(listed), storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store {
			p := paths[s]
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2 := open(t, p)
			paths[s2] = p
			return s2
		}))
	})
}

func TestPseudonyms(t *testing.T) {
	a, b := pseudonym.Of(testKey, "alice"), pseudonym.Of(testKey, "bob")
	other := pseudonym.Of(bytes.Repeat([]byte{1}, 32), "alice")
	switch {
	case a == b, a == other:
		t.Fatalf("pseudonyms collide: %s %s %s", a, b, other)
	case a != pseudonym.Of(testKey, "alice"):
		t.Fatal("a pseudonym is not stable")
	case !pseudonym.IsPseudonym(a) || len(a) != 44 || !strings.HasPrefix(a, "~"):
		t.Fatalf("pseudonym %q has the wrong form", a)
	}
	for _, id := range []string{"alice", "~", "~" + strings.Repeat("A", 42), "~" + strings.Repeat("*", 43), strings.Repeat("A", 44)} {
		if pseudonym.IsPseudonym(id) {
			t.Errorf("IsPseudonym(%q) = true", id)
		}
	}
	if _, err := pseudonym.New(inmem.New(), []byte("short")); err == nil {
		t.Fatal("a short key was accepted")
	}
}

// TestRawIDsNeverStored checks the file: no raw ID in it, the pseudonyms
// instead, and the caller's ID on everything read back.
func TestRawIDsNeverStored(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "driftrec.db")
	b, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := pseudonym.Bind(ctx, b, testKey); err != nil {
		t.Fatal(err)
	}
	s, err := pseudonym.New(b, testKey)
	if err != nil {
		t.Fatal(err)
	}
	const raw = "user-4711@example.com"
	events := []driftrec.Event{{User: raw, Type: driftrec.EventView, Item: "x", Time: time.Now()}}
	err = s.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		if len(cur) != 0 {
			t.Errorf("apply got %v", cur)
		}
		return map[string]*driftrec.Profile{raw: {User: raw, Events: 1}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if events[0].Seq == 0 {
		t.Fatal("the caller's events did not get their sequence numbers")
	}
	p, err := s.Profile(ctx, raw)
	if err != nil || p.User != raw || p.Events != 1 {
		t.Fatalf("profile %+v %v", p, err)
	}
	// Read through the listed pseudonym: the same user.
	var users []string
	s.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil })
	if len(users) != 1 || users[0] != pseudonym.Of(testKey, raw) {
		t.Fatalf("ScanUsers = %q", users)
	}
	if p, err := s.Profile(ctx, users[0]); err != nil || p.Events != 1 {
		t.Fatalf("profile by pseudonym: %+v %v", p, err)
	}
	// Ingestion and deletion refuse pseudonyms.
	bad := []driftrec.Event{{User: users[0], Type: driftrec.EventView, Item: "x"}}
	if err := s.IngestEvents(ctx, bad, nil); driftrec.ErrorCode(err) != driftrec.EINVALID || driftrec.ErrorField(err) != "[0].user" {
		t.Fatalf("ingest under a pseudonym: %v", err)
	}
	if _, err := s.DeleteUser(ctx, users[0]); driftrec.ErrorCode(err) != driftrec.EINVALID {
		t.Fatalf("delete by pseudonym: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte(raw)) || bytes.Contains(data, []byte("4711")) {
		t.Fatal("the raw user ID is in the file")
	}
	if !bytes.Contains(data, []byte(pseudonym.Of(testKey, raw))) {
		t.Fatal("the pseudonym is not in the file")
	}
}

func TestBind(t *testing.T) {
	ctx := context.Background()
	st := inmem.New()
	if err := pseudonym.RequireNone(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := pseudonym.Bind(ctx, st, testKey); err != nil {
		t.Fatal(err)
	}
	if err := pseudonym.Bind(ctx, st, testKey); err != nil {
		t.Fatalf("second Bind with the same key: %v", err)
	}
	if err := pseudonym.Bind(ctx, st, bytes.Repeat([]byte{7}, 32)); err == nil || !strings.Contains(err.Error(), "another key") {
		t.Fatalf("Bind with another key: %v", err)
	}
	if err := pseudonym.RequireNone(ctx, st); err == nil {
		t.Fatal("RequireNone accepted a pseudonymised store")
	}
	plain := inmem.New()
	events := []driftrec.Event{{User: "u", Type: driftrec.EventView, Item: "x"}}
	if err := plain.IngestEvents(ctx, events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	if err := pseudonym.Bind(ctx, plain, testKey); err == nil || !strings.Contains(err.Error(), "raw IDs") {
		t.Fatalf("Bind on a store with raw IDs: %v", err)
	}
}
