package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/storetest"
	bbolt "go.etcd.io/bbolt"
)

func TestParseEventKeys(t *testing.T) {
	const w = defaultEpochBits
	valid := w.key("alice", 9000)
	wrongEpoch := slices.Clone(valid)
	binary.BigEndian.PutUint64(wrongEpoch, 0)
	tests := []struct {
		name    string
		parse   func([]byte) (string, uint64, error)
		key     []byte
		user    string
		seq     uint64
		wantErr string
	}{
		{"first tier", w.parse, valid, "alice", 9000, ""},
		{"first tier, epoch 0", w.parse, w.key("b", 1), "b", 1, ""},
		{"first tier, large sequence number", w.parse, w.key("c", 1<<62), "c", 1 << 62, ""},
		{"first tier, a second-tier key", w.parse, userKey("alice", 9000), "", 0, "malformed"},
		{"first tier, no separator", w.parse, bytes.ReplaceAll(valid, []byte{0}, []byte{1}), "", 0, "malformed"},
		{"first tier, empty user", w.parse, w.key("", 7), "", 0, "malformed"},
		{"first tier, wrong epoch", w.parse, wrongEpoch, "", 0, "epoch 0, want 1"},
		{"first tier, empty", w.parse, nil, "", 0, "malformed"},
		{"second tier", parseUserKey, userKey("alice", 9000), "alice", 9000, ""},
		{"second tier, empty user", parseUserKey, userKey("", 9000), "", 0, "malformed"},
		{"second tier, short", parseUserKey, []byte("a\x00\x01"), "", 0, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			user, seq, err := tt.parse(tt.key)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || user != tt.user || seq != tt.seq {
				t.Fatalf("got %q, %d, %v; want %q, %d", user, seq, err, tt.user, tt.seq)
			}
		})
	}
}

func FuzzParseEventKey(f *testing.F) {
	const w = defaultEpochBits
	f.Add(w.key("alice", 9000))
	f.Add(userKey("alice", 9000))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, k []byte) {
		if user, seq, err := w.parse(k); err == nil && !bytes.Equal(w.key(user, seq), k) {
			t.Fatalf("%q parsed as %q, %d, which encodes as %q", k, user, seq, w.key(user, seq))
		}
		if user, seq, err := parseUserKey(k); err == nil && !bytes.Equal(userKey(user, seq), k) {
			t.Fatalf("%q parsed as %q, %d, which encodes as %q", k, user, seq, userKey(user, seq))
		}
	})
}

