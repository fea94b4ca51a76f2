package bolt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/storetest"
	bbolt "go.etcd.io/bbolt"
)

func openTemp(t *testing.T) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "driftrec.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t,
		func(t *testing.T) driftrec.Store { return openTemp(t) },
		storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store {
			path := s.(*bolt.Store).Path()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := bolt.Open(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s2
		}))
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driftrec.db")
	first, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	// flock conflicts between two opens of the file even in one process,
	// as it would between two processes.
	_, err = bolt.Open(path, &bolt.Options{LockTimeout: 50 * time.Millisecond})
	if !errors.Is(err, bolt.ErrLocked) || !strings.Contains(err.Error(), "database is locked by another process") {
		t.Fatalf("second Open returned %v, want ErrLocked", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after the first store closed: %v", err)
	}
	second.Close()
}

func TestOpenRejectsOtherFiles(t *testing.T) {
	dir := t.TempDir()
	garbage := make([]byte, 64<<10)
	for i := range garbage {
		garbage[i] = byte(i * 7919 >> 3)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A bbolt file of another application.
	other := filepath.Join(dir, "other.db")
	db, err := bbolt.Open(other, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		_, err := tx.CreateBucket([]byte("widgets"))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	// A driftrec file whose first page (a meta page) is overwritten.
	damaged := filepath.Join(dir, "damaged.db")
	s, err := bolt.Open(damaged, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	data, err := os.ReadFile(damaged)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := os.Getpagesize()
	copy(data[:2*pageSize], garbage) // both meta pages
	write("damaged.db", data)

	tests := []struct {
		name, path string
	}{
		{"garbage", write("garbage.db", garbage)},
		{"text file", write("notes.txt", []byte(strings.Repeat("not a database\n", 1000)))},
		{"other application", other},
		{"damaged meta pages", damaged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := bolt.Open(tt.path, nil)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !errors.Is(err, bolt.ErrCorrupt) || !strings.Contains(err.Error(), tt.path) {
				t.Fatalf("Open returned %v, want ErrCorrupt naming the file", err)
			}
		})
	}
}

// TestCloseWaitsForQueuedIngestion closes the store while writers are
// queued: each call must either have committed (and survive a reopen) or
// have failed.
func TestCloseWaitsForQueuedIngestion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driftrec.db")
	s, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	type result struct {
		err error
		seq uint64
	}
	results := make(chan result, 32)
	for range 32 {
		go func() {
			events := []driftrec.Event{{User: "u", Type: driftrec.EventView, Item: "x"}}
			err := s.IngestEvents(t.Context(), events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
				return nil, nil
			})
			results <- result{err, events[0].Seq}
		}()
	}
	time.Sleep(time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	committed := map[uint64]bool{}
	for range 32 {
		r := <-results
		if r.err == nil {
			committed[r.seq] = true
		} else if driftrec.ErrorCode(r.err) != driftrec.EUNAVAILABLE {
			t.Errorf("IngestEvents during Close failed with %v, want the store-closed error", r.err)
		}
	}
	s, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	stored := map[uint64]bool{}
	if err := s.UserEvents(t.Context(), "u", func(e driftrec.Event) error {
		stored[e.Seq] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(committed) {
		t.Fatalf("%d calls reported success but %d events are stored", len(committed), len(stored))
	}
	for seq := range committed {
		if !stored[seq] {
			t.Fatalf("event %d was reported committed but is not stored", seq)
		}
	}
}
