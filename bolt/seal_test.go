package bolt_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/seal"
	"github.com/driftrec/driftrec/storetest"
)

// TestSealedStore runs the conformance suite with encryption at rest.
func TestSealedStore(t *testing.T) {
	kr := storetest.NewKeyring(t)
	storetest.Run(t,
		func(t *testing.T) driftrec.Store {
			s, err := bolt.Open(filepath.Join(t.TempDir(), "driftrec.db"), &bolt.Options{Sealer: kr})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
		storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store {
			path := s.(*bolt.Store).Path()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := bolt.Open(path, &bolt.Options{Sealer: kr})
			if err != nil {
				t.Fatal(err)
			}
			return s2
		}))
}

// secretText is a text that must never appear in the file in plain.
const secretText = "søknad om skilsmisse 离婚律师"

// ingestSecret stores events and a profile that remembers their texts.
func ingestSecret(t *testing.T, s driftrec.Store, user string) {
	t.Helper()
	events := []driftrec.Event{
		{User: user, Type: driftrec.EventQuery, Text: secretText + " " + user, Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
		{User: user, Type: driftrec.EventPurchase, Item: "item-" + user, Time: time.Date(2026, 1, 2, 3, 5, 0, 0, time.UTC)},
	}
	err := s.IngestEvents(t.Context(), events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		p := &driftrec.Profile{User: user, Encoder: "test"}
		for _, e := range events {
			p.Events++
			p.Recent = append(p.Recent, driftrec.EventRef{Type: e.Type, Item: e.Item, Text: e.Text, Time: e.Time})
		}
		return map[string]*driftrec.Profile{user: p}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func fileContains(t *testing.T, path, s string) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Contains(b, []byte(s))
}

func TestSealedAtRest(t *testing.T) {
	kr := storetest.NewKeyring(t)
	path := filepath.Join(t.TempDir(), "driftrec.db")
	s, err := bolt.Open(path, &bolt.Options{Sealer: kr})
	if err != nil {
		t.Fatal(err)
	}
	ingestSecret(t, s, "alice")
	ingestSecret(t, s, "bob")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, plain := range []string{secretText, "søknad", "离婚", "item-alice", "item-bob"} {
		if fileContains(t, path, plain) {
			t.Fatalf("the file holds %q in plain", plain)
		}
	}

	t.Run("without the master key", func(t *testing.T) {
		s, err := bolt.Open(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		_, err = s.Profile(t.Context(), "alice")
		if !errors.Is(err, driftrec.ErrSealed) || !strings.Contains(err.Error(), "master key") {
			t.Fatalf("Profile without a sealer: %v, want ErrSealed", err)
		}
		err = s.UserEvents(t.Context(), "alice", func(driftrec.Event) error { return nil })
		if !errors.Is(err, driftrec.ErrSealed) {
			t.Fatalf("UserEvents without a sealer: %v, want ErrSealed", err)
		}
	})
	t.Run("with another master key", func(t *testing.T) {
		s, err := bolt.Open(path, &bolt.Options{Sealer: storetest.NewKeyring(t)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if _, err := s.Profile(t.Context(), "alice"); err == nil || !strings.Contains(err.Error(), "not configured") {
			t.Fatalf("Profile with the wrong master key: %v", err)
		}
	})
	t.Run("rotation", func(t *testing.T) {
		next := storetest.NewKeyring(t)
		rotating := seal.NewKeyring(next.Current(), kr.Current())
		s, err := bolt.Open(path, &bolt.Options{Sealer: rotating})
		if err != nil {
			t.Fatal(err)
		}
		n, err := s.RewrapUserKeys(t.Context())
		if err != nil || n != 2 {
			t.Fatalf("RewrapUserKeys: %d, %v; want 2 keys", n, err)
		}
		if n, err := s.RewrapUserKeys(t.Context()); err != nil || n != 0 {
			t.Fatalf("second RewrapUserKeys: %d, %v; want 0", n, err)
		}
		s.Close()
		s, err = bolt.Open(path, &bolt.Options{Sealer: next}) // the old key is gone
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p, err := s.Profile(t.Context(), "alice")
		if err != nil || p.Recent[0].Text != secretText+" alice" {
			t.Fatalf("profile after rotation: %v %v", p, err)
		}
		kr = next
	})
	t.Run("delete destroys the data key", func(t *testing.T) {
		s, err := bolt.Open(path, &bolt.Options{Sealer: kr})
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := s.DeleteUser(t.Context(), "alice"); !ok || err != nil {
			t.Fatalf("DeleteUser: %v %v", ok, err)
		}
		// A record of alice's copied back (as from a backup or a free
		// page) cannot be opened: her key is gone.
		if _, err := s.Profile(t.Context(), "bob"); err != nil {
			t.Fatalf("bob after alice's deletion: %v", err)
		}
		s.Close()
		if _, err := bolt.Compact(t.Context(), path); err != nil {
			t.Fatal(err)
		}
		if fileContains(t, path, "alice") {
			t.Fatal("after delete and compact the file still holds the user's key")
		}
		s, err = bolt.Open(path, &bolt.Options{Sealer: kr})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if evs := countEvents(t, s, "bob"); evs != 2 {
			t.Fatalf("bob has %d events after compaction, want 2", evs)
		}
	})
}

func countEvents(t *testing.T, s driftrec.Store, user string) int {
	t.Helper()
	n := 0
	if err := s.UserEvents(t.Context(), user, func(driftrec.Event) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestCompactRemovesDeletedData shows why Compact exists: without
// encryption, a deleted user's text can survive in a free page; after
// Compact it is gone and the rest of the data is intact.
func TestCompactRemovesDeletedData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driftrec.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ingestSecret(t, s, "carol")
	ingestSecret(t, s, "dave")
	if _, err := s.DeleteUser(t.Context(), "carol"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	t.Logf("before compaction the deleted text is in the file: %v", fileContains(t, path, secretText+" carol"))
	res, err := bolt.Compact(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	if res.BytesAfter <= 0 || res.BytesBefore <= 0 {
		t.Fatalf("sizes %+v", res)
	}
	if fileContains(t, path, secretText+" carol") || fileContains(t, path, "item-carol") {
		t.Fatal("the deleted user's data survived compaction")
	}
	if !fileContains(t, path, secretText+" dave") {
		t.Fatal("compaction lost the other user's data")
	}
	s, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n := countEvents(t, s, "dave"); n != 2 {
		t.Fatalf("dave has %d events after compaction", n)
	}
	if _, err := bolt.Compact(t.Context(), path); !errors.Is(err, bolt.ErrLocked) {
		t.Fatalf("Compact of an open store: %v, want ErrLocked", err)
	}
}
