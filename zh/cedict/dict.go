package cedict

import (
	"iter"
	"time"
	"unicode/utf8"
)

// Source describes the all.js file a dictionary was converted from.
type Source struct {
	Size    int64
	ModTime time.Time
	SHA256  [32]byte
}

// Dict is a loaded dictionary, indexed by simplified and by traditional
// headword. It is immutable and safe for concurrent use.
type Dict struct {
	entries  []Entry
	byWord   map[string]uint32 // headword → index into spans
	spans    []span
	postings []uint32 // entry indices, grouped by headword
	maxRunes int
	source   Source
}

// span is a headword's run of entry indices in postings.
type span struct{ start, n uint32 }

// New indexes entries. The slice is kept, not copied.
func New(entries []Entry, src Source) *Dict {
	d := &Dict{entries: entries, source: src}
	// One map operation per headword form: ids are assigned on first sight,
	// counted, turned into contiguous runs of postings by a prefix sum and
	// filled in file order. Building the index is most of the load time.
	d.byWord = make(map[string]uint32, len(entries)+len(entries)/8)
	ids := make([]uint32, 2*len(entries)) // simplified, traditional id per entry
	id := func(w string) uint32 {
		k, ok := d.byWord[w]
		if !ok {
			k = uint32(len(d.spans))
			d.byWord[w] = k
			d.spans = append(d.spans, span{})
			if r := utf8.RuneCountInString(w); r > d.maxRunes {
				d.maxRunes = r
			}
		}
		d.spans[k].n++
		return k
	}
	for i := range entries {
		e := &entries[i]
		ids[2*i] = id(e.Simplified)
		ids[2*i+1] = ids[2*i]
		if e.Traditional != e.Simplified {
			ids[2*i+1] = id(e.Traditional)
		}
	}
	var next uint32
	for k := range d.spans {
		d.spans[k].start = next
		next += d.spans[k].n
		d.spans[k].n = 0
	}
	d.postings = make([]uint32, next)
	for i := range entries {
		for j, k := range ids[2*i : 2*i+2] {
			if j == 1 && k == ids[2*i] {
				break
			}
			s := &d.spans[k]
			d.postings[s.start+s.n] = uint32(i)
			s.n++
		}
	}
	return d
}

// Len is the number of entries.
func (d *Dict) Len() int { return len(d.entries) }

// Headwords is the number of distinct simplified and traditional headwords.
func (d *Dict) Headwords() int { return len(d.byWord) }

// Entry returns entry i, 0 ≤ i < Len(), in source order.
func (d *Dict) Entry(i int) *Entry { return &d.entries[i] }

// Source describes the file the dictionary was converted from.
func (d *Dict) Source() Source { return d.source }

// MaxWordRunes is the length in runes of the longest headword, the furthest
// a segmenter needs to look ahead.
func (d *Dict) MaxWordRunes() int { return d.maxRunes }

// Has reports whether word is a simplified or traditional headword.
func (d *Dict) Has(word string) bool {
	_, ok := d.byWord[word]
	return ok
}

func (d *Dict) span(word string) span {
	k, ok := d.byWord[word]
	if !ok {
		return span{}
	}
	return d.spans[k]
}

// Count returns the number of entries whose simplified or traditional form
// is word.
func (d *Dict) Count(word string) int {
	return int(d.span(word).n)
}

// Lookup yields the entries whose simplified or traditional form is word,
// in source order (CC-CEDICT sorts readings of one headword alphabetically,
// so capitalised proper-noun readings come first).
func (d *Dict) Lookup(word string) iter.Seq[*Entry] {
	s := d.span(word)
	return func(yield func(*Entry) bool) {
		for _, i := range d.postings[s.start : s.start+s.n] {
			if !yield(&d.entries[i]) {
				return
			}
		}
	}
}

// Words yields every distinct headword with its entries' indices (which the
// caller must not modify), in no particular order.
func (d *Dict) Words() iter.Seq2[string, []uint32] {
	return func(yield func(string, []uint32) bool) {
		for w, k := range d.byWord {
			s := d.spans[k]
			if !yield(w, d.postings[s.start:s.start+s.n:s.start+s.n]) {
				return
			}
		}
	}
}
