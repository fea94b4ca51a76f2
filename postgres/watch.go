package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
)

// Item change notices. Each transaction that changes items sends, before it
// commits, pg_notify on the schema's channel with the changed IDs joined by
// newlines (IDs cannot contain control characters, see
// driftrec.ValidateID). PostgreSQL delivers the notices when, and only
// if, the transaction commits. A payload must stay under 8000 bytes, so a
// long list goes out as several notices; past maxNotices of them, the
// transaction sends a single empty payload instead, which listeners take as
// "rescan everything".
const (
	maxPayload = 7999
	maxNotices = 16
)

// notices splits ids into the payloads to send; nil ids send nothing and
// too many send the rescan marker, an empty payload.
func notices(ids []string) []string {
	var out []string
	var b strings.Builder
	for _, id := range ids {
		if b.Len() > 0 && b.Len()+1+len(id) > maxPayload {
			out = append(out, b.String())
			b.Reset()
			if len(out) >= maxNotices { // and more to come
				return []string{""}
			}
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(id)
	}
	if b.Len() > 0 {
		out = append(out, b.String())
	}
	return out
}

// notify queues the notices for ids in tx.
func (s *Store) notify(ctx context.Context, tx pgx.Tx, ids []string) error {
	for _, payload := range notices(ids) {
		if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", s.channel, payload); err != nil {
			return fmt.Errorf("notify: %w", err)
		}
	}
	return nil
}

// parseNotice turns a payload back into IDs; nil is the rescan marker.
func parseNotice(payload string) []string {
	if payload == "" {
		return nil
	}
	return strings.Split(payload, "\n")
}

// WatchItems implements driftrec.ItemWatcher with LISTEN on a connection
// of its own (LISTEN belongs to a session, so a pooled connection would
// not do). It calls fn(nil) once listening, then fn with the IDs of each
// notice. When the connection fails, it reconnects with backoff (100 ms
// doubling to 10 s, logged) and calls fn(nil) again, because notices sent
// while it was away are lost. Only a failure of the first connection is
// returned, so that a misconfiguration surfaces at once. Close ends the
// watch too, with an EUNAVAILABLE error.
func (s *Store) WatchItems(ctx context.Context, fn func(ids []string)) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	err := s.watch(ctx, fn)
	if ctx.Err() == nil && s.closed.Load() {
		return driftrec.Errorf(driftrec.EUNAVAILABLE, "postgres: the store was closed")
	}
	return err
}

func (s *Store) watch(parent context.Context, fn func(ids []string)) error {
	ctx, cancel := context.WithCancel(parent)
	defer cancel()
	defer context.AfterFunc(s.done, cancel)()
	cfg := s.pool.Config().ConnConfig.Copy()
	// Named so that an operator (and the tests) can find it in
	// pg_stat_activity.
	cfg.RuntimeParams["application_name"] = "driftrec item watch"
	backoff := 100 * time.Millisecond
	for first := true; ; first = false {
		err := s.listen(ctx, cfg, fn, func() { backoff = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if first && !listening(err) {
			return s.dbError("watch items", err)
		}
		s.logger.Warn("item watch lost its connection; reconnecting", "err", err, "retry_in", backoff)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

// errListening wraps an error that ended a watch after LISTEN succeeded.
type errListening struct{ err error }

func (e errListening) Error() string { return e.err.Error() }
func (e errListening) Unwrap() error { return e.err }

func listening(err error) bool {
	_, ok := err.(errListening)
	return ok
}

// listen runs one connection's worth of the watch; it returns when the
// connection fails or ctx ends.
func (s *Store) listen(ctx context.Context, cfg *pgx.ConnConfig, fn func([]string), connected func()) error {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	connected()
	fn(nil)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return errListening{err}
		}
		fn(parseNotice(n.Payload))
	}
}
