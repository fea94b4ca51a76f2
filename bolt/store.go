// Package bolt is driftrec's default store: one file on local disk, through
// bbolt (the maintained fork of BoltDB, a copy-on-write B+tree with
// serialisable transactions), so that a single binary runs with no database
// server. One process owns the file; several replicas need the postgres
// store.
//
// # On-disk layout
//
// The file holds eight top-level buckets. Keys and values are raw bytes;
// record formats are in codec.go and, for profiles, in the root package's
// profile_codec.go. Every record starts with a format version byte.
//
//	schema    "layout" → "2": the version of this layout, and
//	          "epoch-bits" → one byte, the width of the event log's epochs
//	          (eventkey.go). Open refuses a file with another version or
//	          without the bucket (unless the file is empty, when it
//	          creates everything), and upgrades a file of layout 1
//	          (migrate.go).
//	items     item ID → item record (encoder, vector as float32 bits, text,
//	          categories, times, attributes as JSON). Keys sort in byte
//	          order, which is the order of ScanItems.
//	eventlog  the event log's first tier: epoch, user, 0x00, sequence
//	          number → event record; new events land here (eventkey.go
//	          says why). Its sequence counter assigns the numbers, so they
//	          grow across users and survive restarts.
//	events    the second tier: user, 0x00, sequence number (8 bytes,
//	          big-endian) → event record, for events that the fold
//	          (fold.go) moved out of closed epochs. User IDs cannot contain
//	          0x00 (driftrec.ValidateID), so a user's events here are one
//	          contiguous key range, in sequence order, all older than the
//	          user's events in the first tier.
//	profiles  user → Profile.MarshalBinary.
//	users     user → the epoch of the user's first event in the first
//	          tier (8 bytes, big-endian), or empty if it never had one:
//	          every user with events or a profile, for ScanUsers without
//	          walking the event log.
//	meta      key → value, for Meta and PutMeta.
//	keys      user → wrapped data key, with Options.Sealer (see seal.go).
//
// # Durability and group commit
//
// Every write transaction is fsynced when it commits (bbolt's default), so
// a call that returned nil survives a crash. fsync is the cost of a
// commit, so IngestEvents shares commits: calls queue for one committer
// goroutine, which takes everything queued (up to MaxBatchEvents events)
// into one transaction. A lone writer commits at once and writers that
// arrive meanwhile share the next commit. We do not use bbolt's DB.Batch,
// which has the same aim but starts a batch on a timer (10 ms by default):
// it adds that delay to every lone request, and with a short delay it
// stops grouping.
//
// Within the shared transaction each call reads its users' profiles, which
// includes what earlier calls of the same batch wrote, runs apply and
// writes its events and profiles. apply therefore runs on the committer
// goroutine while the write transaction is open: it should be the profile
// update only (encode texts before calling IngestEvents), or it delays
// every writer. Stats reports how many calls each commit carried. A call whose apply fails, or whose
// context ends before it writes, drops out alone. If the transaction fails
// as a whole, each call is retried in a transaction of its own, calling
// apply again with freshly loaded profiles, as driftrec.Store allows.
//
// # Locking and corruption
//
// bbolt takes an exclusive flock on the file. Open waits LockTimeout for
// it and then fails with ErrLocked ("database is locked by another
// process"), instead of hanging behind another driftrec. A file that is not
// a bbolt database, or whose meta pages fail their checksums, fails Open
// with ErrCorrupt; a damaged record found later is reported as an error
// naming the record, not a crash.
//
// Scans (ScanItems, UserEvents, ScanUsers) run inside a read transaction
// and call fn with it open: fn must not write to the store, because a
// write may need to remap the file, which waits for read transactions to
// end.
package bolt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/driftrec/driftrec"
	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// layoutVersion is the version of the bucket layout described above.
const layoutVersion = "2"

var (
	bucketSchema   = []byte("schema")
	bucketItems    = []byte("items")
	bucketRecent   = []byte("eventlog")
	bucketEvents   = []byte("events")
	bucketProfiles = []byte("profiles")
	bucketUsers    = []byte("users")
	bucketMeta     = []byte("meta")
	keyLayout      = []byte("layout")
	keyEpochBits   = []byte("epoch-bits")
)

// ErrLocked is returned by Open when another process holds the file.
var ErrLocked = errors.New("database is locked by another process")

