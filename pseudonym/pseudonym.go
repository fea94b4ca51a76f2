// Package pseudonym keeps raw user IDs out of storage: Store wraps a
// driftrec.Store and replaces every user ID on its way in by a keyed hash
// of it, and restores the caller's ID on the way out, so the engine, the
// API and the storage adapters need no change.
//
// A user's pseudonym is "~" followed by the unpadded base64url form of
// HMAC-SHA-256(key, user ID): 44 characters, the same for the same ID
// under the same key, and impossible to link back to the ID without the
// key (the key is 256 random bits, so guessing IDs and hashing them is no
// shortcut). The key lives outside the data directory, like the master
// key of encryption at rest; unlike that key it cannot be rotated, because
// the store no longer knows the raw IDs that new pseudonyms would be made
// from.
//
// # What callers see
//
// Stored records carry the pseudonym. Calls that name a user (Profile,
// UserEvents, IngestEvents, PutProfiles, DeleteUser) take the caller's
// raw ID and hand back records with that ID. ScanUsers can only list
// what is stored, so it lists pseudonyms: GET /v1/users shows them, and
// the read calls accept a pseudonym in place of a raw ID, so an operator
// can open a listed user's profile without learning who it is. Two calls
// refuse pseudonyms with EINVALID: ingestion (events must name the
// application's user, or a user's history would split between their ID and
// its pseudonym in the engine's memory) and deletion (a deletion names the
// person whose data goes; see driftrec.Engine.DeleteUser for the memory
// it also clears).
package pseudonym

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/driftrec/driftrec"
)

// Prefix starts every pseudonym.
const Prefix = "~"

// encodedLen is the length of a pseudonym: the prefix and 32 bytes in
// unpadded base64url.
var encodedLen = len(Prefix) + base64.RawURLEncoding.EncodedLen(sha256.Size)

// IsPseudonym reports whether id has the form of a pseudonym.
func IsPseudonym(id string) bool {
	if len(id) != encodedLen || id[:len(Prefix)] != Prefix {
		return false
	}
	b, err := base64.RawURLEncoding.DecodeString(id[len(Prefix):])
	return err == nil && len(b) == sha256.Size
}

// Store is a driftrec.Store that stores pseudonyms instead of user IDs.
type Store struct {
	inner driftrec.Store
	key   []byte
}

// New wraps inner. key is the pseudonym key (32 random bytes; see
// internal/keyfile). Check with Bind that the key is the store's before
// serving from it.
func New(inner driftrec.Store, key []byte) (driftrec.Store, error) {
	if len(key) < 32 {
		return nil, fmt.Errorf("pseudonym: the key is %d bytes; it must be at least 32", len(key))
	}
	s := &Store{inner: inner, key: append([]byte{}, key...)}
	if _, ok := inner.(driftrec.ItemWatcher); ok {
		return &watchingStore{s}, nil
	}
	return s, nil
}

// Of returns the pseudonym of a raw user ID under key.
func Of(key []byte, user string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(user))
	return Prefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// Pseudonym returns what the store keeps for user: its pseudonym, or user
// itself when it already is one.
func (s *Store) Pseudonym(user string) string {
	if IsPseudonym(user) {
		return user
	}
	return Of(s.key, user)
}

// Inner returns the wrapped store.
func (s *Store) Inner() driftrec.Store { return s.inner }

func refuse(field, user, what string) error {
	return driftrec.FieldErrorf(field, "%q is a pseudonym; %s names a user by the application's own user ID", user, what)
}

// PutItems stores items unchanged: the catalogue names no user.
func (s *Store) PutItems(ctx context.Context, items []driftrec.EmbeddedItem) error {
	return s.inner.PutItems(ctx, items)
}

// DeleteItems deletes items.
func (s *Store) DeleteItems(ctx context.Context, ids []string) (int, error) {
	return s.inner.DeleteItems(ctx, ids)
}

// Item returns an item.
func (s *Store) Item(ctx context.Context, id string) (driftrec.EmbeddedItem, error) {
	return s.inner.Item(ctx, id)
}

// ScanItems scans the catalogue.
func (s *Store) ScanItems(ctx context.Context, fn func(driftrec.EmbeddedItem) error) error {
	return s.inner.ScanItems(ctx, fn)
}

