package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/driftrec/driftrec"
)

var _ driftrec.TextExpirer = (*Store)(nil)

// ExpireEventTexts removes the text of every event older than before.
// Plain events lose it in one UPDATE; sealed ones are opened, stripped
// and resealed a thousand at a time. The old row versions stay in the
// table until VACUUM reclaims them (autovacuum does, in time) and in the
// write-ahead log until it is recycled.
func (s *Store) ExpireEventTexts(ctx context.Context, before time.Time) (int, error) {
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, "UPDATE events SET text = '' WHERE ts < $1 AND text <> ''", before)
	if err != nil {
		return 0, s.dbError("expire texts", err)
	}
	total := int(tag.RowsAffected())
	var after int64
	for {
		n, last, err := s.expireSealed(ctx, before, after)
		total += n
		if err != nil || last == 0 {
			return total, err
		}
		after = last
	}
}

// expireSealed strips the texts of up to a thousand sealed events after
// seq after, and returns how many it changed and the last seq it saw (0
// when there were none).
func (s *Store) expireSealed(ctx context.Context, before time.Time, after int64) (int, int64, error) {
	rows, err := s.pool.Query(ctx, `SELECT e.seq, e.user_id, e.ts, e.sealed, p.data_key FROM events e
		LEFT JOIN profiles p ON p.user_id = e.user_id
		WHERE e.sealed_text AND e.ts < $1 AND e.seq > $2 ORDER BY e.seq LIMIT 1000`, before, after)
	if err != nil {
		return 0, 0, s.dbError("expire texts", err)
	}
	type row struct {
		seq             int64
		user            string
		ts              time.Time
		sealed, wrapped []byte
	}
	var found []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.user, &r.ts, &r.sealed, &r.wrapped); err != nil {
			rows.Close()
			return 0, 0, s.dbError("expire texts", err)
		}
		found = append(found, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, 0, s.dbError("expire texts", err)
	}
	if len(found) == 0 {
		return 0, 0, nil
	}
	if s.sealer == nil {
		return 0, 0, fmt.Errorf("postgres: expire texts: %w: open the store with its master key", driftrec.ErrSealed)
	}
	keys := map[string]driftrec.UserKey{}
	seqs, sealed := make([]int64, 0, len(found)), make([][]byte, 0, len(found))
	for _, r := range found {
		if r.wrapped == nil {
			continue // the user is being deleted
		}
		uk, ok := keys[r.user]
		if !ok {
			if uk, err = s.sealer.UserKey(r.user, r.wrapped); err != nil {
				return 0, 0, fmt.Errorf("postgres: data key of user %q: %w", r.user, err)
			}
			keys[r.user] = uk
		}
		e := driftrec.Event{Seq: uint64(r.seq), User: r.user, Time: r.ts}
		if err := s.openEvent(uk, &e, r.sealed); err != nil {
			return 0, 0, fmt.Errorf("postgres: %w", err)
		}
		e.Text = ""
		rec, err := sealEvent(uk, &e, e.Seq)
		if err != nil {
			return 0, 0, fmt.Errorf("postgres: %w", err)
		}
		seqs, sealed = append(seqs, r.seq), append(sealed, rec)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE events AS e SET sealed = u.sealed, sealed_text = false
		FROM unnest($1::bigint[], $2::bytea[]) AS u(seq, sealed) WHERE e.seq = u.seq`, seqs, sealed)
	if err != nil {
		return 0, 0, s.dbError("expire texts", err)
	}
	return int(tag.RowsAffected()), found[len(found)-1].seq, nil
}