// ErrCorrupt is returned by Open when the file is not a driftrec bolt
// database or is damaged.
var ErrCorrupt = errors.New("not a driftrec database, or corrupt")

// Options configure Open. The zero value (or nil) gives the defaults.
type Options struct {
	// LockTimeout is how long Open waits for another process to release
	// the file. Default 1s.
	LockTimeout time.Duration
	// MaxBatchEvents bounds the events that one group commit takes from
	// the queue (a single larger call still commits whole). Default 10000.
	MaxBatchEvents int
	// NoSync skips the fdatasync at each commit. Committed data is then in
	// the operating system's cache when a call returns: it survives the
	// process being killed (SIGKILL, a crash, an OOM kill) but not a power
	// loss or a kernel crash. Use it where the disk's sync latency, not
	// CPU, bounds ingestion and that trade-off is acceptable; the default
	// syncs.
	NoSync bool
	// Sealer, when set, encrypts event records and profiles at rest with
	// per-user data keys (see seal.go).
	Sealer driftrec.Sealer
	// Logger receives what background work (the event log's fold) cannot
	// return to a caller. Default slog.Default().
	Logger *slog.Logger

	// For tests: the epoch width of a new file (default defaultEpochBits),
	// the closed epochs that start a fold (default defaultFoldAfter) and
	// the users per fold transaction (default defaultFoldUsers), so that
	// small logs exercise both tiers.
	epochBits epochs
	foldAfter uint64
	foldUsers int
}

// Store is a driftrec.Store in a bbolt file.
type Store struct {
	db     *bbolt.DB
	path   string
	sealer driftrec.Sealer
	log    *slog.Logger

	maxBatchEvents int
	epochs         epochs // the file's epoch width
	fold           folder

	// mu guards closed and the send side of queue: IngestEvents holds it
	// shared while it enqueues, Close exclusively while it closes the
	// queue, so that nothing is sent on a closed channel.
	mu            sync.RWMutex
	closed        bool
	queue         chan *ingestRequest
	committerDone chan struct{}

	stats struct{ commits, calls, events atomic.Uint64 }
}

// Stats counts what the group commit has done since Open, for metrics and
// for judging how well commits are shared (Events / Commits).
type Stats struct {
	Commits uint64 // ingestion transactions committed
	Calls   uint64 // IngestEvents calls whose events they held
	Events  uint64
	Folds   uint64 // folds of closed epochs completed (fold.go)
	Folded  uint64 // events the folds moved
}

// Stats returns the counters.
func (s *Store) Stats() Stats {
	return Stats{
		Commits: s.stats.commits.Load(), Calls: s.stats.calls.Load(), Events: s.stats.events.Load(),
		Folds: s.fold.folds.Load(), Folded: s.fold.moved.Load(),
	}
}

var _ driftrec.Store = (*Store)(nil)

// Open opens the database at path, creating it if it does not exist.
func Open(path string, opts *Options) (*Store, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = time.Second
	}
	if o.MaxBatchEvents <= 0 {
		o.MaxBatchEvents = 10000
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: o.LockTimeout,
		// The hashmap freelist stays fast when a large, long-lived file
		// has fragmented; the array one degrades.
		FreelistType: bbolt.FreelistMapType,
		// Map 1 GiB of address space up front (not memory, and the file
		// still grows only as needed) so that growing the file rarely has
		// to remap, which waits for every read transaction.
		InitialMmapSize: 1 << 30,
	})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("bolt: open %s: %w (waited %v)", path, ErrLocked, o.LockTimeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum), errors.Is(err, berrors.ErrVersionMismatch):
		return nil, fmt.Errorf("bolt: open %s: %w: %w", path, ErrCorrupt, err)
	case err != nil:
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.epochBits == 0 {
		o.epochBits = defaultEpochBits
	}
	if o.foldAfter == 0 {
		o.foldAfter = defaultFoldAfter
	}
	if o.foldUsers <= 0 {
		o.foldUsers = defaultFoldUsers
	}
	db.NoSync = o.NoSync
	w, err := initLayout(db, o.epochBits)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	s := &Store{
		db:             db,
		path:           path,
		sealer:         o.Sealer,
		log:            o.Logger,
		maxBatchEvents: o.MaxBatchEvents,
		epochs:         w,
		queue:          make(chan *ingestRequest, 256),
		committerDone:  make(chan struct{}),
	}
	s.fold.start(s, o.foldAfter, o.foldUsers)
	go s.commitLoop()
	return s, nil
}

