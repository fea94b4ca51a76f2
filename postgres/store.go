// Package postgres is the driftrec.Store for deployments that outgrow one
// process: several driftrec replicas share one PostgreSQL database (through
// pgx and its pool), and catalogue changes reach every replica through
// LISTEN/NOTIFY (WatchItems).
//
// # Schema
//
// Open applies the embedded migrations (migrations/*.sql) in order, in one
// transaction under an advisory lock, so replicas that start together
// migrate once; the table driftrec_schema records the versions applied, and
// a database migrated by a newer release is refused. Everything lives in
// the connection's current schema (set search_path in the DSN to share a
// database between deployments).
//
//	items     id, text, categories text[], attributes jsonb, created_at,
//	          updated_at, encoder, vector bytea
//	events    seq bigserial, user_id, type, item, text, value, session, ts;
//	          index (user_id, seq)
//	profiles  user_id, version, data bytea (Profile.MarshalBinary, NULL
//	          while the user has events but no profile)
//	meta      key, value bytea
//
// Migration 2 adds what encryption at rest (seal.go) and retention need:
// events.sealed and events.sealed_text, profiles.data_key.
//
// Vectors are bytea holding little-endian float32 bits rather than real[]:
// the bits come back exactly (NaN payloads, negative zero), a 512-d vector
// takes 2 KB instead of 2 KB plus array headers, and encoding is one copy
// instead of pgx's per-element array codec. Nothing in SQL needs to look
// inside a vector; the index is in driftrec's memory. Identifiers use
// COLLATE "C", so that ORDER BY is byte order, as the Store interface
// promises, whatever the database's locale.
//
// Timestamps are timestamptz, which keeps microseconds: item and event
// times lose their nanoseconds here (profiles, stored in their binary
// encoding, keep them). Text columns cannot hold NUL bytes, so this store
// rejects texts that contain them with an EINVALID error.
//
// # Ingestion
//
// IngestEvents runs in one transaction: it inserts a profiles row for each
// user that lacks one, locks the users' rows with SELECT ... FOR UPDATE in
// byte order (one global order, so that concurrent transactions cannot
// deadlock on each other), allocates sequence numbers, calls apply with
// the profiles it read, and writes the events (one INSERT from arrays) and
// profiles (one UPDATE from arrays). Row locks serialise writers for the
// same user across all replicas; writers for different users run in
// parallel. Serialization failures and deadlocks (which other clients of
// the database could still cause) are retried with backoff, calling apply
// again with freshly read profiles. The COMMIT is not cancelled with the
// caller's context: once it is sent, its outcome is the one reported.
package postgres

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/driftrec/driftrec"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Store is a driftrec.Store in PostgreSQL. It is safe for concurrent use,
// and any number of Stores (in any number of processes) may share one
// database.
type Store struct {
	pool    *pgxpool.Pool
	channel string // LISTEN/NOTIFY channel for item changes
	logger  *slog.Logger
	closed  atomic.Bool
	sealer  driftrec.Sealer

	// done ends with Close, and with it every WatchItems.
	done      context.Context
	closeDone context.CancelFunc
}

var (
	_ driftrec.Store       = (*Store)(nil)
	_ driftrec.ItemWatcher = (*Store)(nil)
)

// Option configures Open.
type Option func(*Store)

// WithLogger sets where the store logs what callers do not see, such as
// the reconnections of WatchItems. The default discards it.
func WithLogger(l *slog.Logger) Option {
	return func(s *Store) { s.logger = l }
}

// Open connects to the database named by dsn (a postgres:// URL or
// keyword=value pairs, with pgxpool's pool_* settings) and migrates it.
// The pool keeps pgxpool's default of max(4, CPUs) connections; a replica
// serving many concurrent writers wants pool_max_conns=16 or so, within the
// server's max_connections across all replicas. Scans hold a connection
// while they call fn.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	s := &Store{logger: slog.New(slog.DiscardHandler)}
	s.done, s.closeDone = context.WithCancel(context.Background())
	for _, o := range opts {
		o(s)
	}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		s.closeDone()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	schema, err := migrate(ctx, s.pool)
	if err != nil {
		s.pool.Close()
		s.closeDone()
		return nil, fmt.Errorf("postgres: migrate: %w", unavailable(err))
	}
	s.channel = channelName(schema)
	return s, nil
}

// Close ends every WatchItems and closes the connections. Later calls
// fail.
func (s *Store) Close() error {
	if s.closed.CompareAndSwap(false, true) {
		s.closeDone()
		s.pool.Close()
	}
	return nil
}