// batch is a call's events with their users replaced.
type batch struct {
	events []driftrec.Event
	raw    map[string]string // pseudonym → caller's ID
}

func (s *Store) pseudonymise(events []driftrec.Event) (*batch, error) {
	b := &batch{events: make([]driftrec.Event, len(events)), raw: map[string]string{}}
	last, lastP := "", ""
	for i, e := range events {
		if e.User != last || i == 0 {
			field := "[" + strconv.Itoa(i) + "].user"
			if err := driftrec.ValidateID(field, e.User); err != nil {
				return nil, err
			}
			if IsPseudonym(e.User) {
				return nil, refuse(field, e.User, "an event")
			}
			last, lastP = e.User, Of(s.key, e.User)
			b.raw[lastP] = e.User
		}
		e.User = lastP
		b.events[i] = e
	}
	return b, nil
}

// IngestEvents stores the events under their users' pseudonyms; apply
// sees and returns profiles under the caller's IDs.
func (s *Store) IngestEvents(ctx context.Context, events []driftrec.Event, apply func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)) error {
	b, err := s.pseudonymise(events)
	if err != nil {
		return err
	}
	var returned map[*driftrec.Profile]*driftrec.Profile // copy handed to the store → the caller's profile
	wrapped := apply
	if apply != nil {
		wrapped = func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			in := make(map[string]*driftrec.Profile, len(cur))
			for p, prof := range cur {
				raw, ok := b.raw[p]
				if !ok {
					return nil, driftrec.Errorf(driftrec.EINTERNAL, "pseudonym: the store offered a profile of a user outside the batch")
				}
				prof.User = raw // the store handed over its own copy
				in[raw] = prof
			}
			out, err := apply(in)
			if err != nil || out == nil {
				return nil, err
			}
			res := make(map[string]*driftrec.Profile, len(out))
			returned = make(map[*driftrec.Profile]*driftrec.Profile, len(out))
			for u, prof := range out {
				if prof == nil {
					res[s.Pseudonym(u)] = nil // the store reports it
					continue
				}
				q := *prof // the caller keeps its profile under its own ID
				q.User = s.Pseudonym(prof.User)
				res[s.Pseudonym(u)] = &q
				returned[&q] = prof
			}
			return res, nil
		}
	}
	if err := s.inner.IngestEvents(ctx, b.events, wrapped); err != nil {
		return err
	}
	for stored, orig := range returned {
		orig.Version = stored.Version
	}
	for i := range events {
		events[i].Seq = b.events[i].Seq
	}
	return nil
}

// eventAppender matches bolt's AppendEvents, which the engine uses for
// write-behind profiles.
type eventAppender interface {
	AppendEvents(ctx context.Context, events []driftrec.Event) error
}

// AppendEvents appends events without touching profiles: through the
// wrapped store's AppendEvents when it has one, else as an ingestion whose
// apply stores no profile.
func (s *Store) AppendEvents(ctx context.Context, events []driftrec.Event) error {
	b, err := s.pseudonymise(events)
	if err != nil {
		return err
	}
	if ap, ok := s.inner.(eventAppender); ok {
		err = ap.AppendEvents(ctx, b.events)
	} else {
		err = s.inner.IngestEvents(ctx, b.events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
			return nil, nil
		})
	}
	if err != nil {
		return err
	}
	for i := range events {
		events[i].Seq = b.events[i].Seq
	}
	return nil
}

// UserEvents reads the user's events, which carry the ID the caller gave.
func (s *Store) UserEvents(ctx context.Context, user string, fn func(driftrec.Event) error) error {
	return s.inner.UserEvents(ctx, s.Pseudonym(user), func(e driftrec.Event) error {
		e.User = user
		return fn(e)
	})
}

// Profile returns the user's profile under the ID the caller gave.
func (s *Store) Profile(ctx context.Context, user string) (*driftrec.Profile, error) {
	p, err := s.inner.Profile(ctx, s.Pseudonym(user))
	if err != nil {
		return nil, err
	}
	p.User = user
	return p, nil
}

