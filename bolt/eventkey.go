package bolt

import (
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// The event log in two tiers (layout 2).
//
// New events go to the bucket "eventlog", keyed
//
//	epoch (8 bytes, big-endian) | user | 0x00 | seq (8 bytes, big-endian)
//
// where the epoch is seq >> the file's epoch bits (13 unless the schema
// bucket says otherwise: 8,192 events). Older events live in "events",
// keyed user | 0x00 | seq, where a user's events are one key range. A
// background fold (fold.go) moves whole closed epochs from the first tier
// to the second once enough have closed.
//
// Why two tiers: every group commit rewrites each B+tree page its keys
// land on, whole, before the fsync. Keyed by user alone (layout 1), a
// commit of 2,000 events from 2,000 users dirtied about 2,000 leaf pages
// spread over the whole log, and batched ingestion was bound by writing
// them. With the epoch first, a commit's keys fall in the current epoch's
// range, a few hundred pages. Measured with the bridged encoder, 20,000
// items, 10,000 users, two writers of batches of 1,000 (`driftrec bench
// -encoder auto -items 20000 -batches 1000 -clients 2`): 20,407 events/s
// keyed by user, 41,967 with 8,192-event epochs, 41,526 with 4,096, 33,730
// with 16,384, 27,144 with 65,536 (a commit's keys spread over more pages
// again), 43,052 keyed by sequence number alone. But a user's events in
// the first tier are one key range per epoch, so a reader seeks once per
// epoch; left to grow, a log of 10 million events would cost 1,221 seeks
// per user. The fold bounds that: it moves many epochs at a time, so each
// user's range in the second tier gains many events per page written, and
// a reader seeks once there and once per epoch still in the first tier.
//
// For each user with events in the first tier, the users bucket holds the
// epoch of the first of them (8 bytes, big-endian; set once, with the
// user's first event there). It only bounds where a reader starts: after
// a fold the oldest epoch left may be later.
type epochs uint

// defaultEpochBits is the epoch width of new files.
const defaultEpochBits epochs = 13

// of is the epoch of the event with sequence number seq.
func (w epochs) of(seq uint64) uint64 { return seq >> w }

// key is the first tier's key of the user's event seq.
func (w epochs) key(user string, seq uint64) []byte {
	k := make([]byte, 0, 8+len(user)+1+8)
	k = binary.BigEndian.AppendUint64(k, w.of(seq))
	k = append(k, user...)
	k = append(k, 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// parse splits a first-tier key into its user and sequence number,
// checking that its epoch matches the number.
func (w epochs) parse(k []byte) (string, uint64, error) {
	if len(k) < 8+1+1+8 || k[len(k)-9] != 0 {
		return "", 0, fmt.Errorf("bolt: event key %q is malformed", k)
	}
	seq := binary.BigEndian.Uint64(k[len(k)-8:])
	if epoch := binary.BigEndian.Uint64(k); epoch != w.of(seq) {
		return "", 0, fmt.Errorf("bolt: event key %q has epoch %d, want %d for sequence number %d", k, epoch, w.of(seq), seq)
	}
	return string(k[8 : len(k)-9]), seq, nil
}

// firstEpochValue is the users bucket's value for a user whose first event
// in the first tier is seq.
func (w epochs) firstEpochValue(seq uint64) []byte {
	return binary.BigEndian.AppendUint64(nil, w.of(seq))
}

// userKey is the second tier's key of the user's event seq.
func userKey(user string, seq uint64) []byte {
	k := make([]byte, 0, len(user)+1+8)
	k = append(append(k, user...), 0)
	return binary.BigEndian.AppendUint64(k, seq)
}

// parseUserKey splits a second-tier key into its user and sequence number.
func parseUserKey(k []byte) (string, uint64, error) {
	if len(k) < 1+1+8 || k[len(k)-9] != 0 {
		return "", 0, fmt.Errorf("bolt: event key %q is malformed", k)
	}
	return string(k[:len(k)-9]), binary.BigEndian.Uint64(k[len(k)-8:]), nil
}

// userEventRanges calls fn with each bucket and key prefix that may hold
// the user's events, oldest first: the second tier's range, then one per
// epoch of the first tier from the user's first epoch (or the oldest
// epoch left, if later) to the epoch of the latest sequence number. Every
// key under a prefix is the prefix and an 8-byte sequence number. fn may
// delete keys; the prefix is fn's only until it returns.
func (w epochs) userEventRanges(tx *bbolt.Tx, user string, fn func(b *bbolt.Bucket, prefix []byte) error) error {
	prefix := make([]byte, 8, 8+len(user)+1)
	prefix = append(append(prefix, user...), 0)
	if err := fn(tx.Bucket(bucketEvents), prefix[8:]); err != nil {
		return err
	}
	v := tx.Bucket(bucketUsers).Get([]byte(user))
	switch len(v) {
	case 0:
		return nil // unknown, or no events in the first tier
	case 8:
	default:
		return fmt.Errorf("bolt: users record of %q is %d bytes, want 0 or 8", user, len(v))
	}
	recent := tx.Bucket(bucketRecent)
	oldest, _ := recent.Cursor().First()
	if len(oldest) < 8 {
		return nil // the first tier is empty
	}
	first := max(binary.BigEndian.Uint64(v), binary.BigEndian.Uint64(oldest))
	for epoch := first; epoch <= w.of(recent.Sequence()); epoch++ {
		binary.BigEndian.PutUint64(prefix, epoch)
		if err := fn(recent, prefix); err != nil {
			return err
		}
	}
	return nil
}
