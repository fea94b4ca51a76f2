package seal_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/inmem"
	"github.com/driftrec/driftrec/seal"
	"github.com/driftrec/driftrec/storetest"
)

func TestSealAndOpen(t *testing.T) {
	kr := storetest.NewKeyring(t)
	w, err := kr.NewUserKey("alice")
	if err != nil || len(w) != seal.WrappedSize {
		t.Fatalf("NewUserKey: %d bytes, %v", len(w), err)
	}
	k, err := kr.UserKey("alice", w)
	if err != nil {
		t.Fatal(err)
	}
	aad := driftrec.SealAAD("event", "alice", 7)
	rec := driftrec.SealRecord(k, []byte("a secret query"), aad)
	if bytes.Contains(rec, []byte("secret")) || !driftrec.IsSealed(rec) {
		t.Fatal("the record is not sealed")
	}
	// Two seals of one text differ (random nonces).
	if bytes.Equal(rec, driftrec.SealRecord(k, []byte("a secret query"), aad)) {
		t.Fatal("sealing is deterministic")
	}
	plain, err := driftrec.OpenRecord(k, rec, aad)
	if err != nil || string(plain) != "a secret query" {
		t.Fatalf("OpenRecord: %q %v", plain, err)
	}
	for name, bad := range map[string]func() ([]byte, error){
		"another place": func() ([]byte, error) { return driftrec.OpenRecord(k, rec, driftrec.SealAAD("event", "alice", 8)) },
		"another user":  func() ([]byte, error) { return driftrec.OpenRecord(k, rec, driftrec.SealAAD("event", "bob", 7)) },
		"altered": func() ([]byte, error) {
			c := bytes.Clone(rec)
			c[len(c)-1] ^= 1
			return driftrec.OpenRecord(k, c, aad)
		},
		"truncated": func() ([]byte, error) { return driftrec.OpenRecord(k, rec[:10], aad) },
		"no key":    func() ([]byte, error) { return driftrec.OpenRecord(nil, rec, aad) },
	} {
		if _, err := bad(); err == nil {
			t.Errorf("%s: opened", name)
		}
	}
	// A wrapped key moved to another user does not unwrap.
	if _, err := kr.UserKey("bob", w); err == nil || !strings.Contains(err.Error(), "another user") {
		t.Fatalf("a key moved to another user: %v", err)
	}
	// Another master key cannot unwrap; a keyring that also holds the old
	// one can, and rewraps under the new.
	next := storetest.NewKeyring(t)
	if _, err := next.UserKey("alice", w); err == nil {
		t.Fatal("another master key unwrapped the data key")
	}
	both := seal.NewKeyring(next.Current(), kr.Current())
	w2, changed, err := both.Rewrap("alice", w)
	if err != nil || !changed {
		t.Fatalf("Rewrap: %v %v", changed, err)
	}
	k2, err := next.UserKey("alice", w2)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := driftrec.OpenRecord(k2, rec, aad); err != nil || string(p) != "a secret query" {
		t.Fatalf("the rewrapped key does not open old records: %v", err)
	}
	if _, changed, _ := both.Rewrap("alice", w2); changed {
		t.Fatal("a key under the current master was rewrapped again")
	}
}

func TestParseMasterKey(t *testing.T) {
	hexKey, _ := seal.NewMasterKey()
	for _, good := range []string{hexKey, hexKey + "\n", "  " + strings.ToUpper(hexKey), "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"} {
		if _, err := seal.ParseMasterKey([]byte(good)); err != nil {
			t.Errorf("ParseMasterKey(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "secret", hexKey[:62], hexKey + "00", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHg=="} {
		if _, err := seal.ParseMasterKey([]byte(bad)); err == nil {
			t.Errorf("ParseMasterKey(%q) accepted", bad)
		}
	}
}

func TestBind(t *testing.T) {
	ctx := context.Background()
	st := inmem.New()
	kr := storetest.NewKeyring(t)
	if err := seal.RequireUnsealed(ctx, st); err != nil {
		t.Fatal(err)
	}
	if err := seal.Bind(ctx, st, kr); err != nil {
		t.Fatal(err)
	}
	if err := seal.Bind(ctx, st, kr); err != nil {
		t.Fatalf("second Bind: %v", err)
	}
	if err := seal.Bind(ctx, st, storetest.NewKeyring(t)); err == nil || !strings.Contains(err.Error(), "another master key") {
		t.Fatalf("Bind with another key: %v", err)
	}
	if err := seal.RequireUnsealed(ctx, st); err == nil || !strings.Contains(err.Error(), kr.Current().ID()) {
		t.Fatalf("RequireUnsealed on a sealed store: %v", err)
	}
	used := inmem.New()
	evs := []driftrec.Event{{User: "u", Type: driftrec.EventView, Item: "x"}}
	used.IngestEvents(ctx, evs, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) { return nil, nil })
	if err := seal.Bind(ctx, used, kr); err == nil || !strings.Contains(err.Error(), "unencrypted") {
		t.Fatalf("Bind on a store with plain data: %v", err)
	}
}

// FuzzOpen feeds arbitrary wrapped keys and records to the unwrapping and
// opening code: they must fail cleanly.
func FuzzOpen(f *testing.F) {
	kr := storetest.NewKeyring(f)
	w, _ := kr.NewUserKey("u")
	k, _ := kr.UserKey("u", w)
	f.Add(w, driftrec.SealRecord(k, []byte("x"), nil))
	f.Add([]byte{1}, []byte{driftrec.SealedFormat})
	f.Add(bytes.Repeat([]byte{1}, seal.WrappedSize), []byte{})
	f.Fuzz(func(t *testing.T, wrapped, record []byte) {
		if uk, err := kr.UserKey("u", wrapped); err == nil {
			uk.Open(record, nil)
		}
		driftrec.OpenRecord(k, record, nil)
	})
}
