// Package auth holds driftrec's API keys: who may call the API, and for
// what. A key has a name, an ID and scopes:
//
//	read    read recommendations, profiles, events, items, search, stats
//	ingest  send events and items (PUT /v1/items, POST /v1/events)
//	admin   everything, including deletions and exports of users
//
// A key is shown once, when it is created, as
//
//	drk_<id: 16 hex digits>_<secret: 43 base64url characters (32 bytes)>
//
// and only its SHA-256 is kept, in a JSON file that only its owner may
// read (the keys file, by default api-keys.json in the data directory).
// A fast hash is enough here, unlike for passwords: the secret is 256
// random bits, so no amount of hashing speed makes guessing it feasible,
// and a request pays a microsecond rather than the tens of milliseconds a
// password hash would cost. The comparison is constant-time
// (crypto/subtle), and the lookup by the public ID means a wrong key takes
// as long to reject as a right one to accept.
//
// The server re-reads the keys file when it changes (checking at most
// once a second), so keys created or revoked with "driftrec keys" take
// effect without a restart. Without a keys file the API is open; once the
// file exists — the first "driftrec keys create" makes it — every request
// needs a key, even after the last one is revoked.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Scope is what a key may do.
type Scope string

// The scopes.
const (
	ScopeRead   Scope = "read"
	ScopeIngest Scope = "ingest"
	ScopeAdmin  Scope = "admin"
)

// ParseScopes reads a comma-separated list of scopes.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, part := range strings.Split(s, ",") {
		switch sc := Scope(strings.TrimSpace(part)); sc {
		case ScopeRead, ScopeIngest, ScopeAdmin:
			if !slices.Contains(out, sc) {
				out = append(out, sc)
			}
		case "":
		default:
			return nil, fmt.Errorf("unknown scope %q; the scopes are read, ingest and admin", sc)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("give at least one scope: read, ingest or admin")
	}
	return out, nil
}

// Key is a stored API key: everything but the secret.
type Key struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Scopes  []Scope   `json:"scopes"`
	SHA256  string    `json:"sha256"` // of the whole key as shown to its owner
	Created time.Time `json:"created"`
}

// Allows reports whether the key grants scope; admin grants everything.
func (k *Key) Allows(scope Scope) bool {
	return slices.Contains(k.Scopes, scope) || slices.Contains(k.Scopes, ScopeAdmin)
}

const (
	tokenPrefix = "drk_"
	idHexLen    = 16
	secretLen   = 43 // 32 bytes, unpadded base64url
	tokenLen    = len(tokenPrefix) + idHexLen + 1 + secretLen
)

