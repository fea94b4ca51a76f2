package storetest

import (
	"testing"

	"github.com/driftrec/driftrec/seal"
)

// NewKeyring returns a keyring under a fresh random master key, for
// running the suite against a store with encryption at rest.
func NewKeyring(t testing.TB) *seal.Keyring {
	t.Helper()
	text, err := seal.NewMasterKey()
	if err != nil {
		t.Fatal(err)
	}
	m, err := seal.ParseMasterKey([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return seal.NewKeyring(m)
}
