// Package seal implements driftrec.Sealer: encryption at rest with
// AES-256-GCM from the standard library, per-user data keys, and master
// keys that wrap them.
//
// # Keys
//
// A master key is 32 random bytes that the operator keeps outside the
// data directory (a file readable only by its owner, or an environment
// variable); Keyring holds the current one and, during a rotation, retired
// ones that can still unwrap. Each user gets a random 32-byte data key the
// first time a store writes for them; the store keeps it wrapped:
//
//	wrapped key = 1 (format) | master key ID (8 bytes) | nonce (12) |
//	              AES-256-GCM(master, data key, aad = "driftrec data key v1" 0x00 user)
//
// The master key ID is the first 8 bytes of SHA-256 over a fixed label and
// the key, so a store can say which master key it needs without revealing
// anything about it. Binding the wrapping to the user (the storage key,
// a pseudonym when pseudonyms are on) means a wrapped key copied to
// another user's row does not unwrap.
//
// # Records
//
// A data key seals a record as nonce (12 random bytes) | ciphertext | tag
// with the caller's additional data. Random 96-bit nonces are safe for far
// more records than one user produces (the bound is about 2³² per key).
//
// Why AES-GCM and not a library: the standard library's implementation
// uses the CPU's AES and carry-less multiplication instructions, is
// constant-time, and is what every other choice would wrap.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/internal/keyfile"
)

// KeySize is the size of master and data keys: AES-256.
const KeySize = 32

const (
	wrapFormat1 = 1
	idSize      = 8
	nonceSize   = 12
	// WrappedSize is the length of a wrapped data key.
	WrappedSize = 1 + idSize + nonceSize + KeySize + 16
)

var wrapLabel = []byte("driftrec data key v1")

// MasterKey wraps data keys.
type MasterKey struct {
	id   [idSize]byte
	aead cipher.AEAD
}

// ID returns the key's public identifier (hex), for messages and logs.
func (m *MasterKey) ID() string { return hex.EncodeToString(m.id[:]) }

// NewMasterKey returns a fresh master key in its text form (64 hex
// digits), for a key file or an environment variable.
func NewMasterKey() (string, error) {
	k, err := keyfile.New()
	if err != nil {
		return "", fmt.Errorf("seal: %w", err)
	}
	return k, nil
}

// ParseMasterKey reads a master key written as 64 hex digits or as
// base64 (standard or URL alphabet, padded or not) of 32 bytes.
// Surrounding white space is ignored.
func ParseMasterKey(text []byte) (*MasterKey, error) {
	raw, err := keyfile.Parse(text)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w (make one with \"driftrec masterkey new\")", err)
	}
	return MasterKeyFrom(raw)
}

// MasterKeyFrom returns the master key of 32 raw bytes.
func MasterKeyFrom(raw []byte) (*MasterKey, error) {
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	h := sha256.New()
	h.Write([]byte("driftrec master key id\x00"))
	h.Write(raw)
	m := &MasterKey{aead: aead}
	copy(m.id[:], h.Sum(nil))
	return m, nil
}

// LoadMasterKey reads a master key file, which only its owner may read.
func LoadMasterKey(path string) (*MasterKey, error) {
	raw, err := keyfile.Read(path)
	if err != nil {
		return nil, fmt.Errorf("seal: master key: %w", err)
	}
	return MasterKeyFrom(raw)
}

// Keyring is a driftrec.Sealer: it wraps new data keys under the current
// master key and unwraps under any of its keys.
type Keyring struct {
	current *MasterKey
	byID    map[[idSize]byte]*MasterKey
}

var _ driftrec.Sealer = (*Keyring)(nil)

// NewKeyring returns a keyring that wraps with current and also unwraps
// keys wrapped under retired ones (during a rotation).
func NewKeyring(current *MasterKey, retired ...*MasterKey) *Keyring {
	k := &Keyring{current: current, byID: map[[idSize]byte]*MasterKey{current.id: current}}
	for _, m := range retired {
		if m != nil {
			if _, ok := k.byID[m.id]; !ok {
				k.byID[m.id] = m
			}
		}
	}
	return k
}

