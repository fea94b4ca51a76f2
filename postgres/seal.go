package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
)

// Encryption at rest (WithSealer).
//
// With a sealer, events keep user_id, seq and ts in plain columns (the
// log's order and retention need them) and everything else — type, item,
// text, value, session — in the sealed column; profiles.data is sealed;
// profiles.data_key holds the user's data key wrapped under the master
// key. DeleteUser deletes the row, and with it the key. PostgreSQL keeps
// deleted row versions until VACUUM and in its write-ahead log and
// backups: sealing is what makes those copies unreadable once the key is
// gone and the master key it was wrapped under is retired.

// WithSealer makes the store seal events and profiles with per-user data
// keys (see seal.go).
func WithSealer(sealer driftrec.Sealer) Option {
	return func(s *Store) { s.sealer = sealer }
}

// sealedEvent is the plaintext of an event's sealed column.
type sealedEvent struct {
	Type    driftrec.EventType `json:"type"`
	Item    string             `json:"item,omitempty"`
	Text    string             `json:"text,omitempty"`
	Value   *float64           `json:"value,omitempty"`
	Session string             `json:"session,omitempty"`
}

func sealEvent(uk driftrec.UserKey, e *driftrec.Event, seq uint64) ([]byte, error) {
	if uk == nil {
		return nil, fmt.Errorf("no data key for user %q", e.User)
	}
	plain, err := json.Marshal(sealedEvent{Type: e.Type, Item: e.Item, Text: e.Text, Value: e.Value, Session: e.Session})
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	return driftrec.SealRecord(uk, plain, driftrec.SealAAD("event", e.User, seq)), nil
}

// openEvent fills e (whose User and Seq are set) from a sealed column.
func (s *Store) openEvent(uk driftrec.UserKey, e *driftrec.Event, sealed []byte) error {
	if s.sealer == nil {
		return fmt.Errorf("event %d of user %q: %w: open the store with its master key", e.Seq, e.User, driftrec.ErrSealed)
	}
	if uk == nil {
		return fmt.Errorf("event %d of user %q: %w: the user's data key is gone", e.Seq, e.User, driftrec.ErrSealed)
	}
	plain, err := driftrec.OpenRecord(uk, sealed, driftrec.SealAAD("event", e.User, e.Seq))
	if err != nil {
		return fmt.Errorf("event %d of user %q: %w", e.Seq, e.User, err)
	}
	var se sealedEvent
	if err := json.Unmarshal(plain, &se); err != nil {
		return fmt.Errorf("event %d of user %q: corrupt sealed record: %w", e.Seq, e.User, err)
	}
	e.Type, e.Item, e.Text, e.Value, e.Session = se.Type, se.Item, se.Text, se.Value, se.Session
	return nil
}

// encodeProfile encodes p, sealed with uk when the store seals.
func (s *Store) encodeProfile(p *driftrec.Profile, uk driftrec.UserKey) ([]byte, error) {
	data, err := p.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("encode profile of user %q: %w", p.User, err)
	}
	if s.sealer == nil {
		return data, nil
	}
	if uk == nil {
		return nil, fmt.Errorf("no data key for user %q", p.User)
	}
	return driftrec.SealRecord(uk, data, driftrec.SealAAD("profile", p.User, 0)), nil
}

// decodeProfile decodes a stored profile, opening it if it is sealed.
func (s *Store) decodeProfile(user string, data []byte, uk driftrec.UserKey) (*driftrec.Profile, error) {
	if driftrec.IsSealed(data) {
		if s.sealer == nil {
			return nil, fmt.Errorf("stored profile of user %q: %w: open the store with its master key", user, driftrec.ErrSealed)
		}
		plain, err := driftrec.OpenRecord(uk, data, driftrec.SealAAD("profile", user, 0))
		if err != nil {
			return nil, fmt.Errorf("stored profile of user %q: %w", user, err)
		}
		data = plain
	}
	p := new(driftrec.Profile)
	if err := p.UnmarshalBinary(data); err != nil {
		return nil, fmt.Errorf("stored profile of user %q: %w", user, err)
	}
	return p, nil
}

// userKey reads and unwraps the user's data key; nil, nil without a
// sealer or when the user has none.
func (s *Store) userKey(ctx context.Context, user string) (driftrec.UserKey, error) {
	if s.sealer == nil {
		return nil, nil
	}
	var wrapped []byte
	err := s.pool.QueryRow(ctx, "SELECT data_key FROM profiles WHERE user_id = $1", user).Scan(&wrapped)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && wrapped == nil) {
		return nil, nil
	}
	if err != nil {
		return nil, s.dbError("data key", err)
	}
	uk, err := s.sealer.UserKey(user, wrapped)
	if err != nil {
		return nil, fmt.Errorf("postgres: data key of user %q: %w", user, err)
	}
	return uk, nil
}

// RewrapUserKeys re-encrypts every stored data key under the sealer's
// current master key, a thousand users per statement.
func (s *Store) RewrapUserKeys(ctx context.Context) (int, error) {
	if s.sealer == nil {
		return 0, errors.New("postgres: the store was opened without a sealer")
	}
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	total, after := 0, ""
	for {
		rows, err := s.pool.Query(ctx, `SELECT user_id, data_key FROM profiles
			WHERE data_key IS NOT NULL AND user_id > $1 ORDER BY user_id LIMIT 1000`, after)
		if err != nil {
			return total, s.dbError("rewrap keys", err)
		}
		var users []string
		var keys [][]byte
		n := 0
		for rows.Next() {
			var u string
			var w []byte
			if err := rows.Scan(&u, &w); err != nil {
				rows.Close()
				return total, s.dbError("rewrap keys", err)
			}
			n++
			after = u
			nw, changed, err := s.sealer.Rewrap(u, w)
			if err != nil {
				rows.Close()
				return total, fmt.Errorf("postgres: rewrap data key of user %q: %w", u, err)
			}
			if changed {
				users, keys = append(users, u), append(keys, nw)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return total, s.dbError("rewrap keys", err)
		}
		if len(users) > 0 {
			if _, err := s.pool.Exec(ctx, `UPDATE profiles AS p SET data_key = u.data_key
				FROM unnest($1::text[], $2::bytea[]) AS u(user_id, data_key) WHERE p.user_id = u.user_id`, users, keys); err != nil {
				return total, s.dbError("rewrap keys", err)
			}
			total += len(users)
		}
		if n < 1000 {
			return total, nil
		}
	}
}
