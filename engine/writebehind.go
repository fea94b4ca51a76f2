package engine

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/interest"
)

// Write-behind profiles.
//
// With Config.ProfileFlush > 0 the engine commits every batch of events to
// the store's log durably before acknowledging it, exactly as in
// write-through mode, but keeps the profiles those events produce in memory
// and writes them to the store in the background every ProfileFlush (and
// at Close). A profile is a few tens of kilobytes of interest vectors; an
// event is a hundred bytes: writing only the log on the hot path is what
// lets one machine ingest tens of thousands of events per second.
//
// The log stays the truth. Each profile counts the events applied to it
// (Profile.Events), and the store keeps each user's events in the order
// they were applied, so after a crash Open replays, for every user, the
// events beyond the stored profile's count. A clean Close flushes and
// records that no replay is needed.
//
// Only a single process may own a store in this mode: replicas sharing a
// PostgreSQL database must write profiles through (ProfileFlush = 0), or
// each would serve its own stale copy.

const metaCleanShutdown = "clean-shutdown"

// userLocks serialises ingestion per user across concurrent calls: striped
// mutexes, always taken in increasing stripe order so that two batches
// with overlapping users cannot deadlock.
type userLocks struct {
	seed    maphash.Seed
	stripes [1024]sync.Mutex
}

func newUserLocks() *userLocks { return &userLocks{seed: maphash.MakeSeed()} }

// lock locks the stripes of users and returns the function that unlocks.
func (l *userLocks) lock(users []string) func() {
	idx := make([]int, 0, len(users))
	for _, u := range users {
		idx = append(idx, int(maphash.String(l.seed, u)%uint64(len(l.stripes))))
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	for _, i := range idx {
		l.stripes[i].Lock()
	}
	return func() {
		for _, i := range idx {
			l.stripes[i].Unlock()
		}
	}
}

// profileCache holds profiles newer than the store's copy. The contents of
// a cached profile are read and written only under its user's stripe lock
// (userLocks); the map itself under mu. gen counts changes, so that a flush
// can tell whether a profile changed while it was being written.
type profileCache struct {
	mu sync.Mutex
	m  map[string]*cachedProfile
}

type cachedProfile struct {
	p   *driftrec.Profile
	gen uint64
}

func (c *profileCache) get(user string) (*driftrec.Profile, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.m[user]
	if !ok {
		return nil, false
	}
	return cp.p, true
}

// put records new or changed profiles.
func (c *profileCache) put(ps map[string]*driftrec.Profile) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for u, p := range ps {
		if cp, ok := c.m[u]; ok {
			cp.p = p
			cp.gen++
		} else {
			c.m[u] = &cachedProfile{p: p, gen: 1}
		}
	}
}

func (c *profileCache) remove(user string) {
	c.mu.Lock()
	delete(c.m, user)
	c.mu.Unlock()
}

// dirtyUsers lists the cached users with their change counts.
func (c *profileCache) dirtyUsers() map[string]uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]uint64, len(c.m))
	for u, cp := range c.m {
		out[u] = cp.gen
	}
	return out
}

// clean drops the profiles that have not changed since gens was taken:
// the store's copy is now current.
func (c *profileCache) clean(gens map[string]uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for u, g := range gens {
		if cp, ok := c.m[u]; ok && cp.gen == g {
			delete(c.m, u)
		}
	}
}

