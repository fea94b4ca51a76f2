// Package importer reads catalogue items and events from CSV and JSON Lines
// files in batches, with errors that name the line and column at fault.
//
// CSV files need a header row. Items: id, text, categories (separated by
// "|"), attributes (a JSON object); only id is required. Events: user, type,
// item, text, value, session, ts (RFC 3339 or Unix seconds); user and type
// are required. Unknown columns are an error, so a typo is not silently
// ignored. JSON Lines files hold one object per line with the same field
// names as the HTTP API.
package importer

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
)

// Format is a file format.
type Format string

// The supported formats.
const (
	CSV   Format = "csv"
	JSONL Format = "jsonl"
)

// FormatOf guesses the format from a file name.
func FormatOf(name string) (Format, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return CSV, nil
	case ".jsonl", ".ndjson", ".json":
		return JSONL, nil
	}
	return "", fmt.Errorf("cannot tell the format of %q: use a .csv or .jsonl name", name)
}

// maxLine bounds one JSON line or CSV record.
const maxLine = 1 << 20

// Items reads items and calls fn with batches of up to batch items. It
// stops at the first malformed record.
func Items(r io.Reader, f Format, batch int, fn func([]driftrec.Item) error) (int, error) {
	return read(r, f, batch, []string{"id", "text", "categories", "attributes"}, []string{"id"},
		func(rec map[string]string, line int) (driftrec.Item, error) {
			it := driftrec.Item{ID: rec["id"], Text: rec["text"]}
			if c := rec["categories"]; c != "" {
				for _, part := range strings.Split(c, "|") {
					if part = strings.TrimSpace(part); part != "" {
						it.Categories = append(it.Categories, part)
					}
				}
			}
			if a := rec["attributes"]; a != "" {
				if err := json.Unmarshal([]byte(a), &it.Attributes); err != nil {
					return it, fmt.Errorf("line %d: attributes: must be a JSON object: %v", line, err)
				}
			}
			return it, it.Validate(fmt.Sprintf("line %d", line))
		},
		func(raw []byte, line int) (driftrec.Item, error) {
			var w struct {
				ID         string         `json:"id"`
				Text       string         `json:"text"`
				Categories []string       `json:"categories"`
				Attributes map[string]any `json:"attributes"`
			}
			if err := strictJSON(raw, &w); err != nil {
				return driftrec.Item{}, fmt.Errorf("line %d: %w", line, err)
			}
			it := driftrec.Item{ID: w.ID, Text: w.Text, Categories: w.Categories, Attributes: w.Attributes}
			return it, it.Validate(fmt.Sprintf("line %d", line))
		}, fn)
}

// Events reads events and calls fn with batches of up to batch events.
func Events(r io.Reader, f Format, batch int, fn func([]driftrec.Event) error) (int, error) {
	return read(r, f, batch, []string{"user", "type", "item", "text", "value", "session", "ts"}, []string{"user", "type"},
		func(rec map[string]string, line int) (driftrec.Event, error) {
			e := driftrec.Event{User: rec["user"], Type: driftrec.EventType(rec["type"]), Item: rec["item"], Text: rec["text"], Session: rec["session"]}
			if v := rec["value"]; v != "" {
				x, err := strconv.ParseFloat(v, 64)
				if err != nil {
					return e, fmt.Errorf("line %d: value: %q is not a number", line, v)
				}
				e.Value = &x
			}
			if ts := rec["ts"]; ts != "" {
				t, err := ParseTime(ts)
				if err != nil {
					return e, fmt.Errorf("line %d: ts: %w", line, err)
				}
				e.Time = t
			}
			return e, e.Validate(fmt.Sprintf("line %d", line))
		},
		func(raw []byte, line int) (driftrec.Event, error) {
			var w struct {
				User    string          `json:"user"`
				Type    string          `json:"type"`
				Item    string          `json:"item"`
				Text    string          `json:"text"`
				Value   *float64        `json:"value"`
				Session string          `json:"session"`
				TS      json.RawMessage `json:"ts"`
			}
			if err := strictJSON(raw, &w); err != nil {
				return driftrec.Event{}, fmt.Errorf("line %d: %w", line, err)
			}
			e := driftrec.Event{User: w.User, Type: driftrec.EventType(w.Type), Item: w.Item, Text: w.Text, Value: w.Value, Session: w.Session}
			if len(w.TS) > 0 && string(w.TS) != "null" {
				s := string(w.TS)
				if uq, err := strconv.Unquote(s); err == nil {
					s = uq
				}
				t, err := ParseTime(s)
				if err != nil {
					return e, fmt.Errorf("line %d: ts: %w", line, err)
				}
				e.Time = t
			}
			return e, e.Validate(fmt.Sprintf("line %d", line))
		}, fn)
}

// ParseTime accepts RFC 3339 or Unix seconds (fractions allowed).
func ParseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > 253402300799 {
		return time.Time{}, fmt.Errorf("%q is neither RFC 3339 nor Unix seconds", s)
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), nil
}

func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("invalid JSON: %v", err)
	}
	if dec.More() {
		return errors.New("more than one JSON value on the line")
	}
	return nil
}

func read[T any](r io.Reader, f Format, batch int, columns, required []string,
	fromCSV func(map[string]string, int) (T, error), fromJSON func([]byte, int) (T, error),
	fn func([]T) error) (int, error) {
	if batch <= 0 {
		batch = 1000
	}
	buf := make([]T, 0, batch)
	total := 0
	emit := func(x T) error {
		buf = append(buf, x)
		if len(buf) == batch {
			if err := fn(buf); err != nil {
				return err
			}
			total += len(buf)
			buf = make([]T, 0, batch)
		}
		return nil
	}
	var err error
	switch f {
	case CSV:
		err = readCSV(r, columns, required, fromCSV, emit)
	case JSONL:
		err = readJSONL(r, fromJSON, emit)
	default:
		err = fmt.Errorf("unknown format %q", f)
	}
	if err != nil {
		return total, err
	}
	if len(buf) > 0 {
		if err := fn(buf); err != nil {
			return total, err
		}
		total += len(buf)
	}
	return total, nil
}

func readCSV[T any](r io.Reader, columns, required []string, parse func(map[string]string, int) (T, error), emit func(T) error) error {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("header: %w", err)
	}
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		ok := false
		for _, c := range columns {
			if c == h {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("header: unknown column %q (known: %s)", h, strings.Join(columns, ", "))
		}
		names[i] = h
	}
	for _, req := range required {
		found := false
		for _, n := range names {
			if n == req {
				found = true
			}
		}
		if !found {
			return fmt.Errorf("header: the column %q is required", req)
		}
	}
	rec := make(map[string]string, len(names))
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			// A csv.ParseError already names its line.
			return err
		}
		line, _ := cr.FieldPos(0)
		if len(row) != len(names) {
			return fmt.Errorf("line %d: %d fields, the header has %d", line, len(row), len(names))
		}
		clear(rec)
		size := 0
		for i, v := range row {
			rec[names[i]] = v
			size += len(v)
		}
		if size > maxLine {
			return fmt.Errorf("line %d: record longer than %d bytes", line, maxLine)
		}
		x, err := parse(rec, line)
		if err != nil {
			return err
		}
		if err := emit(x); err != nil {
			return err
		}
	}
}

func readJSONL[T any](r io.Reader, parse func([]byte, int) (T, error), emit func(T) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		x, err := parse(raw, line)
		if err != nil {
			return err
		}
		if err := emit(x); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", line+1, maxLine)
		}
		return fmt.Errorf("line %d: %w", line+1, err)
	}
	return nil
}
