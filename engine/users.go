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
	p, err := e.store.Profile(ctx, user)
	if err != nil {
		if driftrec.ErrorCode(err) == driftrec.ENOTFOUND {
			return nil, driftrec.Errorf(driftrec.ENOTFOUND, "user %q has no profile", user)
		}
		return nil, fmt.Errorf("engine: load profile: %w", err)
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
