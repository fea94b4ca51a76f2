package driftrec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// The binary encoding of a Profile is what storage adapters persist. It is
// versioned so that a store written by one release can be read by the next;
// a decoder that meets a version it does not know fails instead of guessing.
//
// Layout of version 2 (all integers little-endian; "uvarint" and "varint"
// are encoding/binary's variable-length forms, varint zig-zag encoded):
//
//	magic 'D' 'P', version byte 2
//	User, Encoder        string: uvarint length, bytes
//	Version              uvarint
//	Updated              time: varint seconds since 0001-01-01 UTC, uvarint nanoseconds
//	Events               varint
//	NextInterestID       uvarint
//	Interests            list of: ID uvarint, Sum vector, Mass, Importance float64 bits,
//	                     Count varint, Created, Updated time, Exemplars refs,
//	                     Trace list of (time, float64)
//	Short                Session string, Sum vector, Weight float64, Updated time, Events refs
//	Negative             Sum vector, Weight float64, Updated time, Events refs
//	Recent               refs
//	Seen                 list of strings in strictly increasing byte order
//
// A list or vector starts with uvarint(n+1), where 0 stands for nil, so that
// nil and empty survive a round trip and decoded profiles compare equal to
// the originals field by field. A vector is n float32 bit patterns (NaN
// payloads included). A ref is Type, Item, Text strings, Time, Weight and
// Affinity as float32 bits. Version 1 refs carried a vector after Weight
// instead of Affinity; the decoder still reads them and drops the vector.
//
// Every length is checked against the bytes that remain before anything is
// allocated, so a hostile or corrupt record cannot make the decoder allocate
// more than a small multiple of its own size.
const (
	profileMagic0   = 'D'
	profileMagic1   = 'P'
	profileVersion1 = 1
	profileVersion2 = 2
)

// Minimum encoded sizes of repeated elements, used to reject counts that the
// remaining bytes cannot possibly hold before allocating for them.
const (
	minRefSize      = 3 + 2 + 4 + 1                     // three empty strings, time, weight, then affinity (v2: 4) or nil vector (v1: 1)
	minTraceSize    = 2 + 8                             // time, importance
	minInterestSize = 1 + 1 + 8 + 8 + 1 + 2 + 2 + 1 + 1 // ID .. Trace
)

// secondsToYear1 converts Unix seconds into seconds since 0001-01-01 UTC, the
// zero of time.Time, so that a zero time encodes in two bytes.
const secondsToYear1 = 62135596800

var errProfileMagic = errors.New("not an encoded profile (bad magic bytes)")

// MarshalBinary encodes p in the versioned binary form described above. The
// encoding is deterministic: equal profiles encode to equal bytes (the Seen
// set is written in sorted order). Times keep nanosecond precision; their
// location and monotonic reading are not kept.
func (p *Profile) MarshalBinary() ([]byte, error) {
	return p.AppendBinary(make([]byte, 0, p.encodedSizeBound()))
}

// AppendBinary appends the encoding of p to b, so that callers that encode
// many profiles can reuse one buffer.
func (p *Profile) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, profileMagic0, profileMagic1, profileVersion2)
	b = appendString(b, p.User)
	b = appendString(b, p.Encoder)
	b = binary.AppendUvarint(b, p.Version)
	b = appendTime(b, p.Updated)
	b = binary.AppendVarint(b, int64(p.Events))
	b = binary.AppendUvarint(b, uint64(p.NextInterestID))

	b = appendLen(b, p.Interests == nil, len(p.Interests))
	for i := range p.Interests {
		in := &p.Interests[i]
		b = binary.AppendUvarint(b, uint64(in.ID))
		b = appendVector(b, in.Sum)
		b = appendFloat64(b, in.Mass)
		b = appendFloat64(b, in.Importance)
		b = binary.AppendVarint(b, int64(in.Count))
		b = appendTime(b, in.Created)
		b = appendTime(b, in.Updated)
		b = appendRefs(b, in.Exemplars)
		b = appendLen(b, in.Trace == nil, len(in.Trace))
		for _, tp := range in.Trace {
			b = appendTime(b, tp.Time)
			b = appendFloat64(b, tp.Importance)
		}
	}

	b = appendString(b, p.Short.Session)
	b = appendVector(b, p.Short.Sum)
	b = appendFloat64(b, p.Short.Weight)
	b = appendTime(b, p.Short.Updated)
	b = appendRefs(b, p.Short.Events)

	b = appendVector(b, p.Negative.Sum)
	b = appendFloat64(b, p.Negative.Weight)
	b = appendTime(b, p.Negative.Updated)
	b = appendRefs(b, p.Negative.Events)

	b = appendRefs(b, p.Recent)

	b = appendLen(b, p.Seen == nil, len(p.Seen))
	if len(p.Seen) > 0 {
		keys := make([]string, 0, len(p.Seen))
		for k := range p.Seen {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			b = appendString(b, k)
		}
	}
	return b, nil
}

