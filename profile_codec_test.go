package driftrec_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"runtime/metrics"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
)

func TestProfileBinaryRoundTrip(t *testing.T) {
	t0 := time.Date(2024, 3, 9, 17, 4, 5, 123456789, time.UTC)
	shanghai := time.FixedZone("CST", 8*3600)
	vec := []float32{0.25, -1.5, float32(math.Inf(1)), float32(math.Inf(-1)), math.SmallestNonzeroFloat32, -0}
	ref := driftrec.EventRef{Type: driftrec.EventQuery, Text: "舒适的鞋垫", Time: t0, Weight: 0.8, Affinity: 0.625}
	tests := []struct {
		name string
		in   *driftrec.Profile
		// want is the decoded profile when it differs from in (times come
		// back in UTC).
		want *driftrec.Profile
	}{
		{name: "zero", in: &driftrec.Profile{}},
		{name: "empty not nil", in: &driftrec.Profile{
			Interests: []driftrec.Interest{{Sum: []float32{}, Exemplars: []driftrec.EventRef{}, Trace: []driftrec.TracePoint{}}},
			Short:     driftrec.ShortTerm{Sum: []float32{}, Events: []driftrec.EventRef{}},
			Negative:  driftrec.Signal{Sum: []float32{}, Events: []driftrec.EventRef{}},
			Recent:    []driftrec.EventRef{{}},
			Seen:      map[string]struct{}{},
		}},
		{name: "seen with empty key", in: &driftrec.Profile{Seen: map[string]struct{}{"": {}, "a": {}}}},
		{name: "full", in: &driftrec.Profile{
			User: "u-1", Encoder: "use-lite/energetic-ai-0.2.0", Version: 7, Updated: t0,
			Events: 12, NextInterestID: 3,
			Interests: []driftrec.Interest{
				{ID: 1, Sum: vec, Mass: 2.5, Importance: 0.75, Count: 9, Created: t0.Add(-time.Hour), Updated: t0,
					Exemplars: []driftrec.EventRef{ref, {Type: driftrec.EventClick, Item: "跑鞋", Time: t0, Weight: 1}},
					Trace:     []driftrec.TracePoint{{Time: t0.Add(-time.Minute), Importance: 0.5}, {Time: t0, Importance: 0.75}}},
				{ID: math.MaxUint32, Mass: math.MaxFloat64, Importance: -math.SmallestNonzeroFloat64, Count: math.MinInt64},
			},
			Short:    driftrec.ShortTerm{Session: "s-9", Sum: vec, Weight: 1.25, Updated: t0, Events: []driftrec.EventRef{ref}},
			Negative: driftrec.Signal{Sum: vec[:2], Weight: 0.1, Updated: t0, Events: []driftrec.EventRef{ref}},
			Recent:   []driftrec.EventRef{ref, ref},
			Seen:     map[string]struct{}{"b": {}, "a": {}, "跑鞋": {}},
		}},
		{name: "extreme times", in: &driftrec.Profile{
			Updated:  time.Unix(math.MaxInt64/2, 999999999).UTC(),
			Short:    driftrec.ShortTerm{Updated: time.Date(-500, 1, 1, 0, 0, 0, 1, time.UTC)},
			Negative: driftrec.Signal{Updated: time.Unix(0, 0).UTC()},
		}},
		{name: "times restored in UTC",
			in:   &driftrec.Profile{Updated: time.Date(2025, 1, 2, 8, 0, 0, 5, shanghai)},
			want: &driftrec.Profile{Updated: time.Date(2025, 1, 2, 0, 0, 0, 5, time.UTC)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.in.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			var got driftrec.Profile
			if err := got.UnmarshalBinary(data); err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want == nil {
				want = tt.in
			}
			if !reflect.DeepEqual(&got, want) {
				t.Errorf("round trip changed the profile:\n got  %+v\n want %+v", &got, want)
			}
			again, err := got.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == nil && !bytes.Equal(again, data) {
				t.Errorf("re-encoding the decoded profile gives different bytes")
			}
		})
	}
}

func TestProfileBinaryKeepsNaNBits(t *testing.T) {
	payload := math.Float32frombits(0x7fc00123)
	in := &driftrec.Profile{Short: driftrec.ShortTerm{Sum: []float32{payload}, Weight: math.NaN()}}
	data, err := in.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var got driftrec.Profile
	if err := got.UnmarshalBinary(data); err != nil {
		t.Fatal(err)
	}
	if b := math.Float32bits(got.Short.Sum[0]); b != 0x7fc00123 {
		t.Errorf("NaN payload came back as %#x", b)
	}
	if !math.IsNaN(got.Short.Weight) {
		t.Errorf("weight came back as %v, want NaN", got.Short.Weight)
	}
}

func TestProfileBinaryIsDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := randomProfile(rng)
	p.Seen = map[string]struct{}{}
	for i := range 500 {
		p.Seen[fmt.Sprintf("item-%d", i)] = struct{}{}
	}
	first, err := p.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		// A clone rebuilds the map, so its iteration order differs.
		again, err := p.Clone().MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatal("equal profiles encoded to different bytes")
		}
	}
}

// TestProfileBinaryRandomRoundTrip is the property test: every random
// profile survives a round trip unchanged, and AppendBinary appends exactly
// what MarshalBinary returns.
func TestProfileBinaryRandomRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 7))
	for i := range 300 {
		p := randomProfile(rng)
		data, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var got driftrec.Profile
		if err := got.UnmarshalBinary(data); err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		if !reflect.DeepEqual(&got, p) {
			t.Fatalf("profile %d changed in a round trip:\n got  %+v\n want %+v", i, &got, p)
		}
		prefix := []byte("prefix")
		appended, err := p.AppendBinary(prefix)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(appended[:len(prefix)], prefix) || !bytes.Equal(appended[len(prefix):], data) {
			t.Fatalf("profile %d: AppendBinary differs from MarshalBinary", i)
		}
	}
}

// TestRandomProfileCoversEveryField guards the codec against fields added to
// Profile later: the generator must set every field, and the round-trip
// property then proves the codec carries it. If this fails, extend
// randomProfile and profile_codec.go (with a new encoding version).
func TestRandomProfileCoversEveryField(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	covered := map[string]bool{}
	for range 50 {
		markSet(reflect.ValueOf(*randomProfile(rng)), "Profile", covered)
	}
	var missing []string
	listFields(reflect.TypeFor[driftrec.Profile](), "Profile", func(path string) {
		if !covered[path] {
			missing = append(missing, path)
		}
	})
	if len(missing) > 0 {
		t.Errorf("randomProfile never sets %s; the codec may not encode them either", strings.Join(missing, ", "))
	}
}

// listFields calls fn with the path of every leaf field reachable from t.
func listFields(t reflect.Type, path string, fn func(string)) {
	switch t.Kind() {
	case reflect.Struct:
		if t == reflect.TypeFor[time.Time]() {
			fn(path)
			return
		}
		for i := range t.NumField() {
			listFields(t.Field(i).Type, path+"."+t.Field(i).Name, fn)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Struct {
			listFields(t.Elem(), path+"[]", fn)
			return
		}
		fn(path)
	default:
		fn(path)
	}
}

// markSet records the paths of the leaf fields of v that hold a non-zero
// value.
func markSet(v reflect.Value, path string, covered map[string]bool) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			covered[path] = covered[path] || !v.IsZero()
			return
		}
		for i := range v.NumField() {
			markSet(v.Field(i), path+"."+v.Type().Field(i).Name, covered)
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Struct {
			for i := range v.Len() {
				markSet(v.Index(i), path+"[]", covered)
			}
			return
		}
		covered[path] = covered[path] || v.Len() > 0
	default:
		covered[path] = covered[path] || !v.IsZero()
	}
}

func TestProfileUnmarshalBinaryRejects(t *testing.T) {
	valid, err := sampleProfile(2, 4).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	// header + user "u" + encoder "" + version 0 + zero time + events 0 +
	// next id 0, then lists; each case edits a minimal encoding.
	minimal, err := (&driftrec.Profile{}).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	withSeen := func(keys ...string) []byte {
		b := bytes.Clone(minimal[:len(minimal)-1])
		b = binary.AppendUvarint(b, uint64(len(keys))+1)
		for _, k := range keys {
			b = binary.AppendUvarint(b, uint64(len(k)))
			b = append(b, k...)
		}
		return b
	}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bad magic"},
		{"json", []byte(`{"user":"u"}`), "bad magic"},
		{"future version", []byte{'D', 'P', 3}, "version 3 is not supported"},
		{"header only", []byte{'D', 'P', 1}, "user at byte 3"},
		{"trailing bytes", append(bytes.Clone(valid), 0), "trailing"},
		{"huge string", append([]byte{'D', 'P', 1}, binary.AppendUvarint(nil, math.MaxUint64)...), "string length"},
		{"overlong varint", append([]byte{'D', 'P', 1}, bytes.Repeat([]byte{0xff}, 11)...), "overlong"},
		{"unsorted seen", withSeen("b", "a"), "not after the previous"},
		{"duplicate seen", withSeen("a", "a"), "not after the previous"},
		{"huge seen count", append(bytes.Clone(minimal[:len(minimal)-1]), binary.AppendUvarint(nil, 1<<40)...), "cannot fit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &driftrec.Profile{User: "keep"}
			err := p.UnmarshalBinary(tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got error %v, want one containing %q", err, tt.want)
			}
			if p.User != "keep" {
				t.Errorf("a failed decode changed the profile")
			}
		})
	}
}

