package seal

import (
	"context"
	"errors"
	"fmt"

	"github.com/driftrec/driftrec"
)

// metaCanary is the store's meta key for a data key wrapped under the
// master key, which tells at start-up whether the configured key is the
// store's and whether the store is sealed at all.
const metaCanary = "seal/canary"

const canaryUser = "\x00canary" // no user ID contains NUL

var errStop = errors.New("stop")

// hasUsers reports whether the store holds any user's data.
func hasUsers(ctx context.Context, st driftrec.Store) (bool, error) {
	found := false
	err := st.ScanUsers(ctx, func(string) error { found = true; return errStop })
	if err != nil && !errors.Is(err, errStop) {
		return false, err
	}
	return found, nil
}

// Bind checks that st belongs with k before a server uses it: a store
// sealed under another master key, or one that already holds unsealed
// user data, is refused with an error that says what to do. A new store
// is marked as sealed.
func Bind(ctx context.Context, st driftrec.Store, k *Keyring) error {
	canary, err := st.Meta(ctx, metaCanary)
	switch {
	case err == nil:
		if _, _, err := k.unwrap(canaryUser, canary); err != nil {
			return fmt.Errorf("seal: this store was encrypted under another master key: %w", err)
		}
		return nil
	case driftrec.ErrorCode(err) != driftrec.ENOTFOUND:
		return fmt.Errorf("seal: read the store's key check: %w", err)
	}
	used, err := hasUsers(ctx, st)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if used {
		return errors.New("seal: this store already holds unencrypted user data; encryption at rest is chosen when a store is created (export the users and import them into a new store to convert)")
	}
	w, err := k.NewUserKey(canaryUser)
	if err != nil {
		return err
	}
	if err := st.PutMeta(ctx, metaCanary, w); err != nil {
		return fmt.Errorf("seal: mark the store as encrypted: %w", err)
	}
	return nil
}

// RequireUnsealed fails when st is sealed: opening it without its master
// key would serve errors for every user.
func RequireUnsealed(ctx context.Context, st driftrec.Store) error {
	canary, err := st.Meta(ctx, metaCanary)
	switch {
	case err == nil:
		id := "unknown"
		if len(canary) > 1+idSize {
			id = fmt.Sprintf("%x", canary[1:1+idSize])
		}
		return fmt.Errorf("seal: this store is encrypted at rest; give its master key (id %s) with -master-key-file or DRIFTREC_MASTER_KEY", id)
	case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
		return nil
	}
	return fmt.Errorf("seal: read the store's key check: %w", err)
}

// Rotate re-wraps every data key in st, and the store's key check, under
// k's current master key. Run it with the new key as current and the old
// one retired; afterwards the old key can be destroyed, and with it every
// copy of a deleted user's data key that backups or free space still
// hold.
func Rotate(ctx context.Context, st driftrec.Store, k *Keyring) (int, error) {
	rw, ok := st.(driftrec.UserKeyRewrapper)
	if !ok {
		return 0, fmt.Errorf("seal: this store does not keep data keys (%T)", st)
	}
	if err := Bind(ctx, st, k); err != nil {
		return 0, err
	}
	n, err := rw.RewrapUserKeys(ctx)
	if err != nil {
		return n, err
	}
	canary, err := st.Meta(ctx, metaCanary)
	if err != nil {
		return n, fmt.Errorf("seal: %w", err)
	}
	w, changed, err := k.Rewrap(canaryUser, canary)
	if err != nil {
		return n, err
	}
	if changed {
		if err := st.PutMeta(ctx, metaCanary, w); err != nil {
			return n, fmt.Errorf("seal: %w", err)
		}
	}
	return n, nil
}