// migrate applies the migrations the database lacks and returns the
// schema they live in.
func migrate(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	type migration struct {
		version int
		name    string
	}
	var all []migration
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if err != nil {
			return "", fmt.Errorf("migration %s has no version prefix", e.Name())
		}
		all = append(all, migration{v, e.Name()})
	}
	slices.SortFunc(all, func(a, b migration) int { return a.version - b.version })

	tx, err := pool.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var schema *string
	if err := tx.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return "", err
	}
	if schema == nil {
		return "", errors.New("the search_path names no existing schema to create tables in")
	}
	// Replicas that start together wait here for the first to finish.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('driftrec migrate ' || current_schema()))"); err != nil {
		return "", err
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS driftrec_schema (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return "", err
	}
	var current int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM driftrec_schema").Scan(&current); err != nil {
		return "", err
	}
	if latest := all[len(all)-1].version; current > latest {
		return "", fmt.Errorf("the database schema is at version %d, newer than this build knows (%d); upgrade driftrec", current, latest)
	}
	for _, m := range all {
		if m.version <= current {
			continue
		}
		sql, err := fs.ReadFile(migrations, path.Join("migrations", m.name))
		if err != nil {
			return "", err
		}
		if _, err := tx.Exec(ctx, string(sql)); err != nil {
			return "", fmt.Errorf("%s: %w", m.name, err)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO driftrec_schema (version) VALUES ($1)", m.version); err != nil {
			return "", err
		}
	}
	return *schema, tx.Commit(ctx)
}

// channelName is the NOTIFY channel for the item changes of one schema:
// schemas (deployments) sharing a database must not hear each other.
// Channel names are identifiers, at most 63 bytes.
func channelName(schema string) string {
	name := "driftrec_items." + schema
	if len(name) > 63 {
		sum := sha256.Sum256([]byte(schema))
		name = "driftrec_items." + hex.EncodeToString(sum[:16])
	}
	return name
}

// inTx runs fn in a transaction and commits it. As in IngestEvents, the
// COMMIT is not cancelled with ctx, so that the error returned is the
// truth about what was stored.
func (s *Store) inTx(ctx context.Context, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(context.WithoutCancel(ctx))
}

// ready reports why a call cannot start.
func (s *Store) ready(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return driftrec.Errorf(driftrec.EUNAVAILABLE, "postgres: the store is closed")
	}
	return nil
}

// dbError turns what pgx reports into driftrec's terms: bad data becomes
// EINVALID with the server's message, an unreachable server EUNAVAILABLE.
// Context errors stay recognisable with errors.Is.
func (s *Store) dbError(op string, err error) error {
	if err == nil {
		return nil
	}
	var appErr *driftrec.Error
	if errors.As(err, &appErr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && strings.HasPrefix(pgErr.Code, "22") { // class 22: data exception
		return &driftrec.Error{Code: driftrec.EINVALID, Message: pgErr.Message, Err: err}
	}
	if s.closed.Load() {
		return &driftrec.Error{Code: driftrec.EUNAVAILABLE, Message: "postgres: the store is closed", Err: err}
	}
	return fmt.Errorf("postgres: %s: %w", op, unavailable(err))
}

// unavailable marks a failure to reach the server as EUNAVAILABLE.
func unavailable(err error) error {
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return &driftrec.Error{Code: driftrec.EUNAVAILABLE, Message: "the database is unreachable", Err: err}
	}
	return err
}

// checkText rejects what a PostgreSQL text column cannot hold.
func checkText(field, s string) error {
	if strings.IndexByte(s, 0) >= 0 {
		return driftrec.FieldErrorf(field, "must not contain NUL bytes")
	}
	if !utf8.ValidString(s) {
		return driftrec.FieldErrorf(field, "is not valid UTF-8")
	}
	return nil
}

// Meta returns the value stored under key.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) {
	if err := s.ready(ctx); err != nil {
		return nil, err
	}
	var v []byte
	err := s.pool.QueryRow(ctx, "SELECT value FROM meta WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, driftrec.Errorf(driftrec.ENOTFOUND, "meta key %q not found", key)
	}
	if err != nil {
		return nil, s.dbError("meta", err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// PutMeta stores value under key.
func (s *Store) PutMeta(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return driftrec.FieldErrorf("key", "a meta key must not be empty")
	}
	if err := checkText("key", key); err != nil {
		return err
	}
	if err := s.ready(ctx); err != nil {
		return err
	}
	if value == nil {
		value = []byte{} // the column is NOT NULL; nil and empty are one value
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ($1, $2)
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, value)
	return s.dbError("put meta", err)
}