// PutProfiles stores the profiles under their users' pseudonyms.
func (s *Store) PutProfiles(ctx context.Context, profiles []*driftrec.Profile) error {
	out := make([]*driftrec.Profile, len(profiles))
	for i, p := range profiles {
		if p == nil {
			continue // the store reports it
		}
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].user", p.User); err != nil {
			return err
		}
		q := *p
		q.User = s.Pseudonym(p.User)
		out[i] = &q
	}
	return s.inner.PutProfiles(ctx, out)
}

// ScanUsers lists the stored users, which are pseudonyms.
func (s *Store) ScanUsers(ctx context.Context, fn func(string) error) error {
	return s.inner.ScanUsers(ctx, fn)
}

// DeleteUser deletes the user named by the application's ID.
func (s *Store) DeleteUser(ctx context.Context, user string) (bool, error) {
	if IsPseudonym(user) {
		return false, refuse("user", user, "a deletion")
	}
	return s.inner.DeleteUser(ctx, Of(s.key, user))
}

// Meta returns a meta value.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) { return s.inner.Meta(ctx, key) }

// PutMeta stores a meta value.
func (s *Store) PutMeta(ctx context.Context, key string, value []byte) error {
	return s.inner.PutMeta(ctx, key, value)
}

// Close closes the wrapped store.
func (s *Store) Close() error { return s.inner.Close() }

// ExpireEventTexts forwards retention to the wrapped store.
func (s *Store) ExpireEventTexts(ctx context.Context, before time.Time) (int, error) {
	ex, ok := s.inner.(driftrec.TextExpirer)
	if !ok {
		return 0, driftrec.Errorf(driftrec.EINVALID, "the store (%T) cannot expire event texts", s.inner)
	}
	return ex.ExpireEventTexts(ctx, before)
}

// RewrapUserKeys forwards key rotation to the wrapped store.
func (s *Store) RewrapUserKeys(ctx context.Context) (int, error) {
	rw, ok := s.inner.(driftrec.UserKeyRewrapper)
	if !ok {
		return 0, driftrec.Errorf(driftrec.EINVALID, "the store (%T) keeps no data keys", s.inner)
	}
	return rw.RewrapUserKeys(ctx)
}

// watchingStore adds the item watch of a store that several replicas
// share.
type watchingStore struct{ *Store }

func (w *watchingStore) WatchItems(ctx context.Context, fn func(ids []string)) error {
	return w.inner.(driftrec.ItemWatcher).WatchItems(ctx, fn)
}

// metaCheck is the meta key of a value derived from the key, by which
// Bind recognises the store's pseudonym key.
const metaCheck = "pseudonym/check"

func check(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("driftrec pseudonym key check"))
	return m.Sum(nil)
}

var errStop = errors.New("stop")

// Bind checks that key is the pseudonym key of st before a server uses
// it, and marks a new store as pseudonymised. A store that already holds
// users under raw IDs, or pseudonyms made with another key, is refused.
func Bind(ctx context.Context, st driftrec.Store, key []byte) error {
	stored, err := st.Meta(ctx, metaCheck)
	switch {
	case err == nil:
		if !hmac.Equal(stored, check(key)) {
			return errors.New("pseudonym: this store's users were pseudonymised with another key; give the key it was created with")
		}
		return nil
	case driftrec.ErrorCode(err) != driftrec.ENOTFOUND:
		return fmt.Errorf("pseudonym: read the store's key check: %w", err)
	}
	used := false
	if err := st.ScanUsers(ctx, func(string) error { used = true; return errStop }); err != nil && !errors.Is(err, errStop) {
		return fmt.Errorf("pseudonym: %w", err)
	}
	if used {
		return errors.New("pseudonym: this store already holds users under their raw IDs; pseudonyms are chosen when a store is created")
	}
	if err := st.PutMeta(ctx, metaCheck, check(key)); err != nil {
		return fmt.Errorf("pseudonym: mark the store: %w", err)
	}
	return nil
}

// RequireNone fails when st holds pseudonymised users: without the key,
// every user would look new.
func RequireNone(ctx context.Context, st driftrec.Store) error {
	_, err := st.Meta(ctx, metaCheck)
	switch {
	case err == nil:
		return errors.New("pseudonym: this store holds pseudonymised users; give its pseudonym key with -pseudonym-key-file or DRIFTREC_PSEUDONYM_KEY")
	case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
		return nil
	}
	return fmt.Errorf("pseudonym: read the store's key check: %w", err)
}
