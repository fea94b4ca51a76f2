package bolt

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// CompactResult reports what Compact did.
type CompactResult struct {
	BytesBefore, BytesAfter int64
}

// Compact rewrites the database file at path so that it holds only live
// records: bbolt never shrinks a file, and the pages it frees keep the
// bytes of deleted and rewritten records until they are reused. The copy
// is written beside the file, synced, and renamed over it, so a crash
// leaves either the old file or the new one. The store must not be open
// (Compact fails with ErrLocked while a server holds it).
//
// The old file's blocks are released to the file system, not overwritten:
// on the disk itself they persist until reused, which is why deleted
// users' data is also sealed (see seal.go) and why the data directory
// belongs on an encrypted volume.
func Compact(ctx context.Context, path string) (CompactResult, error) {
	var res CompactResult
	if err := ctx.Err(); err != nil {
		return res, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return res, fmt.Errorf("bolt: compact: %w", err)
	}
	res.BytesBefore = fi.Size()
	src, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return res, fmt.Errorf("bolt: compact %s: %w (stop the server first)", path, ErrLocked)
	case err != nil:
		return res, fmt.Errorf("bolt: compact %s: %w", path, err)
	}
	defer src.Close()
	if err := src.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketSchema) == nil {
			return fmt.Errorf("%w: not a driftrec database", ErrCorrupt)
		}
		return nil
	}); err != nil {
		return res, fmt.Errorf("bolt: compact %s: %w", path, err)
	}
	tmp := path + ".compacting"
	os.Remove(tmp) // left by an interrupted run
	dst, err := bbolt.Open(tmp, 0o600, &bbolt.Options{FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return res, fmt.Errorf("bolt: compact: create %s: %w", tmp, err)
	}
	if err := bbolt.Compact(dst, src, 64<<20); err != nil {
		dst.Close()
		os.Remove(tmp)
		return res, fmt.Errorf("bolt: compact %s: %w", path, storeError(err))
	}
	if err := dst.Close(); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("bolt: compact: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return res, fmt.Errorf("bolt: compact: %w", err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync() // make the rename durable
		d.Close()
	}
	if fi, err := os.Stat(path); err == nil {
		res.BytesAfter = fi.Size()
	}
	return res, nil
}
