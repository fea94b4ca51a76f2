// Package keyfile reads the 32-byte secrets that driftrec takes from
// files or environment variables (the master key of encryption at rest,
// the pseudonym key): 64 hex digits or base64, in a file that only its
// owner may read.
package keyfile

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// Size is the length of a key.
const Size = 32

// New returns a fresh random key in its text form (64 hex digits).
func New() (string, error) {
	var k [Size]byte
	if _, err := rand.Read(k[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(k[:]), nil
}

// Parse reads a key written as 64 hex digits or base64 (standard or URL
// alphabet, padded or not) of 32 bytes. Surrounding white space is
// ignored.
func Parse(text []byte) ([]byte, error) {
	s := strings.TrimSpace(string(text))
	if b, err := hex.DecodeString(s); err == nil && len(b) == Size {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == Size {
			return b, nil
		}
	}
	return nil, fmt.Errorf("a key is %d bytes written as 64 hex digits or in base64", Size)
}

// Read reads a key file, refusing one that others than its owner may
// read: the keys protect every user's data.
func Read(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("key file %s has mode %v; it must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	if fi.Size() > 1024 {
		return nil, fmt.Errorf("key file %s is %d bytes; a key is 64 hex digits", path, fi.Size())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	k, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return k, nil
}
