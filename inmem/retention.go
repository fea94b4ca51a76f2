package inmem

import (
	"context"
	"time"

	"github.com/driftrec/driftrec"
)

var _ driftrec.TextExpirer = (*Store)(nil)

// ExpireEventTexts removes the text of every event older than before.
// UserEvents reads a user's log without the lock (it only grows by
// appending), so a changed log is a new slice rather than an edit in
// place.
func (s *Store) ExpireEventTexts(ctx context.Context, before time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.ready(ctx); err != nil {
		return 0, err
	}
	n := 0
	for u, evs := range s.events {
		var out []driftrec.Event
		for i := range evs {
			if evs[i].Text == "" || !evs[i].Time.Before(before) {
				continue
			}
			if out == nil {
				out = append(make([]driftrec.Event, 0, len(evs)), evs...)
			}
			out[i].Text = ""
			n++
		}
		if out != nil {
			s.events[u] = out
		}
	}
	return n, nil
}
