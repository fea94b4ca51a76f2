package driftrec

import (
	"fmt"
	"runtime/debug"
	"slices"
	"strconv"
)

// The helpers below hold the rules of Store.IngestEvents that every storage
// adapter shares, so that the adapters cannot drift apart on them.

// IngestUsers checks that every event names a valid user and returns the
// distinct users in byte order, the order in which stores lock them (one
// global order is what keeps concurrent writers free of deadlocks).
func IngestUsers(events []Event) ([]string, error) {
	users := make([]string, 0, 4)
	for i := range events {
		u := events[i].User
		if len(users) > 0 && users[len(users)-1] == u {
			continue // batches usually group a user's events
		}
		if err := ValidateID("["+strconv.Itoa(i)+"].user", u); err != nil {
			return nil, err
		}
		users = append(users, u)
	}
	slices.Sort(users)
	return slices.Compact(users), nil
}

// RunApply calls an IngestEvents apply function with current and checks
// what it returns: every profile must be non-nil, stored under its own
// User, and belong to one of users (the users of the events; a store locks
// no one else). A panic in apply comes back as an error, so that one bad
// call cannot take down a store goroutine that commits for many callers.
func RunApply(apply func(current map[string]*Profile) (map[string]*Profile, error), current map[string]*Profile, users []string) (out map[string]*Profile, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("ingest: apply panicked: %v\n%s", r, debug.Stack())
		}
	}()
	out, err = apply(current)
	if err != nil {
		return nil, fmt.Errorf("ingest: apply: %w", err)
	}
	for u, p := range out {
		switch {
		case p == nil:
			return nil, Errorf(EINTERNAL, "ingest: apply returned no profile for user %q", u)
		case p.User != u:
			return nil, Errorf(EINTERNAL, "ingest: apply returned the profile of user %q under user %q", p.User, u)
		}
		if _, ok := slices.BinarySearch(users, u); !ok {
			return nil, Errorf(EINTERNAL, "ingest: apply returned a profile for user %q, who has no event in the batch", u)
		}
	}
	return out, nil
}