// Current returns the master key new wrappings use.
func (k *Keyring) Current() *MasterKey { return k.current }

func wrapAAD(user string) []byte {
	b := make([]byte, 0, len(wrapLabel)+1+len(user))
	b = append(b, wrapLabel...)
	b = append(b, 0)
	return append(b, user...)
}

// NewUserKey creates and wraps a data key for user.
func (k *Keyring) NewUserKey(user string) ([]byte, error) {
	var dk [KeySize]byte
	if _, err := rand.Read(dk[:]); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return k.wrap(user, dk[:])
}

func (k *Keyring) wrap(user string, dk []byte) ([]byte, error) {
	out := make([]byte, 1+idSize+nonceSize, WrappedSize)
	out[0] = wrapFormat1
	copy(out[1:], k.current.id[:])
	nonce := out[1+idSize:]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return k.current.aead.Seal(out, nonce, dk, wrapAAD(user)), nil
}

// unwrap returns the data key inside wrapped and the master key that
// wrapped it.
func (k *Keyring) unwrap(user string, wrapped []byte) ([]byte, *MasterKey, error) {
	if len(wrapped) != WrappedSize || wrapped[0] != wrapFormat1 {
		return nil, nil, fmt.Errorf("seal: the stored data key is malformed (%d bytes)", len(wrapped))
	}
	var id [idSize]byte
	copy(id[:], wrapped[1:])
	m, ok := k.byID[id]
	if !ok {
		return nil, nil, fmt.Errorf("seal: the data key is wrapped under master key %x, which is not configured (current: %s)", id, k.current.ID())
	}
	nonce := wrapped[1+idSize : 1+idSize+nonceSize]
	dk, err := m.aead.Open(nil, nonce, wrapped[1+idSize+nonceSize:], wrapAAD(user))
	if err != nil {
		return nil, nil, fmt.Errorf("seal: the data key does not unwrap for this user under master key %s: it was altered or belongs to another user", m.ID())
	}
	return dk, m, nil
}

// UserKey unwraps a stored data key.
func (k *Keyring) UserKey(user string, wrapped []byte) (driftrec.UserKey, error) {
	dk, _, err := k.unwrap(user, wrapped)
	if err != nil {
		return nil, err
	}
	return NewDataKey(dk)
}

// Rewrap re-encrypts wrapped under the current master key.
func (k *Keyring) Rewrap(user string, wrapped []byte) ([]byte, bool, error) {
	dk, m, err := k.unwrap(user, wrapped)
	if err != nil {
		return nil, false, err
	}
	if m == k.current {
		return wrapped, false, nil
	}
	w, err := k.wrap(user, dk)
	return w, err == nil, err
}

// DataKey seals records with AES-256-GCM and random nonces.
type DataKey struct {
	aead cipher.AEAD
}

// NewDataKey returns the sealer of a 32-byte data key.
func NewDataKey(key []byte) (*DataKey, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("seal: a data key is %d bytes, got %d", KeySize, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &DataKey{aead: aead}, nil
}

// Seal returns nonce | ciphertext | tag.
func (d *DataKey) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, nonceSize, nonceSize+len(plaintext)+d.aead.Overhead())
	if _, err := rand.Read(out); err != nil {
		// crypto/rand does not fail on supported systems (it panics
		// inside the runtime if the kernel's source is gone).
		panic(fmt.Sprintf("seal: crypto/rand failed: %v", err))
	}
	return d.aead.Seal(out, out, plaintext, aad)
}

// Open checks and decrypts what Seal returned.
func (d *DataKey) Open(sealed, aad []byte) ([]byte, error) {
	if len(sealed) < nonceSize+d.aead.Overhead() {
		return nil, errors.New("seal: sealed record is truncated")
	}
	out, err := d.aead.Open(nil, sealed[:nonceSize], sealed[nonceSize:], aad)
	if err != nil {
		return nil, errors.New("seal: sealed record failed authentication (altered, truncated, or moved from another place)")
	}
	return out, nil
}