func TestProfileUnmarshalBinaryRejectsEveryTruncation(t *testing.T) {
	data, err := sampleProfile(2, 3).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	for n := range len(data) {
		var p driftrec.Profile
		if err := p.UnmarshalBinary(data[:n]); err == nil {
			t.Fatalf("a profile truncated to %d of %d bytes decoded without error", n, len(data))
		}
	}
}

// TestProfileUnmarshalBinaryAllocationBound feeds the shapes that allocate
// the most per input byte (many empty elements) and checks the decoder stays
// within maxAllocRatio bytes per input byte.
func TestProfileUnmarshalBinaryAllocationBound(t *testing.T) {
	many := func(n int) []driftrec.EventRef { return make([]driftrec.EventRef, n) }
	seen := map[string]struct{}{}
	for i := range 20000 {
		seen[fmt.Sprint(i)] = struct{}{}
	}
	interests := make([]driftrec.Interest, 5000)
	for i := range interests {
		interests[i].Trace = make([]driftrec.TracePoint, 3)
	}
	tests := []struct {
		name string
		p    *driftrec.Profile
	}{
		{"empty refs", &driftrec.Profile{Recent: many(50000)}},
		{"empty interests", &driftrec.Profile{Interests: interests}},
		{"short seen keys", &driftrec.Profile{Seen: seen}},
		{"large vectors", sampleProfile(8, 512)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := tt.p.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			checkDecodeAllocation(t, data)
		})
	}
}

// maxAllocRatio is the most the decoder may allocate per input byte (plus a
// small constant). The worst case is a list of empty event refs: 10 bytes
// each on the wire, a 104-byte struct in memory.
const maxAllocRatio = 16

// It reads the allocation counter through runtime/metrics, which does not
// stop the world (runtime.ReadMemStats slows fuzzing to a crawl). The
// counter is process-wide and a fuzz worker's own goroutines allocate now
// and then, so the smallest of a few measurements is the one that counts.
func checkDecodeAllocation(t testing.TB, data []byte) {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	limit := uint64(maxAllocRatio*len(data) + 64<<10)
	var least uint64 = math.MaxUint64
	var err error
	for range 3 {
		metrics.Read(sample)
		before := sample[0].Value.Uint64()
		var p driftrec.Profile
		err = p.UnmarshalBinary(data)
		metrics.Read(sample)
		least = min(least, sample[0].Value.Uint64()-before)
		if least <= limit {
			return
		}
	}
	t.Fatalf("decoding %d bytes (err %v) allocated %d bytes, more than %d", len(data), err, least, limit)
}