// file is the keys file's content.
type file struct {
	Keys []Key `json:"keys"`
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// parseToken returns the ID of a well-formed key.
func parseToken(token string) (string, bool) {
	if len(token) != tokenLen || !strings.HasPrefix(token, tokenPrefix) || token[len(tokenPrefix)+idHexLen] != '_' {
		return "", false
	}
	id := token[len(tokenPrefix) : len(tokenPrefix)+idHexLen]
	if _, err := hex.DecodeString(id); err != nil {
		return "", false
	}
	return id, true
}

// readFile reads a keys file; a missing file holds no keys.
func readFile(path string) (*file, os.FileInfo, error) {
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &file{}, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, nil, fmt.Errorf("auth: keys file %s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	if fi.Size() > 16<<20 {
		return nil, nil, fmt.Errorf("auth: keys file %s is %d bytes, too large", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("auth: %w", err)
	}
	var f file
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, nil, fmt.Errorf("auth: keys file %s: %w", path, err)
	}
	for i, k := range f.Keys {
		if len(k.ID) != idHexLen || len(k.SHA256) != 64 || len(k.Scopes) == 0 {
			return nil, nil, fmt.Errorf("auth: keys file %s: key %d is malformed", path, i)
		}
	}
	return &f, fi, nil
}

// update changes the keys file under an exclusive lock (a file beside it)
// and replaces it atomically: written to a temporary file, synced, and
// renamed over the old one.
func update(path string, fn func(*file) error) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	lock, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return fmt.Errorf("auth: lock %s: %w", lock.Name(), err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	f, _, err := readFile(path)
	if err != nil {
		return err
	}
	if err := fn(f); err != nil {
		return err
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".api-keys-*")
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("auth: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	return nil
}

// Create adds a key to the keys file at path and returns it, with the
// secret that is shown this once.
func Create(path, name string, scopes []Scope, now time.Time) (token string, key Key, err error) {
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		return "", Key{}, errors.New("auth: give the key a name of at most 200 bytes (who or what uses it)")
	}
	if len(scopes) == 0 {
		return "", Key{}, errors.New("auth: give the key at least one scope")
	}
	var id [idHexLen / 2]byte
	var secret [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", Key{}, err
	}
	if _, err := rand.Read(secret[:]); err != nil {
		return "", Key{}, err
	}
	token = tokenPrefix + hex.EncodeToString(id[:]) + "_" + base64.RawURLEncoding.EncodeToString(secret[:])
	key = Key{ID: hex.EncodeToString(id[:]), Name: name, Scopes: scopes, SHA256: hashToken(token), Created: now.UTC().Truncate(time.Second)}
	err = update(path, func(f *file) error {
		f.Keys = append(f.Keys, key)
		return nil
	})
	return token, key, err
}

// List returns the keys in the file at path.
func List(path string) ([]Key, error) {
	f, _, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return f.Keys, nil
}

// Revoke removes the key with the given ID and reports whether it existed.
func Revoke(path, id string) (bool, error) {
	found := false
	err := update(path, func(f *file) error {
		f.Keys = slices.DeleteFunc(f.Keys, func(k Key) bool {
			if k.ID == id {
				found = true
				return true
			}
			return false
		})
		return nil
	})
	return found, err
}

// ErrNoKey and ErrBadKey are what Authenticate reports.
var (
	ErrNoKey  = errors.New("no API key given")
	ErrBadKey = errors.New("the API key is not valid (unknown, revoked or mistyped)")
)

// Keys verifies API keys against a keys file, re-reading it when it
// changes. It is safe for concurrent use.
type Keys struct {
	path string
	now  func() time.Time

	mu      sync.Mutex
	byID    map[string]Key
	stamp   fileStamp
	checked time.Time
	err     error // of the last reload; the previous keys stay in force
	// closed is set once the file has been seen: from then on keys stay
	// required even if the file disappears, so deleting it by mistake
	// locks the API instead of opening it.
	closed bool
}

type fileStamp struct {
	exists  bool
	size    int64
	modTime time.Time
}

// Open loads the keys file at path (a missing file holds no keys).
func Open(path string) (*Keys, error) {
	k := &Keys{path: path, now: time.Now}
	if err := k.reload(); err != nil {
		return nil, err
	}
	return k, nil
}

// Path returns the keys file.
func (k *Keys) Path() string { return k.path }

// reload re-reads the file. The caller holds k.mu or owns k.
func (k *Keys) reload() error {
	f, fi, err := readFile(k.path)
	if err != nil {
		return err
	}
	byID := make(map[string]Key, len(f.Keys))
	for _, key := range f.Keys {
		byID[key.ID] = key
	}
	k.byID = byID
	k.stamp = fileStamp{}
	if fi != nil {
		k.stamp = fileStamp{exists: true, size: fi.Size(), modTime: fi.ModTime()}
		k.closed = true
	}
	return nil
}

// refresh reloads the file if it changed, at most once a second. A file
// that has become unreadable keeps the last good keys in force and the
// error is returned (once per change) for the caller to log.
func (k *Keys) refresh() error {
	now := k.now()
	if now.Sub(k.checked) < time.Second {
		return nil
	}
	k.checked = now
	fi, err := os.Stat(k.path)
	var st fileStamp
	if err == nil {
		st = fileStamp{exists: true, size: fi.Size(), modTime: fi.ModTime()}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("auth: %w", err)
	}
	if st == k.stamp {
		return nil
	}
	if err := k.reload(); err != nil {
		if k.err == nil || k.err.Error() != err.Error() {
			k.err = err
			return err
		}
		return nil
	}
	k.err = nil
	return nil
}

// Enabled reports whether keys are required: whenever the keys file
// exists, even with no key left in it (revoking the last key must close
// the API, not open it), and, once this process has seen the file, after
// it disappears too (no key then authenticates; restart the server to
// open the API again). A server started without the file is open. The
// second result is an error from re-reading the file, for logging.
func (k *Keys) Enabled() (bool, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	err := k.refresh()
	if err == nil && k.closed && !k.stamp.exists {
		err = fmt.Errorf("auth: keys file %s has disappeared; every request is refused until it is restored or the server restarts", k.path)
		if k.err != nil && k.err.Error() == err.Error() {
			err = nil // said once already
		} else {
			k.err = err
		}
	}
	return k.closed, err
}

// Authenticate returns the key that token is.
func (k *Keys) Authenticate(token string) (Key, error) {
	if token == "" {
		return Key{}, ErrNoKey
	}
	id, ok := parseToken(token)
	k.mu.Lock()
	key, found := k.byID[id]
	k.mu.Unlock()
	want := key.SHA256
	if !found {
		want = strings.Repeat("0", 64) // compare anyway: same work either way
	}
	got := hashToken(token)
	if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 || !found || !ok {
		return Key{}, ErrBadKey
	}
	return key, nil
}