// encodedSizeBound returns a size the encoding cannot exceed, so that
// MarshalBinary allocates once.
func (p *Profile) encodedSizeBound() int {
	const varint, timeSize = binary.MaxVarintLen64, 2 * binary.MaxVarintLen64
	str := func(s string) int { return varint + len(s) }
	vec := func(v []float32) int { return varint + 4*len(v) }
	refs := func(rs []EventRef) int {
		n := varint
		for i := range rs {
			r := &rs[i]
			n += str(string(r.Type)) + str(r.Item) + str(r.Text) + timeSize + 4 + 4
		}
		return n
	}
	n := 3 + str(p.User) + str(p.Encoder) + 3*varint + timeSize + varint
	for i := range p.Interests {
		in := &p.Interests[i]
		n += varint + vec(in.Sum) + 16 + varint + 2*timeSize + refs(in.Exemplars) +
			varint + len(in.Trace)*(timeSize+8)
	}
	n += str(p.Short.Session) + vec(p.Short.Sum) + 8 + timeSize + refs(p.Short.Events)
	n += vec(p.Negative.Sum) + 8 + timeSize + refs(p.Negative.Events)
	n += refs(p.Recent) + varint
	for k := range p.Seen {
		n += str(k)
	}
	return n
}

func appendLen(b []byte, isNil bool, n int) []byte {
	if isNil {
		return append(b, 0)
	}
	return binary.AppendUvarint(b, uint64(n)+1)
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendFloat64(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix()+secondsToYear1)
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

func appendVector(b []byte, v []float32) []byte {
	b = appendLen(b, v == nil, len(v))
	n := len(b)
	b = slices.Grow(b, 4*len(v))[:n+4*len(v)]
	out := b[n:]
	for i, x := range v {
		binary.LittleEndian.PutUint32(out[4*i:4*i+4], math.Float32bits(x))
	}
	return b
}

func appendRefs(b []byte, rs []EventRef) []byte {
	b = appendLen(b, rs == nil, len(rs))
	for i := range rs {
		r := &rs[i]
		b = appendString(b, string(r.Type))
		b = appendString(b, r.Item)
		b = appendString(b, r.Text)
		b = appendTime(b, r.Time)
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(r.Weight))
		b = binary.LittleEndian.AppendUint32(b, math.Float32bits(r.Affinity))
	}
	return b
}

// UnmarshalBinary replaces p with the profile encoded in data. Corrupt,
// truncated or hostile input yields an error and leaves p unchanged. Times
// are restored in UTC.
func (p *Profile) UnmarshalBinary(data []byte) error {
	if len(data) < 3 || data[0] != profileMagic0 || data[1] != profileMagic1 {
		return fmt.Errorf("decode profile: %w", errProfileMagic)
	}
	if data[2] != profileVersion1 && data[2] != profileVersion2 {
		return fmt.Errorf("decode profile: encoding version %d is not supported (this build reads versions %d and %d)", data[2], profileVersion1, profileVersion2)
	}
	d := profileDecoder{b: data[3:], size: len(data), version: data[2]}
	var q Profile
	q.User = d.string("user")
	q.Encoder = d.string("encoder")
	q.Version = d.uvarint("version")
	q.Updated = d.time("updated")
	q.Events = d.int("events")
	q.NextInterestID = d.uint32("next_interest_id")

	if n, isNil := d.count("interests", minInterestSize); !isNil {
		q.Interests = make([]Interest, n)
		for i := range q.Interests {
			d.interest(&q.Interests[i])
			if d.err != nil {
				return fmt.Errorf("decode profile: interests[%d]: %w", i, d.err)
			}
		}
	}

	q.Short.Session = d.string("short_term.session")
	q.Short.Sum = d.vector("short_term.sum")
	q.Short.Weight = d.float64("short_term.weight")
	q.Short.Updated = d.time("short_term.updated")
	q.Short.Events = d.refs("short_term.events")

	q.Negative.Sum = d.vector("negative.sum")
	q.Negative.Weight = d.float64("negative.weight")
	q.Negative.Updated = d.time("negative.updated")
	q.Negative.Events = d.refs("negative.events")

	q.Recent = d.refs("recent")

	if n, isNil := d.count("seen", 1); !isNil {
		q.Seen = make(map[string]struct{}, n)
		prev := ""
		for i := 0; i < n && d.err == nil; i++ {
			k := d.string("seen")
			if d.err == nil && i > 0 && k <= prev {
				d.fail("seen", fmt.Errorf("entry %d is not after the previous one in byte order", i))
			}
			q.Seen[k] = struct{}{}
			prev = k
		}
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("end", fmt.Errorf("%d unexpected trailing bytes", len(d.b)))
	}
	if d.err != nil {
		return fmt.Errorf("decode profile: %w", d.err)
	}
	*p = q
	return nil
}

// profileDecoder reads the fields of an encoded profile. Its first error is
// sticky: later reads return zero values, so the caller checks once per
// group of fields instead of after every read.
type profileDecoder struct {
	b       []byte
	size    int // length of the whole input, for error offsets
	version byte
	err     error
}

