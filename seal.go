package driftrec

import (
	"context"
	"errors"
)

// Sealer encrypts at rest what a store keeps about each user: event
// records and profiles are sealed with a data key of that user alone,
// which the store keeps beside them wrapped (encrypted) under a master key
// that never reaches the store. Deleting the user deletes the wrapped key,
// so copies of the user's records that outlive the deletion (free pages,
// dead rows, backups) cannot be read once the master key they were wrapped
// under is retired (crypto-shredding). Package seal implements it.
//
// Stores take a Sealer as an option; what they seal is documented with
// each store.
type Sealer interface {
	// NewUserKey creates a data key for user and returns it wrapped for
	// storage. The wrapping is bound to user: it unwraps under no other.
	NewUserKey(user string) (wrapped []byte, err error)
	// UserKey unwraps a stored data key of user.
	UserKey(user string, wrapped []byte) (UserKey, error)
	// Rewrap returns wrapped re-encrypted under the current master key,
	// and false (with wrapped itself) when it already was.
	Rewrap(user string, wrapped []byte) ([]byte, bool, error)
}

// UserKey seals and opens one user's records. aad (additional
// authenticated data) binds a sealed record to where it belongs — its
// user, kind and sequence number — so that a record moved to another
// place in the store fails to open instead of being read as that place's.
type UserKey interface {
	Seal(plaintext, aad []byte) []byte
	Open(sealed, aad []byte) ([]byte, error)
}

// UserKeyRewrapper is implemented by stores that keep sealed user data:
// RewrapUserKeys re-encrypts every stored data key under the sealer's
// current master key (key rotation), and reports how many changed.
type UserKeyRewrapper interface {
	RewrapUserKeys(ctx context.Context) (int, error)
}

// SealedFormat is the first byte of a sealed record. Plain records start
// with their format version (1, 2, ...) or, for profiles, the magic 'D',
// so a reader can tell them apart.
const SealedFormat = 0xE5

// ErrSealed is returned when a sealed record is read without the key to
// open it: the store was opened without its master key, or the user's data
// key has been deleted.
var ErrSealed = errors.New("the record is encrypted and its key is not available")

// IsSealed reports whether a stored record is sealed.
func IsSealed(record []byte) bool { return len(record) > 0 && record[0] == SealedFormat }

// SealRecord seals a plain record with k.
func SealRecord(k UserKey, plain, aad []byte) []byte {
	sealed := k.Seal(plain, aad)
	out := make([]byte, 1+len(sealed))
	out[0] = SealedFormat
	copy(out[1:], sealed)
	return out
}

// OpenRecord opens a record sealed by SealRecord. k may be nil, which
// fails with ErrSealed.
func OpenRecord(k UserKey, record, aad []byte) ([]byte, error) {
	if !IsSealed(record) {
		return nil, errors.New("the record is not sealed")
	}
	if k == nil {
		return nil, ErrSealed
	}
	return k.Open(record[1:], aad)
}

// SealAAD builds the additional authenticated data of a record: its kind,
// the user's storage key and, for events, the sequence number, separated
// by NUL bytes (which user IDs cannot contain).
func SealAAD(kind, user string, seq uint64) []byte {
	b := make([]byte, 0, len(kind)+len(user)+10)
	b = append(b, kind...)
	b = append(b, 0)
	b = append(b, user...)
	if seq != 0 {
		b = append(b, 0)
		for i := 7; i >= 0; i-- {
			b = append(b, byte(seq>>(8*i)))
		}
	}
	return b
}
