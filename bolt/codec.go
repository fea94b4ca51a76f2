package bolt

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/driftrec/driftrec"
)

// Record encodings. Items and events are written often and read in bulk
// (a catalogue scan at start-up, a user's history on rebuild), so they are
// compact binary records rather than JSON; each starts with a format
// version byte so that a later release can read what this one wrote. The
// key carries what it already identifies (item ID, user and sequence
// number), so the values do not repeat it. Integers are encoding/binary
// varints, floats their little-endian IEEE bits, times the seconds since
// 0001-01-01 UTC (varint) and nanoseconds (uvarint), as in the profile
// encoding.
const (
	itemFormat1  = 1
	eventFormat1 = 1

	secondsToYear1 = 62135596800
)

// appendItem encodes everything of it except its ID:
//
//	format 1 | encoder string | vector: uvarint n, n float32 | text string |
//	categories: uvarint n+1 (0 for nil), strings | created, updated time |
//	attributes: JSON object as a string, empty for none
//
// Strings are a uvarint length and the bytes.
func appendItem(b []byte, it *driftrec.EmbeddedItem) ([]byte, error) {
	var attrs []byte
	if len(it.Attributes) > 0 {
		var err error
		if attrs, err = json.Marshal(it.Attributes); err != nil {
			return nil, driftrec.FieldErrorf("attributes", "item %q: attributes are not JSON: %v", it.ID, err)
		}
	}
	b = append(b, itemFormat1)
	b = appendString(b, it.Encoder)
	b = binary.AppendUvarint(b, uint64(len(it.Vector)))
	n := len(b)
	b = slices.Grow(b, 4*len(it.Vector))[:n+4*len(it.Vector)]
	for i, x := range it.Vector {
		binary.LittleEndian.PutUint32(b[n+4*i:], math.Float32bits(x))
	}
	b = appendString(b, it.Text)
	if it.Categories == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(it.Categories))+1)
	}
	for _, c := range it.Categories {
		b = appendString(b, c)
	}
	b = appendTime(b, it.CreatedAt)
	b = appendTime(b, it.UpdatedAt)
	b = binary.AppendUvarint(b, uint64(len(attrs)))
	return append(b, attrs...), nil
}

func decodeItem(id string, data []byte) (driftrec.EmbeddedItem, error) {
	it := driftrec.EmbeddedItem{Item: driftrec.Item{ID: id}}
	d := decoder{b: data}
	if f := d.byte(); d.err == nil && f != itemFormat1 {
		return it, fmt.Errorf("item %q: record format %d is not supported (this build reads %d)", id, f, itemFormat1)
	}
	it.Encoder = d.string()
	if n := d.count(4); n >= 0 {
		raw := d.bytes(4 * n)
		if d.err == nil {
			it.Vector = make([]float32, n)
			for i := range it.Vector {
				it.Vector[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
			}
		}
	}
	it.Text = d.string()
	if n := d.nilableCount(1); n >= 0 {
		it.Categories = make([]string, n)
		for i := range it.Categories {
			it.Categories[i] = d.string()
		}
	}
	it.CreatedAt = d.time()
	it.UpdatedAt = d.time()
	if attrs := d.bytes(d.count(1)); d.err == nil && len(attrs) > 0 {
		if err := json.Unmarshal(attrs, &it.Attributes); err != nil {
			d.err = fmt.Errorf("attributes: %w", err)
		}
	}
	d.end()
	if d.err != nil {
		return it, fmt.Errorf("item %q: corrupt record: %w", id, d.err)
	}
	return it, nil
}

// appendEvent encodes an event except its user and sequence number:
//
//	format 1 | type, item, text strings | value: 0, or 1 and float64 |
//	session string | time
func appendEvent(b []byte, e *driftrec.Event) []byte {
	b = append(b, eventFormat1)
	b = appendString(b, string(e.Type))
	b = appendString(b, e.Item)
	b = appendString(b, e.Text)
	if e.Value == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.LittleEndian.AppendUint64(b, math.Float64bits(*e.Value))
	}
	b = appendString(b, e.Session)
	return appendTime(b, e.Time)
}

func decodeEvent(user string, seq uint64, data []byte) (driftrec.Event, error) {
	e := driftrec.Event{User: user, Seq: seq}
	d := decoder{b: data}
	if f := d.byte(); d.err == nil && f != eventFormat1 {
		return e, fmt.Errorf("event %d: record format %d is not supported (this build reads %d)", seq, f, eventFormat1)
	}
	e.Type = driftrec.EventType(d.string())
	e.Item = d.string()
	e.Text = d.string()
	switch d.byte() {
	case 0:
	case 1:
		if raw := d.bytes(8); d.err == nil {
			v := math.Float64frombits(binary.LittleEndian.Uint64(raw))
			e.Value = &v
		}
	default:
		d.fail(errors.New("bad value flag"))
	}
	e.Session = d.string()
	e.Time = d.time()
	d.end()
	if d.err != nil {
		return e, fmt.Errorf("event %d of user %q: corrupt record: %w", seq, user, d.err)
	}
	return e, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix()+secondsToYear1)
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// decoder reads a record. The first error sticks and later reads return
// zero values; every length is checked against the bytes left before
// anything is allocated for it.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.fail(errors.New("truncated"))
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(errors.New("truncated or overlong integer"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a length of elements of at least size bytes each; -1 on
// error.
func (d *decoder) count(size int) int {
	v := d.uvarint()
	if d.err != nil {
		return -1
	}
	if v > uint64(len(d.b)/size) {
		d.fail(fmt.Errorf("length %d does not fit in the %d bytes left", v, len(d.b)))
		return -1
	}
	return int(v)
}

// nilableCount reads a length stored as n+1 with 0 for nil; -1 for nil or
// on error.
func (d *decoder) nilableCount(size int) int {
	v := d.uvarint()
	if d.err != nil || v == 0 {
		return -1
	}
	if v-1 > uint64(len(d.b)/size) {
		d.fail(fmt.Errorf("length %d does not fit in the %d bytes left", v-1, len(d.b)))
		return -1
	}
	return int(v - 1)
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil || n < 0 {
		return nil
	}
	if n > len(d.b) {
		d.fail(fmt.Errorf("needs %d bytes, %d left", n, len(d.b)))
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	return string(d.bytes(d.count(1)))
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail(fmt.Errorf("nanoseconds %d out of range", nsec))
		return time.Time{}
	}
	return time.Unix(sec-secondsToYear1, int64(nsec)).UTC()
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(errors.New("truncated or overlong integer"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) end() {
	if d.err == nil && len(d.b) > 0 {
		d.fail(fmt.Errorf("%d unexpected trailing bytes", len(d.b)))
	}
}