func (d *profileDecoder) fail(field string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("%s at byte %d: %w", field, d.size-len(d.b), err)
	}
}

func (d *profileDecoder) uvarint(field string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail(field, errors.New("truncated or overlong integer"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *profileDecoder) varint(field string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail(field, errors.New("truncated or overlong integer"))
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *profileDecoder) int(field string) int {
	v := d.varint(field)
	if int64(int(v)) != v {
		d.fail(field, fmt.Errorf("%d does not fit in an int", v))
		return 0
	}
	return int(v)
}

func (d *profileDecoder) uint32(field string) uint32 {
	v := d.uvarint(field)
	if v > math.MaxUint32 {
		d.fail(field, fmt.Errorf("%d does not fit in 32 bits", v))
		return 0
	}
	return uint32(v)
}

func (d *profileDecoder) fixed(field string, n int) []byte {
	if d.err != nil {
		return nil
	}
	if len(d.b) < n {
		d.fail(field, fmt.Errorf("needs %d bytes, %d left", n, len(d.b)))
		return nil
	}
	v := d.b[:n]
	d.b = d.b[n:]
	return v
}

func (d *profileDecoder) float64(field string) float64 {
	v := d.fixed(field, 8)
	if v == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(v))
}

func (d *profileDecoder) float32(field string) float32 {
	v := d.fixed(field, 4)
	if v == nil {
		return 0
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(v))
}

func (d *profileDecoder) string(field string) string {
	n := d.uvarint(field)
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(field, fmt.Errorf("string length %d exceeds the %d bytes left", n, len(d.b)))
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

// eventType reads an event type, returning the package's constant for the
// known types so that decoding a profile does not allocate one string per
// event reference.
func (d *profileDecoder) eventType(field string) EventType {
	n := d.uvarint(field)
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail(field, fmt.Errorf("string length %d exceeds the %d bytes left", n, len(d.b)))
		return ""
	}
	raw := d.b[:n]
	d.b = d.b[n:]
	switch string(raw) { // comparing a converted []byte does not allocate
	case string(EventQuery):
		return EventQuery
	case string(EventView):
		return EventView
	case string(EventClick):
		return EventClick
	case string(EventAddToCart):
		return EventAddToCart
	case string(EventPurchase):
		return EventPurchase
	case string(EventRating):
		return EventRating
	case string(EventComment):
		return EventComment
	case string(EventLike):
		return EventLike
	case string(EventDislike):
		return EventDislike
	case string(EventSkip):
		return EventSkip
	}
	return EventType(raw)
}

func (d *profileDecoder) time(field string) time.Time {
	sec := d.varint(field)
	nsec := d.uvarint(field)
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= 1e9 {
		d.fail(field, fmt.Errorf("nanoseconds %d out of range", nsec))
		return time.Time{}
	}
	// The subtraction may wrap for hostile input; time.Unix adds the same
	// offset back, so the round trip stays exact and nothing panics.
	return time.Unix(sec-secondsToYear1, int64(nsec)).UTC()
}

// count reads a list length (uvarint n+1, 0 for nil) and checks that the
// remaining bytes can hold n elements of at least minSize bytes each.
func (d *profileDecoder) count(field string, minSize int) (n int, isNil bool) {
	v := d.uvarint(field)
	if d.err != nil || v == 0 {
		return 0, true
	}
	v--
	if v > uint64(len(d.b)/minSize) {
		d.fail(field, fmt.Errorf("%d elements cannot fit in the %d bytes left", v, len(d.b)))
		return 0, true
	}
	return int(v), false
}

func (d *profileDecoder) vector(field string) []float32 {
	n, isNil := d.count(field, 4)
	if isNil {
		return nil
	}
	raw := d.fixed(field, 4*n)
	if d.err != nil {
		return nil
	}
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i : 4*i+4]))
	}
	return v
}

func (d *profileDecoder) refs(field string) []EventRef {
	n, isNil := d.count(field, minRefSize)
	if isNil {
		return nil
	}
	rs := make([]EventRef, n)
	for i := range rs {
		r := &rs[i]
		r.Type = d.eventType(field)
		r.Item = d.string(field)
		r.Text = d.string(field)
		r.Time = d.time(field)
		r.Weight = d.float32(field)
		if d.version == profileVersion1 {
			d.vector(field) // version 1 kept a vector per event; dropped
		} else {
			r.Affinity = d.float32(field)
		}
		if d.err != nil {
			return nil
		}
	}
	return rs
}

func (d *profileDecoder) interest(in *Interest) {
	in.ID = d.uint32("id")
	in.Sum = d.vector("sum")
	in.Mass = d.float64("mass")
	in.Importance = d.float64("importance")
	in.Count = d.int("count")
	in.Created = d.time("created")
	in.Updated = d.time("updated")
	in.Exemplars = d.refs("exemplars")
	if n, isNil := d.count("trace", minTraceSize); !isNil {
		in.Trace = make([]TracePoint, n)
		for i := range in.Trace {
			in.Trace[i].Time = d.time("trace")
			in.Trace[i].Importance = d.float64("trace")
		}
	}
}
