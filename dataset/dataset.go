// Package dataset loads interaction logs for driftrec's offline evaluation
// into one shape: a catalogue of items, the users' interactions with items
// (the events a recommender must predict), and context events (tags,
// queries, comments, dislikes) that are replayed but never predicted.
//
// Supported sources:
//   - MovieLens "latest" releases (ml-latest-small, ml-latest): ratings.csv,
//     movies.csv and, when present, tags.csv;
//   - MovieLens 100K: u.data (tab-separated) and u.item (pipe-separated,
//     Latin-1) with the genre names of u.genre;
//   - MovieLens 1M: ratings.dat and movies.dat ("::"-separated, Latin-1);
//   - driftrec's own event log, the importer's format (JSON Lines or CSV:
//     user, type, item, text, value, session, ts), with an optional items
//     file (id, text, categories).
//
// Every record keeps its position in its file (Order), because the
// evaluation protocol breaks ties between equal timestamps by file order.
// Readers bound the length of a line and name the file and line of the
// first malformed record; they never panic on bad input.
package dataset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
)

// Item is a catalogue entry.
type Item struct {
	ID string
	// Title is the item's name (MovieLens: the title with its year; event
	// logs: the items file's text).
	Title string
	// Genres are the item's categories.
	Genres []string
}

// Interaction is a user acting on an item: the events the evaluation holds
// out and predicts.
type Interaction struct {
	User string
	Item string
	Type driftrec.EventType
	// Value is the rating, or the event's value when it has one.
	Value    float64
	HasValue bool
	// Text is the event's text, for logged events that carry one.
	Text    string
	Session string
	Time    time.Time
	// Order is the record's position in its source, counted from 0.
	Order int
}

// ContextEvent is an event that is replayed but never predicted: something
// a user wrote or applied (a MovieLens tag, a search query, a comment), or
// negative feedback on an item (a dislike, a skip). Item is the item it was
// about, if any.
type ContextEvent struct {
	User     string
	Item     string
	Type     driftrec.EventType
	Text     string
	Value    float64
	HasValue bool
	Session  string
	Time     time.Time
	Order    int
}

// Dataset is a loaded source.
type Dataset struct {
	// Name identifies the source ("ml-latest-small", "ml-100k", a file name).
	Name         string
	Items        []Item
	Interactions []Interaction
	// Context holds the events that are replayed but not predicted.
	Context []ContextEvent
}

// ItemIndex maps item IDs to positions in Items.
func (d *Dataset) ItemIndex() map[string]int {
	m := make(map[string]int, len(d.Items))
	for i := range d.Items {
		m[d.Items[i].ID] = i
	}
	return m
}

// Load reads the dataset at path: a MovieLens folder (recognised by its
// files) or an event log file, with itemsPath naming an optional items
// file for event logs.
func Load(path, itemsPath string) (*Dataset, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	if !st.IsDir() {
		return LoadEventLog(path, itemsPath)
	}
	if itemsPath != "" {
		return nil, fmt.Errorf("dataset: an items file goes with an event log, not with the folder %s", path)
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(path, name))
		return err == nil
	}
	switch {
	case exists("ratings.csv"):
		return LoadMovieLensLatest(path)
	case exists("u.data"):
		return LoadML100K(path)
	case exists("ratings.dat"):
		return LoadML1M(path)
	}
	return nil, fmt.Errorf("dataset: %s holds no ratings.csv (ml-latest), u.data (ml-100k) or ratings.dat (ml-1m)", path)
}

// datasetName names a dataset after its folder.
func datasetName(dir string) string {
	return filepath.Base(filepath.Clean(dir))
}

// openIn opens a file of a dataset folder.
func openIn(dir, name string) (*os.File, error) {
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	return f, nil
}

// splitGenres splits MovieLens's "A|B|C" genre lists; "(no genres listed)"
// is no genre.
func splitGenres(s string) []string {
	if s == "" || s == "(no genres listed)" {
		return nil
	}
	var out []string
	for _, g := range strings.Split(s, "|") {
		if g = strings.TrimSpace(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}
