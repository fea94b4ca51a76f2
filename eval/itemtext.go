package eval

import (
	"strings"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
)

// CatalogueItems builds the engine's catalogue: every rankable item, with
// the text title + genres + the tags users applied to it during their
// training period. A tag counts only if the user who applied it did so
// before that user's validation event (or the user is not evaluated), so
// no held-out period leaks into the item texts. Tags are lower-cased for
// de-duplication and kept in order of first use.
func CatalogueItems(d *dataset.Dataset, tl *Timeline) []driftrec.Item {
	meta := d.ItemIndex()
	tags := map[string][]string{}
	seen := map[string]map[string]bool{}
	for i := range d.Context {
		x := &d.Context[i]
		if x.Item == "" || x.Text == "" {
			continue
		}
		if at, ok := tl.ValidAt[x.User]; ok && !x.Time.Before(at) {
			continue
		}
		key := strings.ToLower(strings.TrimSpace(x.Text))
		if seen[x.Item] == nil {
			seen[x.Item] = map[string]bool{}
		}
		if seen[x.Item][key] {
			continue
		}
		seen[x.Item][key] = true
		tags[x.Item] = append(tags[x.Item], strings.TrimSpace(x.Text))
	}
	items := make([]driftrec.Item, 0, len(tl.Catalogue))
	for _, id := range tl.Catalogue {
		var b strings.Builder
		it := driftrec.Item{ID: id}
		if j, ok := meta[id]; ok {
			m := &d.Items[j]
			b.WriteString(m.Title)
			if len(m.Genres) > 0 {
				b.WriteString(". ")
				b.WriteString(strings.Join(m.Genres, ", "))
			}
			it.Categories = m.Genres
		}
		if ts := tags[id]; len(ts) > 0 {
			b.WriteString(". Tags: ")
			b.WriteString(strings.Join(ts, ", "))
		}
		it.Text = truncateUTF8(b.String(), driftrec.MaxTextLength)
		if it.Text == "" {
			it.Text = id
		}
		items = append(items, it)
	}
	return items
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
