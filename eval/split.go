package eval

import (
	"cmp"
	"slices"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
)

// Phase says what role an event plays in the protocol.
type Phase uint8

// The phases. Context events (tags, queries) are replayed but never
// predicted.
const (
	PhaseTrain Phase = iota
	PhaseValid
	PhaseTest
	PhaseContext
)

func (p Phase) String() string {
	return [...]string{"train", "valid", "test", "context"}[p]
}

// UserSplit is one user's leave-last-two split, as indices into
// Dataset.Interactions.
type UserSplit struct {
	User  string
	Train []int
	Valid int
	Test  int
}

// SplitLeaveLastTwo applies the protocol's split: per user, interactions
// sorted by (timestamp, file order); the last is the test event, the one
// before it the validation event, the rest are training. Users with fewer
// than three interactions are not evaluated (their events stay in the
// replay as training). Users are returned in order of first appearance.
func SplitLeaveLastTwo(d *dataset.Dataset) (evaluated []UserSplit, phase []Phase) {
	byUser := map[string][]int{}
	var order []string
	for i := range d.Interactions {
		u := d.Interactions[i].User
		if _, ok := byUser[u]; !ok {
			order = append(order, u)
		}
		byUser[u] = append(byUser[u], i)
	}
	phase = make([]Phase, len(d.Interactions))
	for _, u := range order {
		idx := byUser[u]
		slices.SortStableFunc(idx, func(a, b int) int {
			x, y := &d.Interactions[a], &d.Interactions[b]
			if c := x.Time.Compare(y.Time); c != 0 {
				return c
			}
			return cmp.Compare(x.Order, y.Order)
		})
		if len(idx) < 3 {
			continue
		}
		n := len(idx)
		phase[idx[n-2]] = PhaseValid
		phase[idx[n-1]] = PhaseTest
		evaluated = append(evaluated, UserSplit{User: u, Train: idx[:n-2], Valid: idx[n-2], Test: idx[n-1]})
	}
	return evaluated, phase
}

// Step is one event of the replay.
type Step struct {
	Event driftrec.Event
	Phase Phase
	// User indexes Timeline.Users, or is -1 for a user who is not
	// evaluated.
	User int
	// Probe marks the training events before which the stability of the
	// user's list is sampled.
	Probe bool
}

// Timeline is the protocol's replay: every event of every user in global
// time order, so that anything global (popularity) only sees the past.
type Timeline struct {
	Steps []Step
	Users []UserSplit
	// Catalogue is the set of rankable items: every item that appears in
	// an interaction, sorted by ID.
	Catalogue []string
	// TrainCount is each catalogue item's number of training
	// interactions (all users).
	TrainCount map[string]int
	TrainTotal int
	// TrainLen is each evaluated user's number of training interactions.
	TrainLen []int
	// ValidAt is each evaluated user's validation time: the end of the
	// user's training period.
	ValidAt map[string]time.Time
}

// NewTimeline splits d and orders its events: by timestamp, then
// interactions before context events (so a tag applied in the same second
// as a held-out rating is not seen before it is predicted), then file
// order. probes is the number of each user's last training interactions
// before which the list is sampled for the stability metric. Ratings
// become rating events with their value; context events keep their type
// and text but not their item, so that a tag does not mark its movie as
// seen (the protocol excludes only the items the user interacted with).
func NewTimeline(d *dataset.Dataset, probes int) *Timeline {
	users, phase := SplitLeaveLastTwo(d)
	tl := &Timeline{Users: users, TrainCount: map[string]int{}, ValidAt: map[string]time.Time{}}
	userIdx := make(map[string]int, len(users))
	probe := map[int]bool{}
	tl.TrainLen = make([]int, len(users))
	for i, u := range users {
		userIdx[u.User] = i
		tl.TrainLen[i] = len(u.Train)
		tl.ValidAt[u.User] = d.Interactions[u.Valid].Time
		for _, j := range u.Train[max(0, len(u.Train)-probes):] {
			probe[j] = true
		}
	}
	type keyed struct {
		t     time.Time
		kind  int
		order int
		step  Step
	}
	all := make([]keyed, 0, len(d.Interactions)+len(d.Context))
	inCat := map[string]bool{}
	for i := range d.Interactions {
		x := &d.Interactions[i]
		if !inCat[x.Item] {
			inCat[x.Item] = true
			tl.Catalogue = append(tl.Catalogue, x.Item)
		}
		if phase[i] == PhaseTrain {
			tl.TrainCount[x.Item]++
			tl.TrainTotal++
		}
		ev := driftrec.Event{User: x.User, Type: x.Type, Item: x.Item, Text: x.Text, Session: x.Session, Time: x.Time}
		if x.HasValue {
			v := x.Value
			ev.Value = &v
		}
		u, ok := userIdx[x.User]
		if !ok {
			u = -1
		}
		all = append(all, keyed{x.Time, 0, x.Order, Step{Event: ev, Phase: phase[i], User: u, Probe: probe[i]}})
	}
	for i := range d.Context {
		x := &d.Context[i]
		ev := driftrec.Event{User: x.User, Type: x.Type, Text: x.Text, Session: x.Session, Time: x.Time}
		if ev.Text == "" {
			// Negative feedback on an item has no text: it needs its item.
			ev.Item = x.Item
		}
		if x.HasValue {
			v := x.Value
			ev.Value = &v
		}
		u, ok := userIdx[x.User]
		if !ok {
			u = -1
		}
		all = append(all, keyed{x.Time, 1, x.Order, Step{Event: ev, Phase: PhaseContext, User: u}})
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		if c := a.t.Compare(b.t); c != 0 {
			return c
		}
		if a.kind != b.kind {
			return cmp.Compare(a.kind, b.kind)
		}
		return cmp.Compare(a.order, b.order)
	})
	tl.Steps = make([]Step, len(all))
	for i := range all {
		tl.Steps[i] = all[i].step
	}
	slices.Sort(tl.Catalogue)
	return tl
}
