package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
)

// UserEvents calls fn with each of the user's events in ingestion order.
func (s *Store) UserEvents(ctx context.Context, user string, fn func(driftrec.Event) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	uk, err := s.userKey(ctx, user)
	if err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, `SELECT seq, type, item, text, value, session, ts, sealed
		FROM events WHERE user_id = $1 ORDER BY seq`, user)
	if err != nil {
		return s.dbError("user events", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		e := driftrec.Event{User: user}
		var typ string
		var sealed []byte
		if err := rows.Scan(&e.Seq, &typ, &e.Item, &e.Text, &e.Value, &e.Session, &e.Time, &sealed); err != nil {
			return s.dbError("user events", err)
		}
		e.Type, e.Time = driftrec.EventType(typ), e.Time.UTC()
		if sealed != nil {
			if err := s.openEvent(uk, &e, sealed); err != nil {
				return fmt.Errorf("postgres: %w", err)
			}
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return s.dbError("user events", rows.Err())
}

// Profile returns the user's profile.
func (s *Store) Profile(ctx context.Context, user string) (*driftrec.Profile, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	var version int64
	var data, wrapped []byte
	err := s.pool.QueryRow(ctx, "SELECT version, data, data_key FROM profiles WHERE user_id = $1", user).Scan(&version, &data, &wrapped)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && data == nil) {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "no profile for user %q", user)
	}
	if err != nil {
		return nil, s.dbError("profile", err)
	}
	var uk driftrec.UserKey
	if s.sealer != nil && wrapped != nil {
		if uk, err = s.sealer.UserKey(user, wrapped); err != nil {
			return nil, fmt.Errorf("postgres: data key of user %q: %w", user, err)
		}
	}
	p, err := s.decodeProfile(user, data, uk)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	p.Version = uint64(version)
	return p, nil
}

// PutProfiles stores the profiles in one transaction, each with Version
// one above the stored one, locking the users as IngestEvents does. The
// profiles passed in are not changed.
func (s *Store) PutProfiles(ctx context.Context, profiles []*driftrec.Profile) error {
	for i, p := range profiles {
		if p == nil {
			return driftrec.FieldErrorf("["+strconv.Itoa(i)+"]", "profile is nil")
		}
		if err := driftrec.ValidateID("["+strconv.Itoa(i)+"].user", p.User); err != nil {
			return err
		}
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	if len(profiles) == 0 {
		return nil
	}
	users := make([]string, len(profiles))
	for i, p := range profiles {
		users[i] = p.User
	}
	slices.Sort(users)
	users = slices.Compact(users)
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		if err := s.queueLockUsers(b, users); err != nil {
			return err
		}
		br := tx.SendBatch(ctx, b)
		lk, err := s.readLocked(br, len(users))
		if cerr := br.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		versions := lk.versions
		b = &pgx.Batch{}
		for _, p := range profiles {
			q := *p // a shallow copy is enough to encode another Version
			versions[p.User]++
			q.Version = uint64(versions[p.User])
			data, err := s.encodeProfile(&q, lk.keys[p.User])
			if err != nil {
				return err
			}
			b.Queue("UPDATE profiles SET version = $2, data = $3 WHERE user_id = $1", p.User, versions[p.User], data)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	return s.dbError("put profiles", err)
}

// ScanUsers calls fn with every user that has events or a profile, in byte
// order.
func (s *Store) ScanUsers(ctx context.Context, fn func(string) error) error {
	if err := s.ready(ctx); err != nil {
		return err
	}
	rows, err := s.pool.Query(ctx, "SELECT user_id FROM profiles ORDER BY user_id")
	if err != nil {
		return s.dbError("scan users", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		var u string
		if err := rows.Scan(&u); err != nil {
			return s.dbError("scan users", err)
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return s.dbError("scan users", rows.Err())
}

// DeleteUser removes the user's events, profile and data key (one row
// with the profile) in one transaction. It
// deletes the profiles row first, which waits for (and then excludes) any
// ingestion holding the user's lock.
func (s *Store) DeleteUser(ctx context.Context, user string) (bool, error) {
	if err := s.ready(ctx); err != nil {
		return false, err
	}
	existed := false
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "DELETE FROM profiles WHERE user_id = $1", user)
		if err != nil {
			return err
		}
		existed = tag.RowsAffected() > 0
		tag, err = tx.Exec(ctx, "DELETE FROM events WHERE user_id = $1", user)
		existed = existed || tag.RowsAffected() > 0
		return err
	})
	return existed, s.dbError("delete user", err)
}