func FuzzProfileUnmarshalBinary(f *testing.F) {
	for _, p := range []*driftrec.Profile{{}, sampleProfile(1, 2), sampleProfile(3, 4)} {
		data, err := p.MarshalBinary()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		f.Add(data[:len(data)/2])
	}
	f.Add([]byte{'D', 'P', 1, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Add([]byte("DP\x01\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkDecodeAllocation(t, data)
		var p driftrec.Profile
		if err := p.UnmarshalBinary(data); err != nil {
			return
		}
		// Whatever decodes must re-encode to something that decodes to the
		// same profile. Bytes are compared rather than values because NaN
		// never equals itself.
		enc, err := p.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var q driftrec.Profile
		if err := q.UnmarshalBinary(enc); err != nil {
			t.Fatalf("re-encoded profile does not decode: %v", err)
		}
		enc2, err := q.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(enc, enc2) {
			t.Fatal("decode(encode(p)) differs from p")
		}
	})
}

// sampleProfile builds a profile shaped like a busy user's: interests of the
// given count and dimension, exemplars, a trace, short-term and negative
// state, recent events and a seen set.
func sampleProfile(interests, dim int) *driftrec.Profile {
	rng := rand.New(rand.NewPCG(uint64(interests), uint64(dim)))
	t0 := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	vec := func() []float32 {
		v := make([]float32, dim)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	ref := func(i int) driftrec.EventRef {
		r := driftrec.EventRef{Type: driftrec.EventView, Item: fmt.Sprintf("item-%d", i),
			Text: "a comfortable running shoe", Time: t0.Add(time.Duration(i) * time.Second), Weight: 1, Affinity: 0.5}
		return r
	}
	refs := func(n int) []driftrec.EventRef {
		rs := make([]driftrec.EventRef, n)
		for i := range rs {
			rs[i] = ref(i)
		}
		return rs
	}
	p := &driftrec.Profile{User: "user-1", Encoder: "use-lite/energetic-ai-0.2.0", Version: 100,
		Updated: t0, Events: 400, NextInterestID: uint32(interests + 1)}
	for i := range interests {
		trace := make([]driftrec.TracePoint, 32)
		for j := range trace {
			trace[j] = driftrec.TracePoint{Time: t0.Add(time.Duration(j) * time.Hour), Importance: rng.Float64()}
		}
		p.Interests = append(p.Interests, driftrec.Interest{ID: uint32(i + 1), Sum: vec(), Mass: 3, Importance: 0.5,
			Count: 40, Created: t0, Updated: t0, Exemplars: refs(3), Trace: trace})
	}
	p.Short = driftrec.ShortTerm{Session: "s-1", Sum: vec(), Weight: 2, Updated: t0, Events: refs(5)}
	p.Negative = driftrec.Signal{Sum: vec(), Weight: 1, Updated: t0, Events: refs(2)}
	p.Recent = refs(20)
	p.Seen = map[string]struct{}{}
	for i := range 200 {
		p.Seen[fmt.Sprintf("item-%d", i)] = struct{}{}
	}
	return p
}

// randomProfile returns a profile with random shape and content. Times are
// in UTC with random nanoseconds, floats are finite, and lists are randomly
// nil, empty or filled, so that DeepEqual is the right comparison.
func randomProfile(rng *rand.Rand) *driftrec.Profile {
	str := func() string {
		const alphabet = "ab-_é跑鞋\x00"
		var sb strings.Builder
		for range rng.IntN(6) {
			r := []rune(alphabet)
			sb.WriteRune(r[rng.IntN(len(r))])
		}
		return sb.String()
	}
	tm := func() time.Time {
		if rng.IntN(5) == 0 {
			return time.Time{}
		}
		return time.Unix(rng.Int64N(4e9)-1e9, rng.Int64N(1e9)).UTC()
	}
	f64 := func() float64 { return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(40)-20)) }
	// size returns -1 for nil, else a length.
	size := func(maxLen int) int { return rng.IntN(maxLen+2) - 1 }
	vec := func() []float32 {
		n := size(16)
		if n < 0 {
			return nil
		}
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	refs := func() []driftrec.EventRef {
		n := size(4)
		if n < 0 {
			return nil
		}
		rs := make([]driftrec.EventRef, n)
		for i := range rs {
			rs[i] = driftrec.EventRef{Type: driftrec.EventTypes()[rng.IntN(10)], Item: str(), Text: str(),
				Time: tm(), Weight: float32(rng.NormFloat64()), Affinity: float32(rng.NormFloat64())}
		}
		return rs
	}
	p := &driftrec.Profile{User: str(), Encoder: str(), Version: rng.Uint64(), Updated: tm(),
		Events: int(rng.Int64()), NextInterestID: rng.Uint32()}
	if n := size(4); n >= 0 {
		p.Interests = make([]driftrec.Interest, n)
		for i := range p.Interests {
			in := driftrec.Interest{ID: rng.Uint32(), Sum: vec(), Mass: f64(), Importance: f64(),
				Count: rng.IntN(1000) - 10, Created: tm(), Updated: tm(), Exemplars: refs()}
			if m := size(4); m >= 0 {
				in.Trace = make([]driftrec.TracePoint, m)
				for j := range in.Trace {
					in.Trace[j] = driftrec.TracePoint{Time: tm(), Importance: f64()}
				}
			}
			p.Interests[i] = in
		}
	}
	p.Short = driftrec.ShortTerm{Session: str(), Sum: vec(), Weight: f64(), Updated: tm(), Events: refs()}
	p.Negative = driftrec.Signal{Sum: vec(), Weight: f64(), Updated: tm(), Events: refs()}
	p.Recent = refs()
	if n := size(6); n >= 0 {
		p.Seen = make(map[string]struct{}, n)
		for range n {
			p.Seen[str()] = struct{}{}
		}
	}
	return p
}

// BenchmarkProfileBinary measures encoding and decoding of a profile with 8
// interests of 512 and of 1536 dimensions.
func BenchmarkProfileBinary(b *testing.B) {
	for _, dim := range []int{512, 1536} {
		p := sampleProfile(8, dim)
		data, err := p.MarshalBinary()
		if err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("8x%d", dim)
		b.Run(name+"/marshal", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.MarshalBinary(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/append", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			buf := make([]byte, 0, len(data))
			for b.Loop() {
				if buf, err = p.AppendBinary(buf[:0]); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/unmarshal", func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				var q driftrec.Profile
				if err := q.UnmarshalBinary(data); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/clone", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = p.Clone()
			}
		})
	}
}