// smallEpochs opens a store whose epochs hold 16 events and which folds
// after 3 closed epochs, 4 users per transaction.
func smallEpochs(t *testing.T, path string, sealer driftrec.Sealer) *Store {
	t.Helper()
	s, err := Open(path, &Options{Sealer: sealer, NoSync: true, epochBits: 4, foldAfter: 3, foldUsers: 4})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// logUser is the user of the test log's event i: ten interleaved users,
// of whom "u9" starts late and "u8" stops early.
func logUser(i int) string {
	u := i % 10
	switch {
	case u == 9 && i < 500, u == 8 && i > 700:
		u = i % 3
	}
	return fmt.Sprintf("u%d", u)
}

var logUsers = []string{"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7", "u8", "u9", "profile-only"}

// ingestLog writes events [from, to) of the test log in calls of 1 to 37
// events, and adds them to want.
func ingestLog(t *testing.T, s *Store, from, to int, want map[string][]driftrec.Event) {
	t.Helper()
	base := time.Date(2026, 11, 29, 0, 0, 0, 0, time.UTC)
	for start := from; start < to; {
		end := min(start+1+start%37, to)
		var batch []driftrec.Event
		for i := start; i < end; i++ {
			batch = append(batch, driftrec.Event{User: logUser(i), Type: driftrec.EventQuery, Text: fmt.Sprintf("query %d", i), Time: base.Add(time.Duration(i) * time.Second)})
		}
		if err := s.AppendEvents(t.Context(), batch); err != nil {
			t.Fatal(err)
		}
		for _, e := range batch {
			want[e.User] = append(want[e.User], e)
		}
		start = end
	}
}

func readUserEvents(t *testing.T, s *Store, user string) []driftrec.Event {
	t.Helper()
	var got []driftrec.Event
	if err := s.UserEvents(t.Context(), user, func(e driftrec.Event) error { got = append(got, e); return nil }); err != nil {
		t.Errorf("UserEvents(%q): %v", user, err)
	}
	return got
}

// checkPrefix fails unless got is want's first len(got) events, in order.
func checkPrefix(t *testing.T, user string, got, want []driftrec.Event) {
	t.Helper()
	if len(got) > len(want) {
		t.Errorf("%s has %d events, want at most %d", user, len(got), len(want))
		return
	}
	for i, e := range got {
		w := want[i]
		if e.Text != w.Text || e.User != user || !e.Time.Equal(w.Time) || (i > 0 && e.Seq <= got[i-1].Seq) {
			t.Errorf("%s's event %d is %+v, want %+v, after seq %d", user, i, e, w, got[max(i-1, 0)].Seq)
			return
		}
	}
}

func checkLog(t *testing.T, s *Store, want map[string][]driftrec.Event) {
	t.Helper()
	for _, user := range logUsers {
		got := readUserEvents(t, s, user)
		if len(got) != len(want[user]) {
			t.Fatalf("%s has %d events, want %d", user, len(got), len(want[user]))
		}
		checkPrefix(t, user, got, want[user])
	}
}

// tiers counts the events in each tier and the first tier's epochs.
func tiers(t *testing.T, s *Store) (recent, folded, epochsLeft int) {
	t.Helper()
	err := s.db.View(func(tx *bbolt.Tx) error {
		seen := map[uint64]bool{}
		err := tx.Bucket(bucketRecent).ForEach(func(k, _ []byte) error {
			_, seq, err := s.epochs.parse(k)
			recent++
			seen[s.epochs.of(seq)] = true
			return err
		})
		if err != nil {
			return err
		}
		epochsLeft = len(seen)
		return tx.Bucket(bucketEvents).ForEach(func(k, _ []byte) error {
			_, _, err := parseUserKey(k)
			folded++
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return recent, folded, epochsLeft
}

// TestFoldKeepsUserEvents ingests while readers read: every read returns a
// prefix of the user's events, in order, whichever tiers hold them; after
// the folds, reads, deletion and retention cover both tiers.
func TestFoldKeepsUserEvents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driftrec.db")
	keyring := storetest.NewKeyring(t)
	s := smallEpochs(t, path, keyring)
	want := map[string][]driftrec.Event{}
	// Readers keep what they read, to compare with the finished log.
	type read struct {
		user string
		got  []driftrec.Event
	}
	var (
		mu    sync.Mutex
		reads []read
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for r := range 3 {
		wg.Go(func() {
			var mine []read
			defer func() {
				mu.Lock()
				reads = append(reads, mine...)
				mu.Unlock()
			}()
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				user := logUsers[i%len(logUsers)]
				mine = append(mine, read{user, readUserEvents(t, s, user)})
				time.Sleep(time.Millisecond)
			}
		})
	}
	ingestLog(t, s, 0, 1500, want)
	close(stop)
	wg.Wait()
	if err := s.PutProfiles(t.Context(), []*driftrec.Profile{{User: "profile-only", Encoder: "test"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // waits for the fold
		t.Fatal(err)
	}
	for _, r := range reads {
		checkPrefix(t, r.user, r.got, want[r.user])
	}
	if len(reads) == 0 {
		t.Fatal("no reads during ingestion")
	}

	s = smallEpochs(t, path, keyring)
	defer s.Close()
	checkLog(t, s, want)
	recent, folded, left := tiers(t, s)
	if folded == 0 || recent+folded != 1500 || left > 4 {
		t.Fatalf("first tier %d events in %d epochs, second tier %d: want 1,500 in all and at most 4 epochs left", recent, left, folded)
	}

	if ok, err := s.DeleteUser(t.Context(), "u1"); !ok || err != nil {
		t.Fatalf("DeleteUser: %v, %v", ok, err)
	}
	deleted := len(want["u1"])
	want["u1"] = nil
	checkLog(t, s, want)
	if recent2, folded2, _ := tiers(t, s); recent2+folded2 != 1500-deleted {
		t.Fatalf("deleting u1's %d events left %d of 1,500", deleted, recent2+folded2)
	}

	n, err := s.ExpireEventTexts(t.Context(), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || n != 1500-deleted {
		t.Fatalf("ExpireEventTexts: %d, %v; want %d across both tiers", n, err, 1500-deleted)
	}
	for _, user := range logUsers {
		for _, e := range readUserEvents(t, s, user) {
			if e.Text != "" {
				t.Fatalf("%s's event %d kept its text", user, e.Seq)
			}
		}
	}
}

// downgradeToLayout1 rewrites a closed layout 2 file as layout 1 wrote it:
// every event in "events", keyed by user, and no first tier.
func downgradeToLayout1(t *testing.T, path string) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		schema, recent, events := tx.Bucket(bucketSchema), tx.Bucket(bucketRecent), tx.Bucket(bucketEvents)
		w := epochs(schema.Get(keyEpochBits)[0])
		err := recent.ForEach(func(k, v []byte) error {
			user, seq, err := w.parse(k)
			if err != nil {
				return err
			}
			return events.Put(userKey(user, seq), bytes.Clone(v))
		})
		if err != nil {
			return err
		}
		if err := events.SetSequence(recent.Sequence()); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketRecent); err != nil {
			return err
		}
		users := tx.Bucket(bucketUsers)
		var names [][]byte
		_ = users.ForEach(func(k, _ []byte) error { names = append(names, bytes.Clone(k)); return nil })
		for _, k := range names {
			if err := users.Put(k, []byte{}); err != nil {
				return err
			}
		}
		if err := schema.Delete(keyEpochBits); err != nil {
			return err
		}
		return schema.Put(keyLayout, []byte(layout1))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUpgradeLayout1 opens a layout 1 file: its events read back in order
// with their sealed records intact, numbering continues, and new events
// follow the old ones through the first tier and the next folds.
func TestUpgradeLayout1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "driftrec.db")
	keyring := storetest.NewKeyring(t)
	s := smallEpochs(t, path, keyring)
	want := map[string][]driftrec.Event{}
	ingestLog(t, s, 0, 600, want)
	s.Close()
	downgradeToLayout1(t, path)

	s = smallEpochs(t, path, keyring)
	checkLog(t, s, want)
	var last uint64
	for _, evs := range want {
		last = max(last, evs[len(evs)-1].Seq)
	}
	next := []driftrec.Event{{User: "u3", Type: driftrec.EventClick, Item: "after-upgrade", Time: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)}}
	if err := s.AppendEvents(t.Context(), next); err != nil {
		t.Fatal(err)
	}
	if next[0].Seq != last+1 {
		t.Fatalf("the first event after the upgrade has seq %d, want %d", next[0].Seq, last+1)
	}
	want["u3"] = append(want["u3"], next[0])
	ingestLog(t, s, 600, 1200, want)
	s.Close()
	s = smallEpochs(t, path, keyring)
	defer s.Close()
	checkLog(t, s, want)
	if _, folded, _ := tiers(t, s); folded <= 600 {
		t.Fatalf("the second tier holds %d events: the folds after the upgrade moved none", folded)
	}
}

func TestFoldBackoff(t *testing.T) {
	t0 := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	var b foldBackoff
	if !b.ready(t0) {
		t.Fatal("a fold that never failed must be ready")
	}
	steps := []struct {
		at        time.Duration // failure at t0 + at
		wantPause time.Duration
	}{
		{0, time.Second},
		{time.Second, 2 * time.Second},
		{3 * time.Second, 4 * time.Second},
		{7 * time.Second, 8 * time.Second},
		{15 * time.Second, 16 * time.Second},
		{31 * time.Second, 32 * time.Second},
		{63 * time.Second, time.Minute},
		{123 * time.Second, time.Minute},
	}
	for i, s := range steps {
		now := t0.Add(s.at)
		if !b.ready(now) {
			t.Fatalf("failure %d: not ready at +%s", i+1, s.at)
		}
		if got := b.failed(now); got != s.wantPause {
			t.Fatalf("failure %d: pause %s, want %s", i+1, got, s.wantPause)
		}
		if b.ready(now.Add(s.wantPause - time.Millisecond)) {
			t.Fatalf("failure %d: ready before the pause ended", i+1)
		}
	}
	if n := b.succeeded(); n != len(steps) {
		t.Fatalf("succeeded reports %d failures, want %d", n, len(steps))
	}
	if !b.ready(t0) || b.failed(t0) != time.Second {
		t.Fatal("a success must reset the pause")
	}
}