// initLayout creates the buckets in a new file (with epochs of width w),
// checks the layout of an existing one, upgrades one of layout 1, and
// returns the file's epoch width.
func initLayout(db *bbolt.DB, w epochs) (_ epochs, err error) {
	defer func() {
		// bbolt panics on some kinds of damaged pages; an unreadable file
		// must fail Open, not the process.
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", ErrCorrupt, r)
		}
	}()
	err = db.Update(func(tx *bbolt.Tx) error {
		if schema := tx.Bucket(bucketSchema); schema != nil {
			for _, name := range [][]byte{bucketItems, bucketEvents, bucketProfiles, bucketUsers, bucketMeta} {
				if tx.Bucket(name) == nil {
					return fmt.Errorf("%w: bucket %q is missing", ErrCorrupt, name)
				}
			}
			// Files written before encryption at rest lack the data
			// keys' bucket; it is optional in layout 1.
			if _, err := tx.CreateBucketIfNotExists(bucketKeys); err != nil {
				return err
			}
			switch v := schema.Get(keyLayout); string(v) {
			case layoutVersion:
			case layout1:
				if err := migrateLayout1(tx, w); err != nil {
					return fmt.Errorf("upgrade layout 1 to %s: %w", layoutVersion, err)
				}
			default:
				return fmt.Errorf("%w: layout version %q is not supported (this build reads %s and %s)", ErrCorrupt, v, layout1, layoutVersion)
			}
			bits := schema.Get(keyEpochBits)
			if len(bits) != 1 || bits[0] == 0 || bits[0] > 32 || tx.Bucket(bucketRecent) == nil {
				return fmt.Errorf("%w: the event log's epoch width %x or bucket is damaged", ErrCorrupt, bits)
			}
			w = epochs(bits[0])
			return nil
		}
		empty := true
		_ = tx.ForEach(func([]byte, *bbolt.Bucket) error {
			empty = false
			return nil
		})
		if !empty {
			return fmt.Errorf("%w: the file is a bbolt database of another application", ErrCorrupt)
		}
		for _, name := range [][]byte{bucketSchema, bucketItems, bucketRecent, bucketEvents, bucketProfiles, bucketUsers, bucketMeta, bucketKeys} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		schema := tx.Bucket(bucketSchema)
		if err := schema.Put(keyEpochBits, []byte{byte(w)}); err != nil {
			return err
		}
		return schema.Put(keyLayout, []byte(layoutVersion))
	})
	return w, err
}

// Path returns the file the store was opened on.
func (s *Store) Path() string { return s.path }

// Close waits for queued ingestion to commit and closes the file. Later
// calls fail.
func (s *Store) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	close(s.queue)
	s.mu.Unlock()
	<-s.committerDone
	close(s.fold.wake) // the committer, its only sender, has returned
	<-s.fold.done
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close %s: %w", s.path, err)
	}
	return nil
}

// view runs fn in a read transaction after checking ctx, turning a closed
// database into an EUNAVAILABLE error.
func (s *Store) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return storeError(s.db.View(fn))
}

// update runs fn in a write transaction after checking ctx.
func (s *Store) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return storeError(s.db.Update(fn))
}

func storeError(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return &driftrec.Error{Code: driftrec.EUNAVAILABLE, Message: "the store is closed", Err: err}
	}
	if isDiskFull(err) {
		return &driftrec.Error{Code: driftrec.EUNAVAILABLE, Message: "the store's disk is full (or its file size limit is reached): nothing was written; free space and retry", Err: err}
	}
	return err
}

// Meta returns the value stored under key.
func (s *Store) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		raw := tx.Bucket(bucketMeta).Get([]byte(key))
		if raw == nil {
			return driftrec.Errorf(driftrec.ENOTFOUND, "meta key %q not found", key)
		}
		v = append([]byte{}, raw...)
		return nil
	})
	return v, err
}

// PutMeta stores value under key.
func (s *Store) PutMeta(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return driftrec.FieldErrorf("key", "a meta key must not be empty")
	}
	return s.update(ctx, func(tx *bbolt.Tx) error {
		// bbolt keeps the slices until commit; copies keep the caller free
		// to reuse its buffer.
		return tx.Bucket(bucketMeta).Put([]byte(key), append([]byte{}, value...))
	})
}
