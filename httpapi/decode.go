package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
)

// readBody reads a request body whole (bounded by the MaxBytesReader the
// server installs).
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, driftrec.Errorf(driftrec.EINVALID, "reading the request body: %v", err)
	}
	return b, nil
}

// decodeStrict decodes one JSON value into v, rejecting unknown fields and
// trailing data, and turns decoding errors into field-level EINVALID errors
// under the path prefix.
func decodeStrict(data []byte, v any, prefix string) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, prefix)
	}
	if dec.More() {
		return driftrec.FieldErrorf(prefix, "unexpected data after the JSON value")
	}
	if _, err := dec.Token(); err != io.EOF {
		return driftrec.FieldErrorf(prefix, "unexpected data after the JSON value")
	}
	return nil
}

// decodeArray decodes a JSON array of objects element by element, so that
// errors name the element's index ("[3].ts").
func decodeArray[T any](data []byte, max int, what string) ([]T, error) {
	var raws []json.RawMessage
	if err := decodeStrict(data, &raws, ""); err != nil {
		var e *driftrec.Error
		if errors.As(err, &e) && e.Field == "" {
			e.Message = fmt.Sprintf("the body must be a JSON array of %s: %s", what, e.Message)
		}
		return nil, err
	}
	if raws == nil {
		return nil, driftrec.FieldErrorf("", "the body must be a JSON array of %s, got null", what)
	}
	if len(raws) == 0 {
		return nil, driftrec.FieldErrorf("", "the array of %s is empty", what)
	}
	if max > 0 && len(raws) > max {
		return nil, driftrec.Errorf(driftrec.ETOOLARGE, "%d %s in one request; the limit is %d", len(raws), what, max)
	}
	out := make([]T, len(raws))
	for i, raw := range raws {
		if err := decodeStrict(raw, &out[i], fmt.Sprintf("[%d]", i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// jsonError converts an encoding/json error into an EINVALID error.
func jsonError(err error, prefix string) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var fe *driftrec.Error
	switch {
	case errors.As(err, &fe):
		if prefix != "" {
			fe.Field = joinPath(prefix, fe.Field)
		}
		return fe
	case errors.As(err, &syn):
		return driftrec.FieldErrorf(prefix, "malformed JSON at byte %d: %v", syn.Offset, syn)
	case errors.As(err, &typ):
		field := joinPath(prefix, typ.Field)
		return driftrec.FieldErrorf(field, "expected %s, got JSON %s", typeName(typ.Type.String()), typ.Value)
	case errors.Is(err, io.EOF):
		return driftrec.FieldErrorf(prefix, "empty body: expected JSON")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return driftrec.FieldErrorf(prefix, "truncated JSON")
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		name, _ := strconv.Unquote(f)
		if name == "" {
			name = f
		}
		return driftrec.FieldErrorf(joinPath(prefix, name), "unknown field %s", f)
	}
	return driftrec.FieldErrorf(prefix, "invalid JSON: %s", strings.TrimPrefix(msg, "json: "))
}

func joinPath(prefix, field string) string {
	switch {
	case prefix == "":
		return field
	case field == "":
		return prefix
	}
	return prefix + "." + field
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "httpapi."), strings.Contains(goType, "struct"):
		return "an object"
	case strings.HasPrefix(goType, "float"), strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "uint"):
		return "a number"
	case goType == "string":
		return "a string"
	case goType == "bool":
		return "true or false"
	}
	return goType
}

// itemJSON is an item on the wire.
type itemJSON struct {
	ID         string         `json:"id"`
	Text       string         `json:"text"`
	Categories []string       `json:"categories"`
	Attributes map[string]any `json:"attributes"`
}

// eventJSON is an event on the wire. ts is an RFC 3339 string or a Unix
// time in seconds (fractions allowed).
type eventJSON struct {
	User    string    `json:"user"`
	Type    string    `json:"type"`
	Item    string    `json:"item"`
	Text    string    `json:"text"`
	Value   *float64  `json:"value"`
	Session string    `json:"session"`
	TS      timestamp `json:"ts"`
}

func (e *eventJSON) event() driftrec.Event {
	return driftrec.Event{
		User: e.User, Type: driftrec.EventType(e.Type), Item: e.Item, Text: e.Text,
		Value: e.Value, Session: e.Session, Time: time.Time(e.TS),
	}
}

// timestamp accepts RFC 3339 strings and Unix seconds.
type timestamp time.Time

// UnmarshalJSON implements json.Unmarshaler.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		return nil
	}
	if len(s) > 0 && s[0] == '"' {
		str, err := strconv.Unquote(s)
		if err != nil {
			return driftrec.FieldErrorf("ts", "invalid timestamp string")
		}
		if str == "" {
			return nil
		}
		v, err := time.Parse(time.RFC3339Nano, str)
		if err != nil {
			return driftrec.FieldErrorf("ts", "timestamp %q is not RFC 3339 (e.g. 2026-11-28T10:00:00Z) nor Unix seconds", str)
		}
		*t = timestamp(v.UTC())
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return driftrec.FieldErrorf("ts", "timestamp must be an RFC 3339 string or Unix seconds")
	}
	// Unix seconds within year 1970..9999; milliseconds are a common mistake.
	if f < 0 || f > 253402300799 {
		return driftrec.FieldErrorf("ts", "timestamp %s is out of range for Unix seconds (did you send milliseconds?)", s)
	}
	sec, frac := math.Modf(f)
	*t = timestamp(time.Unix(int64(sec), int64(frac*1e9)).UTC())
	return nil
}