func (c *profileCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

// eventAppender is implemented by stores that can append events without
// touching profiles (bolt).
type eventAppender interface {
	AppendEvents(ctx context.Context, events []driftrec.Event) error
}

// loadStored returns the store's profile of user, or a new one.
func (e *Engine) loadStored(ctx context.Context, user string) (*driftrec.Profile, error) {
	p, err := e.store.Profile(ctx, user)
	switch {
	case err == nil:
		return p, nil
	case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
		return interest.NewProfile(user, e.enc.ID()), nil
	}
	return nil, fmt.Errorf("engine: load profile: %w", err)
}

// loadProfile returns the user's current profile: the unflushed one if
// any, else the store's; nil, nil when the user has none. The caller may
// modify the result.
func (e *Engine) loadProfile(ctx context.Context, user string) (*driftrec.Profile, error) {
	if e.dirty != nil {
		unlock := e.locks.lock([]string{user})
		p, ok := e.dirty.get(user)
		if ok {
			p = p.Clone()
		}
		unlock()
		if ok {
			return p, nil
		}
	}
	p, err := e.store.Profile(ctx, user)
	if err != nil {
		if driftrec.ErrorCode(err) == driftrec.ENOTFOUND {
			return nil, nil
		}
		return nil, fmt.Errorf("engine: load profile: %w", err)
	}
	return p, nil
}

// ingestWriteBehind commits events to the log and applies them to the
// in-memory profiles (see the comment at the top of this file).
func (e *Engine) ingestWriteBehind(ctx context.Context, evs [][]float32, events []driftrec.Event) error {
	users, err := driftrec.IngestUsers(events)
	if err != nil {
		return err
	}
	unlock := e.locks.lock(users)
	defer unlock()
	encID := e.enc.ID()
	if ap, ok := e.store.(eventAppender); ok {
		// Log first; then, still holding the users' locks, bring their
		// in-memory profiles up to date. A crash in between loses nothing:
		// recovery replays the events the stored profiles lack.
		if err := ap.AppendEvents(ctx, events); err != nil {
			return err
		}
		work := make(map[string]*driftrec.Profile, len(users))
		for i := range events {
			u := events[i].User
			p := work[u]
			if p == nil {
				if d, ok := e.dirty.get(u); ok {
					p = d // owned by the cache; only this goroutine holds u's lock
				} else if p, err = e.loadStored(ctx, u); err != nil {
					return err
				}
				work[u] = p
			}
			p.Encoder = encID
			e.model.Apply(p, &events[i], evs[i])
		}
		e.dirty.put(work)
		return nil
	}
	// The store is asked to keep no profiles: apply only computes them, so
	// that it stays repeatable, and the cache is updated after the commit.
	var work map[string]*driftrec.Profile
	err = e.store.IngestEvents(ctx, events, func(cur map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		work = make(map[string]*driftrec.Profile, len(users))
		for i := range events {
			u := events[i].User
			p := work[u]
			if p == nil {
				if d, ok := e.dirty.get(u); ok {
					p = d.Clone()
				} else if cur[u] != nil {
					p = cur[u]
				} else {
					p = interest.NewProfile(u, encID)
				}
				work[u] = p
			}
			p.Encoder = encID
			e.model.Apply(p, &events[i], evs[i])
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	e.dirty.put(work)
	return nil
}

// flushLoop writes dirty profiles every interval until stop is closed.
func (e *Engine) flushLoop(interval time.Duration) {
	defer close(e.flushDone)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-e.stopFlush:
			return
		case <-t.C:
			if err := e.flush(context.Background()); err != nil {
				e.log.Error("writing profiles failed; they stay in memory and the log keeps their events", "err", err)
			}
		}
	}
}

// flush writes every dirty profile to the store. Each is copied under its
// user's lock, so ingestion only waits for the copy, never for the write;
// a profile that changes while the copies are written stays dirty.
func (e *Engine) flush(ctx context.Context) error {
	if e.dirty == nil {
		return nil
	}
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	gens := e.dirty.dirtyUsers()
	if len(gens) == 0 {
		return nil
	}
	ps := make([]*driftrec.Profile, 0, len(gens))
	cutoff := e.textCutoff()
	for u := range gens {
		unlock := e.locks.lock([]string{u})
		p, ok := e.dirty.get(u)
		if ok {
			if !cutoff.IsZero() {
				stripTexts(p, cutoff) // see retention.go
			}
			ps = append(ps, p.Clone())
		}
		unlock()
	}
	if err := e.store.PutProfiles(ctx, ps); err != nil {
		return fmt.Errorf("engine: flush %d profiles: %w", len(ps), err)
	}
	e.dirty.clean(gens)
	return nil
}

// recover replays, for every user, the events the stored profile has not
// seen: the events acknowledged after the last flush before a crash.
func (e *Engine) recover(ctx context.Context) error {
	var users []string
	if err := e.store.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return fmt.Errorf("engine: recovery: %w", err)
	}
	replayed, touched := 0, 0
	var batch []*driftrec.Profile
	for _, u := range users {
		p, err := e.loadProfile(ctx, u)
		if err != nil {
			return err
		}
		if p == nil {
			p = interest.NewProfile(u, e.enc.ID())
		}
		var tail []driftrec.Event
		n := 0
		err = e.store.UserEvents(ctx, u, func(ev driftrec.Event) error {
			if n >= p.Events {
				tail = append(tail, ev)
			}
			n++
			return nil
		})
		if err != nil {
			return fmt.Errorf("engine: recovery: %w", err)
		}
		if len(tail) == 0 {
			continue
		}
		if err := e.replay(ctx, p, tail); err != nil {
			return err
		}
		p.Encoder = e.enc.ID()
		replayed += len(tail)
		touched++
		batch = append(batch, p)
		if len(batch) == 256 {
			if err := e.store.PutProfiles(ctx, batch); err != nil {
				return fmt.Errorf("engine: recovery: %w", err)
			}
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		if err := e.store.PutProfiles(ctx, batch); err != nil {
			return fmt.Errorf("engine: recovery: %w", err)
		}
	}
	if touched > 0 {
		e.log.Info("recovered profiles from the event log after an unclean shutdown", "users", touched, "events", replayed)
	}
	return nil
}
