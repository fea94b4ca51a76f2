package dataset

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/importer"
)

// LoadEventLog reads an event log in the importer's format (JSON Lines or
// CSV, chosen by the file name) and, when itemsPath is not empty, an items
// file in the importer's item format.
//
// Events on an item are interactions, except negative feedback (dislike,
// skip), which is context; events without an item (queries) are context.
// Every event needs a timestamp, since the evaluation orders by time.
// Without an items file the catalogue is the items the events name, with
// no text.
func LoadEventLog(eventsPath, itemsPath string) (*Dataset, error) {
	f, err := os.Open(eventsPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	format, err := importer.FormatOf(eventsPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	d := &Dataset{Name: filepath.Base(eventsPath)}
	if err := readEventLog(f, format, filepath.Base(eventsPath), d); err != nil {
		return nil, err
	}
	if itemsPath == "" {
		seen := map[string]bool{}
		add := func(id string) {
			if id != "" && !seen[id] {
				seen[id] = true
				d.Items = append(d.Items, Item{ID: id})
			}
		}
		for _, x := range d.Interactions {
			add(x.Item)
		}
		for _, x := range d.Context {
			add(x.Item)
		}
		return d, nil
	}
	g, err := os.Open(itemsPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer g.Close()
	iformat, err := importer.FormatOf(itemsPath)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	d.Items, err = ReadItems(g, iformat, filepath.Base(itemsPath))
	if err != nil {
		return nil, err
	}
	return d, nil
}

// ReadEvents reads an event log into a dataset without items.
func ReadEvents(r io.Reader, f importer.Format, name string) (*Dataset, error) {
	d := &Dataset{Name: name}
	if err := readEventLog(r, f, name, d); err != nil {
		return nil, err
	}
	return d, nil
}

func readEventLog(r io.Reader, f importer.Format, name string, d *Dataset) error {
	order := 0
	_, err := importer.Events(r, f, 1000, func(evs []driftrec.Event) error {
		for _, ev := range evs {
			if ev.Time.IsZero() {
				return fmt.Errorf("event %d (user %q): no timestamp; the evaluation orders events by time", order+1, ev.User)
			}
			value, has := 0.0, ev.Value != nil
			if has {
				value = *ev.Value
			}
			negative := ev.Type == driftrec.EventDislike || ev.Type == driftrec.EventSkip
			if ev.Item != "" && !negative {
				d.Interactions = append(d.Interactions, Interaction{
					User: ev.User, Item: ev.Item, Type: ev.Type, Value: value, HasValue: has,
					Text: ev.Text, Session: ev.Session, Time: ev.Time.UTC(), Order: order,
				})
			} else {
				d.Context = append(d.Context, ContextEvent{
					User: ev.User, Item: ev.Item, Type: ev.Type, Text: ev.Text, Value: value, HasValue: has,
					Session: ev.Session, Time: ev.Time.UTC(), Order: order,
				})
			}
			order++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("dataset: %s: %w", name, err)
	}
	return nil
}

// ReadItems reads an items file in the importer's format.
func ReadItems(r io.Reader, f importer.Format, name string) ([]Item, error) {
	var out []Item
	_, err := importer.Items(r, f, 1000, func(items []driftrec.Item) error {
		for _, it := range items {
			out = append(out, Item{ID: it.ID, Title: it.Text, Genres: it.Categories})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dataset: %s: %w", name, err)
	}
	return out, nil
}
