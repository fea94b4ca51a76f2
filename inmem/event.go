package inmem

import (
	"context"
	"maps"
	"slices"
	"strconv"

	"github.com/driftrec/driftrec"
)

// IngestEvents appends events and stores the profiles apply returns, as
// driftrec.Store requires. apply runs under the store's write lock, once per
// call, with clones of the stored profiles; the store keeps clones of what
// it returns (unless AdoptProfiles) and sets their Version (and that of the
// returned profiles) to one above the stored version.
func (s *Store) IngestEvents(ctx context.Context, events []driftrec.Event, apply func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)) error {
	if len(events) == 0 {
		return nil
	}
	users, err := driftrec.IngestUsers(events)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	current := make(map[string]*driftrec.Profile, len(users))
	for _, u := range users {
		if p, ok := s.profiles[u]; ok {
			current[u] = p.Clone()
		}
	}
	out, err := driftrec.RunApply(apply, current, users)
	if err != nil {
		return err
	}
	// Nothing is written yet, so a context that ended during apply can
	// still turn the call into a clean failure.
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, u := range slices.Sorted(maps.Keys(out)) {
		p := out[u]
		p.Version = s.version(u) + 1
		if !s.adopt {
			p = p.Clone()
		}
		s.profiles[u] = p
	}
	for i := range events {
		s.seq++
		e := events[i]
		e.Seq = s.seq
		e.Time = e.Time.UTC()
		if e.Value != nil {
			v := *e.Value
			e.Value = &v
		}
		s.events[e.User] = append(s.events[e.User], e)
		events[i].Seq = s.seq
	}
	return nil
}

// version returns the stored profile version of user, 0 for none. The
// caller holds s.mu.
func (s *Store) version(user string) uint64 {
	if p, ok := s.profiles[user]; ok {
		return p.Version
	}
	return 0
}

// UserEvents calls fn with each of the user's events in ingestion order.
func (s *Store) UserEvents(ctx context.Context, user string, fn func(driftrec.Event) error) error {
	s.mu.RLock()
	if err := s.ready(ctx); err != nil {
		s.mu.RUnlock()
		return err
	}
	// The log only grows by appending, past the length seen here, so this
	// view of it stays valid without the lock.
	evs := s.events[user]
	s.mu.RUnlock()
	for _, e := range evs {
		if err := ctx.Err(); err != nil {
			return err
		}
		if e.Value != nil {
			v := *e.Value
			e.Value = &v
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

// Profile returns a copy of the user's profile.
func (s *Store) Profile(ctx context.Context, user string) (*driftrec.Profile, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	p, ok := s.profiles[user]
	if !ok {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "no profile for user %q", user)
	}
	return p.Clone(), nil
}

// PutProfiles stores copies of the profiles, each with Version one above
// the stored one. The profiles passed in are not changed.
func (s *Store) PutProfiles(ctx context.Context, profiles []*driftrec.Profile) error {
	for i, p := range profiles {
		if p == nil {
			return driftrec.FieldErrorf("["+strconv.Itoa(i)+"]", "profile is nil")
		}
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].user", p.User); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return err
	}
	for _, p := range profiles {
		q := p.Clone()
		q.Version = s.version(p.User) + 1
		s.profiles[p.User] = q
	}
	return nil
}

// ScanUsers calls fn with every user that has events or a profile, in byte
// order.
func (s *Store) ScanUsers(ctx context.Context, fn func(string) error) error {
	s.mu.RLock()
	if err := s.ready(ctx); err != nil {
		s.mu.RUnlock()
		return err
	}
	users := make([]string, 0, len(s.profiles)+len(s.events))
	for u := range s.events {
		users = append(users, u)
	}
	for u := range s.profiles {
		if _, ok := s.events[u]; !ok {
			users = append(users, u)
		}
	}
	s.mu.RUnlock()
	slices.Sort(users)
	for _, u := range users {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUser removes the user's events and profile.
func (s *Store) DeleteUser(ctx context.Context, user string) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	_, hadEvents := s.events[user]
	_, hadProfile := s.profiles[user]
	delete(s.events, user)
	delete(s.profiles, user)
	return hadEvents || hadProfile, nil
}
