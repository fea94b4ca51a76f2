package engine

import (
	"context"
	"fmt"

	"github.com/driftrec/driftrec"
)

// Profile returns a user's stored profile.
func (e *Engine) Profile(ctx context.Context, user string) (*driftrec.Profile, error) {
	if err := driftrec.ValidateID("user", user); err != nil {
		return nil, err
	}
	p, err := e.loadProfile(ctx, user)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "user %q has no profile", user)
	}
	return p, nil
}

// UserEvents returns a user's stored events in ingestion order.
func (e *Engine) UserEvents(ctx context.Context, user string, limit int) ([]driftrec.Event, error) {
	if err := driftrec.ValidateID("user", user); err != nil {
		return nil, err
	}
	var out []driftrec.Event
	err := e.store.UserEvents(ctx, user, func(ev driftrec.Event) error {
		out = append(out, ev)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("engine: read events: %w", err)
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out, nil
}

// DeleteUser forgets a user: events, profile, and their contribution to
// popularity. It reports whether anything was stored.
func (e *Engine) DeleteUser(ctx context.Context, user string) (bool, error) {
	if err := driftrec.ValidateID("user", user); err != nil {
		return false, err
	}
	if e.locks != nil {
		defer e.locks.lock([]string{user})()
		e.dirty.remove(user)
	}
	var evs []driftrec.Event
	if err := e.store.UserEvents(ctx, user, func(ev driftrec.Event) error { evs = append(evs, ev); return nil }); err != nil {
		return false, fmt.Errorf("engine: read events: %w", err)
	}
	ok, err := e.store.DeleteUser(ctx, user)
	if err != nil {
		return false, fmt.Errorf("engine: delete user: %w", err)
	}
	for i := range evs {
		e.countPopularity(&evs[i], -1)
	}
	return ok, nil
}

// Label names an interest for display.
func (e *Engine) Label(in *driftrec.Interest) string { return e.rec.Label(in) }

// Users lists up to limit users in byte order, starting after the given
// user ("" for the first page).
func (e *Engine) Users(ctx context.Context, after string, limit int) ([]string, error) {
	if limit <= 0 || limit > 10000 {
		return nil, driftrec.FieldErrorf("limit", "limit must be between 1 and 10000")
	}
	var out []string
	errStop := fmt.Errorf("enough users")
	err := e.store.ScanUsers(ctx, func(u string) error {
		if u <= after {
			return nil
		}
		out = append(out, u)
		if len(out) == limit {
			return errStop
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, fmt.Errorf("engine: list users: %w", err)
	}
	return out, nil
}
