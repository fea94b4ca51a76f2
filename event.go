package driftrec

import (
	"math"
	"time"
	"unicode/utf8"
)

// EventType says what a user did.
type EventType string

// The event types driftrec understands. Their weights in the interest model
// are configuration (see interest.Config); dislike and skip are negative
// feedback, and a rating's sign depends on its value.
const (
	EventQuery     EventType = "query"
	EventView      EventType = "view"
	EventClick     EventType = "click"
	EventAddToCart EventType = "add_to_cart"
	EventPurchase  EventType = "purchase"
	EventRating    EventType = "rating"
	EventComment   EventType = "comment"
	EventLike      EventType = "like"
	EventDislike   EventType = "dislike"
	EventSkip      EventType = "skip"
)

// EventTypes returns every valid event type, in documentation order.
func EventTypes() []EventType {
	return []EventType{
		EventQuery, EventView, EventClick, EventAddToCart, EventPurchase,
		EventRating, EventComment, EventLike, EventDislike, EventSkip,
	}
}

// Valid reports whether t is one of EventTypes.
func (t EventType) Valid() bool {
	switch t {
	case EventQuery, EventView, EventClick, EventAddToCart, EventPurchase,
		EventRating, EventComment, EventLike, EventDislike, EventSkip:
		return true
	}
	return false
}

// Event is one thing a user did. It refers to an item, carries a text (a
// search query, a comment), or both.
type Event struct {
	// Seq is assigned by the store when the event is accepted; it orders a
	// user's events that share a timestamp.
	Seq     uint64    `json:"seq,omitempty"`
	User    string    `json:"user"`
	Type    EventType `json:"type"`
	Item    string    `json:"item,omitempty"`
	Text    string    `json:"text,omitempty"`
	Value   *float64  `json:"value,omitempty"`
	Session string    `json:"session,omitempty"`
	Time    time.Time `json:"ts"`
}

// Validate reports the first problem with the event as an EINVALID error
// whose field is prefixed by path. A zero Time is allowed: ingestion fills
// in the current time.
func (e *Event) Validate(path string) error {
	if err := ValidateID(path+".user", e.User); err != nil {
		return err
	}
	if !e.Type.Valid() {
		return FieldErrorf(path+".type", "unknown event type %q; valid types are query, view, click, add_to_cart, purchase, rating, comment, like, dislike, skip", string(e.Type))
	}
	if e.Item == "" && e.Text == "" {
		return FieldErrorf(path, "an event needs an item, a text or both")
	}
	if e.Item != "" {
		if err := ValidateID(path+".item", e.Item); err != nil {
			return err
		}
	}
	if !utf8.ValidString(e.Text) {
		return FieldErrorf(path+".text", "text is not valid UTF-8")
	}
	if len(e.Text) > MaxTextLength {
		return FieldErrorf(path+".text", "text is %d bytes; the limit is %d", len(e.Text), MaxTextLength)
	}
	if e.Session != "" {
		if err := ValidateID(path+".session", e.Session); err != nil {
			return err
		}
	}
	if e.Type == EventRating && e.Value == nil {
		return FieldErrorf(path+".value", "a rating event needs a value")
	}
	if e.Value != nil && (math.IsNaN(*e.Value) || math.IsInf(*e.Value, 0)) {
		return FieldErrorf(path+".value", "value must be a finite number")
	}
	return nil
}
