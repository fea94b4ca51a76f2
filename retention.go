package driftrec

import (
	"context"
	"time"
)

// TextExpirer is implemented by stores that can forget old event texts,
// for a retention policy: ExpireEventTexts removes the text (the search
// query, the comment) of every stored event older than before, keeping
// the rest of the event (type, item, value, session, time) and its place
// in the log, and reports how many events it changed. Profiles are not
// touched; the engine strips their remembered texts itself.
type TextExpirer interface {
	ExpireEventTexts(ctx context.Context, before time.Time) (int, error)
}
