package driftrec

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Limits on catalogue items, checked by Item.Validate.
const (
	MaxIDLength       = 256
	MaxTextLength     = 64 << 10
	MaxCategories     = 64
	MaxCategoryLength = 256
)

// Item is an entry of the catalogue: something that can be recommended.
type Item struct {
	ID         string         `json:"id"`
	Text       string         `json:"text"`
	Categories []string       `json:"categories,omitempty"`
	Attributes map[string]any `json:"attributes,omitempty"`
	CreatedAt  time.Time      `json:"created_at"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

// EmbeddedItem is an item with the vector the named encoder produced for it.
type EmbeddedItem struct {
	Item
	Vector  []float32 `json:"-"`
	Encoder string    `json:"-"`
}

// Validate reports the first problem with the item as an EINVALID error
// whose field is prefixed by path (for example "[2]").
func (it *Item) Validate(path string) error {
	if err := ValidateID(path+".id", it.ID); err != nil {
		return err
	}
	if !utf8.ValidString(it.Text) {
		return FieldErrorf(path+".text", "text is not valid UTF-8")
	}
	if len(it.Text) > MaxTextLength {
		return FieldErrorf(path+".text", "text is %d bytes; the limit is %d", len(it.Text), MaxTextLength)
	}
	if len(it.Categories) > MaxCategories {
		return FieldErrorf(path+".categories", "%d categories; the limit is %d", len(it.Categories), MaxCategories)
	}
	for i, c := range it.Categories {
		if c == "" || len(c) > MaxCategoryLength || !utf8.ValidString(c) {
			return FieldErrorf(path+".categories["+itoa(i)+"]", "a category must be 1 to %d bytes of UTF-8", MaxCategoryLength)
		}
	}
	return nil
}

// HasCategory reports whether the item is in category c.
func (it *Item) HasCategory(c string) bool {
	for _, x := range it.Categories {
		if x == c {
			return true
		}
	}
	return false
}

// ValidateID checks a user, item or session identifier.
func ValidateID(field, id string) error {
	name := field
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	switch {
	case id == "":
		return FieldErrorf(field, "%s must not be empty", name)
	case len(id) > MaxIDLength:
		return FieldErrorf(field, "%s is %d bytes; the limit is %d", name, len(id), MaxIDLength)
	case !utf8.ValidString(id):
		return FieldErrorf(field, "%s is not valid UTF-8", name)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return FieldErrorf(field, "%s must not contain control characters", name)
		}
	}
	return nil
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}
