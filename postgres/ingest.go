package postgres

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// maxAttempts bounds the retries of a transaction that failed with a
// serialization failure or deadlock.
const maxAttempts = 8

// IngestEvents appends events and stores the profiles apply returns in one
// transaction (see the package doc). On success the events carry their
// sequence numbers and the profiles apply returned carry the Version
// stored.
func (s *Store) IngestEvents(ctx context.Context, events []driftrec.Event, apply func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)) error {
	if len(events) == 0 {
		return nil
	}
	users, err := driftrec.IngestUsers(events)
	if err != nil {
		return err
	}
	for i := range events {
		if err := checkEvent(i, &events[i]); err != nil {
			return err
		}
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	for attempt := 1; ; attempt++ {
		seqs, err := s.ingestOnce(ctx, events, users, apply)
		if err == nil {
			for i := range events {
				events[i].Seq = uint64(seqs[i])
			}
			return nil
		}
		if !retryable(err) || attempt == maxAttempts {
			return s.dbError("ingest events", err)
		}
		if err := sleep(ctx, backoff(attempt)); err != nil {
			return err
		}
	}
}

func checkEvent(i int, e *driftrec.Event) error {
	path := "[" + strconv.Itoa(i) + "]"
	for _, f := range []struct{ name, value string }{
		{"type", string(e.Type)}, {"item", e.Item}, {"text", e.Text}, {"session", e.Session},
	} {
		if err := checkText(path+"."+f.name, f.value); err != nil {
			return err
		}
	}
	return nil
}

// retryable reports whether a transaction failed only because of other
// transactions, so that running it again may succeed.
func retryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// backoff is the pause before the given retry: exponential from 5 ms, with
// jitter so that the transactions that collided do not collide again.
func backoff(attempt int) time.Duration {
	d := 5 * time.Millisecond << min(attempt-1, 6)
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// queueLockUsers queues the statements that make sure every user has a
// profiles row (with a data key, when the store seals) and lock the rows
// in byte order, returning the stored profiles (see readLocked). The rows
// are inserted in the same order they are locked, so no two transactions
// can wait on each other in a cycle.
func (s *Store) queueLockUsers(b *pgx.Batch, users []string) error {
	if s.sealer == nil {
		b.Queue("INSERT INTO profiles (user_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", users)
	} else {
		// A fresh key per user; only the first one stored for a user is
		// kept (a row made before the store was sealed gets one too).
		keys := make([][]byte, len(users))
		for i, u := range users {
			w, err := s.sealer.NewUserKey(u)
			if err != nil {
				return fmt.Errorf("new data key: %w", err)
			}
			keys[i] = w
		}
		b.Queue(`INSERT INTO profiles (user_id, data_key) SELECT * FROM unnest($1::text[], $2::bytea[])
			ON CONFLICT (user_id) DO UPDATE SET data_key = EXCLUDED.data_key WHERE profiles.data_key IS NULL`, users, keys)
	}
	b.Queue("SELECT user_id, version, data, data_key FROM profiles WHERE user_id = ANY($1) ORDER BY user_id FOR UPDATE", users)
	return nil
}

// locked is what readLocked read about the locked users.
type locked struct {
	current  map[string]*driftrec.Profile
	versions map[string]int64
	keys     map[string]driftrec.UserKey // with a sealer
}

// readLocked reads the results of the statements queueLockUsers queued.
func (s *Store) readLocked(br pgx.BatchResults, n int) (*locked, error) {
	if _, err := br.Exec(); err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	l := &locked{current: make(map[string]*driftrec.Profile, n), versions: make(map[string]int64, n)}
	if s.sealer != nil {
		l.keys = make(map[string]driftrec.UserKey, n)
	}
	for rows.Next() {
		var user string
		var version int64
		var data, wrapped []byte
		if err := rows.Scan(&user, &version, &data, &wrapped); err != nil {
			return nil, err
		}
		l.versions[user] = version
		var uk driftrec.UserKey
		if s.sealer != nil {
			if uk, err = s.sealer.UserKey(user, wrapped); err != nil {
				return nil, fmt.Errorf("data key of user %q: %w", user, err)
			}
			l.keys[user] = uk
		}
		if data != nil {
			p, err := s.decodeProfile(user, data, uk)
			if err != nil {
				return nil, err
			}
			p.Version = uint64(version)
			l.current[user] = p
		}
	}
	return l, rows.Err()
}

// ingestOnce runs one attempt in two round trips, BEGIN travelling with
// the first statements and COMMIT with the last: on a fast disk the round
// trips, not the commit, would otherwise bound single-event ingestion.
func (s *Store) ingestOnce(ctx context.Context, events []driftrec.Event, users []string, apply func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error)) (seqs []int64, err error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Release()
	inTx := false
	defer func() {
		if inTx {
			// After a failed statement the server ignores the rest of the
			// pipeline, COMMIT included, and waits in an aborted
			// transaction. A connection that cannot even roll back is
			// closed, so that the pool does not hand it out again.
			if _, rerr := conn.Exec(context.WithoutCancel(ctx), "ROLLBACK"); rerr != nil {
				conn.Conn().Close(context.WithoutCancel(ctx))
			}
		}
	}()

	// Round trip 1: create and lock the users' rows, read the profiles,
	// allocate the sequence numbers. Allocating after the locks keeps each
	// user's numbers in commit order.
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	if err := s.queueLockUsers(b, users); err != nil {
		return nil, err
	}
	b.Queue("SELECT nextval(pg_get_serial_sequence('events', 'seq')) FROM generate_series(1, $1)", len(events))
	inTx = true
	br := conn.SendBatch(ctx, b)
	lk, seqs, err := s.readFirstTrip(br, len(users))
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(seqs)

	out, err := driftrec.RunApply(apply, lk.current, users)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// Round trip 2: the events and the profiles, from arrays, and COMMIT.
	n := len(events)
	userCol, typeCol, itemCol, textCol, sessionCol := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	valueCol, tsCol := make([]*float64, n), make([]time.Time, n)
	var sealedCol [][]byte
	var hasTextCol []bool
	if s.sealer != nil {
		sealedCol, hasTextCol = make([][]byte, n), make([]bool, n)
	}
	for i := range events {
		e := &events[i]
		userCol[i], tsCol[i] = e.User, e.Time
		if s.sealer != nil {
			if sealedCol[i], err = sealEvent(lk.keys[e.User], e, uint64(seqs[i])); err != nil {
				return nil, err
			}
			hasTextCol[i] = e.Text != ""
			continue
		}
		typeCol[i], itemCol[i], textCol[i], sessionCol[i] = string(e.Type), e.Item, e.Text, e.Session
		valueCol[i] = e.Value
	}
	b = &pgx.Batch{}
	if s.sealer != nil {
		b.Queue(`INSERT INTO events (seq, user_id, type, ts, sealed, sealed_text)
			SELECT u.seq, u.user_id, '', u.ts, u.sealed, u.sealed_text
			FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::bytea[], $5::boolean[]) AS u(seq, user_id, ts, sealed, sealed_text)`,
			seqs, userCol, tsCol, sealedCol, hasTextCol)
	} else {
		b.Queue(`INSERT INTO events (seq, user_id, type, item, text, value, session, ts)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::float8[], $7::text[], $8::timestamptz[])`,
			seqs, userCol, typeCol, itemCol, textCol, valueCol, sessionCol, tsCol)
	}
	if len(out) > 0 {
		pUsers := slices.Sorted(maps.Keys(out))
		pVersions := make([]int64, len(pUsers))
		pData := make([][]byte, len(pUsers))
		for i, u := range pUsers {
			p := out[u]
			p.Version = uint64(lk.versions[u] + 1)
			if pData[i], err = s.encodeProfile(p, lk.keys[u]); err != nil {
				return nil, err
			}
			pVersions[i] = lk.versions[u] + 1
		}
		b.Queue(`UPDATE profiles AS p SET version = u.version, data = u.data
			FROM unnest($1::text[], $2::bigint[], $3::bytea[]) AS u(user_id, version, data)
			WHERE p.user_id = u.user_id`, pUsers, pVersions, pData)
	}
	b.Queue("COMMIT")
	// Once COMMIT is on its way, its outcome is the answer: cancelling the
	// round trip would leave the caller not knowing whether the events
	// were stored.
	if err := conn.SendBatch(context.WithoutCancel(ctx), b).Close(); err != nil {
		return nil, err
	}
	inTx = false
	return seqs, nil
}

// readFirstTrip reads the results of ingestOnce's first round trip.
func (s *Store) readFirstTrip(br pgx.BatchResults, users int) (*locked, []int64, error) {
	if _, err := br.Exec(); err != nil { // BEGIN
		return nil, nil, err
	}
	lk, err := s.readLocked(br, users)
	if err != nil {
		return nil, nil, err
	}
	rows, err := br.Query()
	if err != nil {
		return nil, nil, err
	}
	seqs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	return lk, seqs, err
}
