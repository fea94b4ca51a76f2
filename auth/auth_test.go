package auth_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec/auth"
)

func TestKeys(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "api-keys.json")
	keys, err := auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if on, err := keys.Enabled(); on || err != nil {
		t.Fatalf("a missing file: enabled %v, %v", on, err)
	}
	token, key, err := auth.Create(path, "ingest pipeline", []auth.Scope{auth.ScopeIngest}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(token, "drk_"+key.ID+"_") || len(token) != 64 {
		t.Fatalf("token %q for key %+v", token, key)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), token[len("drk_")+17:]) {
		t.Fatal("the keys file holds the secret")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Fatalf("keys file mode %v", fi.Mode().Perm())
	}
	keys, err = auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if on, _ := keys.Enabled(); !on {
		t.Fatal("keys exist but auth is off")
	}
	got, err := keys.Authenticate(token)
	if err != nil || got.ID != key.ID || !got.Allows(auth.ScopeIngest) || got.Allows(auth.ScopeRead) {
		t.Fatalf("Authenticate: %+v %v", got, err)
	}
	// One character changed: a different one whatever the token ends in.
	last := "A"
	if strings.HasSuffix(token, "A") {
		last = "B"
	}
	bad := []string{"", "drk_", token[:len(token)-1] + last, strings.Replace(token, key.ID, "0000000000000000", 1), token + "x", "Bearer " + token}
	for _, b := range bad {
		if _, err := keys.Authenticate(b); err == nil {
			t.Errorf("Authenticate(%q) succeeded", b)
		}
	}
	if _, err := keys.Authenticate(""); !errors.Is(err, auth.ErrNoKey) {
		t.Errorf("no key: %v", err)
	}

	// An admin key allows everything; revocation takes effect on reload.
	admin, akey, err := auth.Create(path, "ops", []auth.Scope{auth.ScopeAdmin}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	list, err := auth.List(path)
	if err != nil || len(list) != 2 {
		t.Fatalf("List: %v %v", list, err)
	}
	if ok, err := auth.Revoke(path, key.ID); !ok || err != nil {
		t.Fatalf("Revoke: %v %v", ok, err)
	}
	if ok, _ := auth.Revoke(path, key.ID); ok {
		t.Fatal("second Revoke found the key")
	}
	keys, err = auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := keys.Authenticate(token); !errors.Is(err, auth.ErrBadKey) {
		t.Fatalf("revoked key: %v", err)
	}
	if k, err := keys.Authenticate(admin); err != nil || k.ID != akey.ID || !k.Allows(auth.ScopeRead) || !k.Allows(auth.ScopeIngest) {
		t.Fatalf("admin: %+v %v", k, err)
	}
	// Revoking the last key closes the API; it does not open it.
	if ok, err := auth.Revoke(path, akey.ID); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if keys, err = auth.Open(path); err != nil {
		t.Fatal(err)
	}
	if on, _ := keys.Enabled(); !on {
		t.Fatal("revoking every key turned authentication off")
	}
	if _, err := keys.Authenticate(admin); err == nil {
		t.Fatal("a revoked admin key still works")
	}
}

func TestKeysReloadAndRefuse(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api-keys.json")
	keys, err := auth.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.Create(path, "later", []auth.Scope{auth.ScopeRead}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// Open checks the file again at most once a second.
	deadline := time.Now().Add(5 * time.Second)
	for {
		if on, _ := keys.Enabled(); on {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a key created after Open was never seen")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, err := keys.Authenticate(token); err != nil {
		t.Fatal(err)
	}
	// Removing the file while the server runs keeps the API closed.
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	deadline = time.Now().Add(5 * time.Second)
	for {
		on, _ := keys.Enabled()
		if !on {
			t.Fatal("deleting the keys file opened the API")
		}
		if _, err := keys.Authenticate(token); err != nil {
			break // the deletion has been seen; keys are still required
		}
		if time.Now().After(deadline) {
			t.Fatal("the deleted keys file was never noticed")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := os.WriteFile(path, saved, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.Open(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("a world-readable keys file: %v", err)
	}
	os.Chmod(path, 0o600)
	for _, bad := range []string{`{"keys":[{"id":"x"}]}`, `{"keyz":[]}`, `not json`} {
		p := filepath.Join(dir, "bad.json")
		os.WriteFile(p, []byte(bad), 0o600)
		if _, err := auth.Open(p); err == nil {
			t.Errorf("keys file %q accepted", bad)
		}
	}
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{{"read", 1, true}, {"read, ingest,read", 2, true}, {"admin", 1, true}, {"", 0, false}, {"write", 0, false}} {
		sc, err := auth.ParseScopes(tc.in)
		if (err == nil) != tc.ok || len(sc) != tc.want {
			t.Errorf("ParseScopes(%q) = %v, %v", tc.in, sc, err)
		}
	}
}

// FuzzKeysFile feeds arbitrary keys files and tokens: a bad file fails
// Open with an error, and no token but the real one authenticates.
func FuzzKeysFile(f *testing.F) {
	f.Add([]byte(`{"keys":[{"id":"0123456789abcdef","name":"n","scopes":["read"],"sha256":"`+strings.Repeat("0", 64)+`","created":"2026-01-01T00:00:00Z"}]}`), "drk_0123456789abcdef_"+strings.Repeat("A", 43))
	f.Add([]byte(`{"keys":null}`), "")
	f.Add([]byte(`{`), "drk_")
	f.Fuzz(func(t *testing.T, file []byte, token string) {
		path := filepath.Join(t.TempDir(), "k.json")
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatal(err)
		}
		keys, err := auth.Open(path)
		if err != nil {
			return
		}
		if k, err := keys.Authenticate(token); err == nil {
			// Only a token whose hash the file holds can pass.
			list, _ := auth.List(path)
			found := false
			for _, l := range list {
				found = found || (l.ID == k.ID && l.SHA256 == k.SHA256)
			}
			if !found {
				t.Fatalf("token %q authenticated as %+v", token, k)
			}
		}
	})
}
