package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
)

// Retention of raw texts.
//
// With WithTextRetention(d), the texts of events (search queries,
// comments) are kept for d: ExpireTexts, which a server runs in the
// background, removes older texts from the event log (through the store's
// driftrec.TextExpirer) and from the event references that profiles keep
// for explanations. What the texts taught the model stays: interest
// vectors, importances, the items of events. The engine also strips
// expired texts from every profile it writes, so a profile held in memory
// cannot bring them back.
//
// Explanations of old interests lose their quoted queries, and a rebuild
// of the profiles from the log (after a change of encoder) no longer sees
// expired texts: events that had only a text then contribute nothing.

// WithTextRetention keeps event texts for d (0: forever).
func WithTextRetention(d time.Duration) Option {
	return func(e *Engine) { e.textRetention = d }
}

// RetentionResult reports what ExpireTexts did.
type RetentionResult struct {
	Before   time.Time `json:"before"`
	Events   int       `json:"events"`
	Profiles int       `json:"profiles"`
}

// textCutoff returns the time before which texts expire, zero when they
// do not.
func (e *Engine) textCutoff() time.Time {
	if e.textRetention <= 0 {
		return time.Time{}
	}
	return e.clock().UTC().Add(-e.textRetention)
}

// ExpireTexts enforces the retention period now. Run it on one replica
// only: with several replicas writing profiles through to one database,
// a profile being rewritten here can race another replica's update of it.
func (e *Engine) ExpireTexts(ctx context.Context) (RetentionResult, error) {
	before := e.textCutoff()
	res := RetentionResult{Before: before}
	if before.IsZero() {
		return res, nil
	}
	ex, ok := e.store.(driftrec.TextExpirer)
	if !ok {
		return res, fmt.Errorf("engine: the store (%T) cannot expire event texts", e.store)
	}
	n, err := ex.ExpireEventTexts(ctx, before)
	res.Events = n
	if err != nil {
		return res, fmt.Errorf("engine: expire event texts: %w", err)
	}
	// Profiles in memory are stripped as they are written.
	if err := e.flush(ctx); err != nil {
		return res, err
	}
	var users []string
	if err := e.store.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return res, fmt.Errorf("engine: scan users: %w", err)
	}
	const chunk = 256
	for start := 0; start < len(users); start += chunk {
		n, err := e.expireProfileTexts(ctx, users[start:min(start+chunk, len(users))], before)
		res.Profiles += n
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// expireProfileTexts strips expired texts from the stored profiles of
// users. It excludes this process's writers meanwhile — ingestion (maint)
// and the flusher (flushMu) — so that no newer profile is overwritten: a
// profile that ingestion changes in memory afterwards is stripped when it
// is flushed.
func (e *Engine) expireProfileTexts(ctx context.Context, users []string, before time.Time) (int, error) {
	e.maint.Lock()
	defer e.maint.Unlock()
	e.flushMu.Lock()
	defer e.flushMu.Unlock()
	var changed []*driftrec.Profile
	for _, u := range users {
		p, err := e.store.Profile(ctx, u)
		if driftrec.ErrorCode(err) == driftrec.ENOTFOUND {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("engine: retention: %w", err)
		}
		if stripTexts(p, before) {
			changed = append(changed, p)
		}
	}
	if len(changed) == 0 {
		return 0, nil
	}
	if err := e.store.PutProfiles(ctx, changed); err != nil {
		return 0, fmt.Errorf("engine: retention: %w", err)
	}
	return len(changed), nil
}

// stripTexts removes the texts of event references older than before and
// reports whether any went.
func stripTexts(p *driftrec.Profile, before time.Time) bool {
	changed := false
	strip := func(refs []driftrec.EventRef) {
		for i := range refs {
			if refs[i].Text != "" && refs[i].Time.Before(before) {
				refs[i].Text = ""
				changed = true
			}
		}
	}
	strip(p.Recent)
	strip(p.Short.Events)
	strip(p.Negative.Events)
	for i := range p.Interests {
		strip(p.Interests[i].Exemplars)
	}
	return changed
}
