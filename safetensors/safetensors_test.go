package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

const goldenBERT = "../../shared/testdata/hf-golden/bert-wordpiece/model.safetensors"

func TestOpenGoldenModel(t *testing.T) {
	f, err := Open(goldenBERT)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.Metadata["format"]; got != "pt" {
		t.Errorf("metadata format = %q, want pt", got)
	}
	if len(f.Tensors) != 39 {
		t.Errorf("%d tensors, want 39", len(f.Tensors))
	}
	w, shape, err := f.Float32("embeddings.word_embeddings.weight")
	if err != nil {
		t.Fatal(err)
	}
	if len(shape) != 2 || shape[0] != 3000 || shape[1] != 64 || len(w) != 3000*64 {
		t.Fatalf("word embeddings shape %v, %d values", shape, len(w))
	}
	var sumSq float64
	for _, v := range w {
		sumSq += float64(v) * float64(v)
	}
	// Drawn with std 0.3: the mean square must be near 0.09, which a
	// misread (wrong offset or byte order) would not give.
	if ms := sumSq / float64(len(w)); ms < 0.07 || ms > 0.11 {
		t.Errorf("mean square of word embeddings %.4f, want about 0.09", ms)
	}
	names := f.Names()
	if names[0] != "embeddings.LayerNorm.bias" || names[len(names)-1] != "pooler.dense.weight" {
		t.Errorf("names not in data order: first %q last %q", names[0], names[len(names)-1])
	}
}

func TestWriteReadRoundTrip(t *testing.T) {
	data := []float32{0, 1, -2.5, 3.140625, 1e-6, -65504, 0.1, float32(math.Inf(1))}
	for _, d := range []DType{F32, F16, BF16} {
		var buf bytes.Buffer
		in := []Tensor{
			{Name: "a", DType: d, Shape: []int{2, 4}, Data: data},
			{Name: "scalar", DType: d, Shape: []int{}, Data: []float32{7}},
			{Name: "empty", DType: d, Shape: []int{0, 3}, Data: nil},
		}
		if err := Write(&buf, in, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		f, err := NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if f.DataStart%8 != 0 {
			t.Errorf("%s: data starts at %d, not 8-aligned", d, f.DataStart)
		}
		got, shape, err := f.Float32("a")
		if err != nil {
			t.Fatal(err)
		}
		if len(shape) != 2 || shape[0] != 2 || shape[1] != 4 {
			t.Errorf("%s: shape %v", d, shape)
		}
		for i, v := range data {
			want := v
			switch d {
			case F16:
				want = HalfToFloat32(Float32ToHalf(v))
			case BF16:
				want = BFloat16ToFloat32(Float32ToBFloat16(v))
			}
			if got[i] != want {
				t.Errorf("%s: value %d = %v, want %v", d, i, got[i], want)
			}
		}
		s, _, err := f.Float32("scalar")
		if err != nil || len(s) != 1 || s[0] != 7 {
			t.Errorf("%s: scalar = %v, %v", d, s, err)
		}
		e, shape, err := f.Float32("empty")
		if err != nil || len(e) != 0 || len(shape) != 2 {
			t.Errorf("%s: empty = %v %v, %v", d, e, shape, err)
		}
	}
}

func TestHalfConversionExhaustive(t *testing.T) {
	for h := 0; h < 1<<16; h++ {
		f := HalfToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			if back := Float32ToHalf(f); back&0x7c00 != 0x7c00 || back&0x3ff == 0 {
				t.Fatalf("NaN %#04x came back as %#04x", h, back)
			}
			continue
		}
		if back := Float32ToHalf(f); back != uint16(h) {
			t.Fatalf("half %#04x → %v → %#04x", h, f, back)
		}
	}
	// The value of a subnormal: 2⁻²⁴ is the smallest.
	if got := HalfToFloat32(1); got != float32(math.Ldexp(1, -24)) {
		t.Errorf("smallest subnormal = %v", got)
	}
}

func TestHalfRoundingTable(t *testing.T) {
	tests := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3c00},
		{65504, 0x7bff},
		{65520, 0x7c00},                  // halfway to the next step rounds to even: infinity
		{65519, 0x7bff},                  // just below halfway
		{1 + 1.0/2048, 0x3c00},           // exactly halfway between 1 and the next half: even
		{1 + 3.0/2048, 0x3c02},           // halfway, odd below: rounds up
		{float32(math.Ldexp(1, -25)), 0}, // half the smallest subnormal: even (zero)
		{float32(math.Ldexp(1.5, -25)), 1},
		{float32(math.Ldexp(1, -14)), 0x0400}, // smallest normal
		{-2, 0xc000},
	}
	for _, tc := range tests {
		if got := Float32ToHalf(tc.in); got != tc.want {
			t.Errorf("Float32ToHalf(%v) = %#04x, want %#04x", tc.in, got, tc.want)
		}
	}
	bf := []struct {
		in   float32
		want uint16
	}{
		{1, 0x3f80},
		{math.Float32frombits(0x3f808000), 0x3f80}, // halfway, even below
		{math.Float32frombits(0x3f818000), 0x3f82}, // halfway, odd below
		{math.Float32frombits(0x3f808001), 0x3f81},
	}
	for _, tc := range bf {
		if got := Float32ToBFloat16(tc.in); got != tc.want {
			t.Errorf("Float32ToBFloat16(%#08x) = %#04x, want %#04x", math.Float32bits(tc.in), got, tc.want)
		}
	}
}

// file assembles a safetensors file from a raw header and data length.
func file(header string, dataLen int) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(make([]byte, dataLen))
	return b.Bytes()
}

func TestMalformedFiles(t *testing.T) {
	huge := make([]byte, 8)
	binary.LittleEndian.PutUint64(huge, 1<<62)
	tests := []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"short length", []byte{1, 2, 3}},
		{"header length past end", append(huge, '{', '}')},
		{"header length just past end", file(`{}`, 0)[:9]},
		{"not json", file(`{"a":`, 0)},
		{"not an object", file(`[1,2]`, 0)},
		{"unknown dtype", file(`{"a":{"dtype":"F7","shape":[1],"data_offsets":[0,4]}}`, 4)},
		{"offsets past data", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 4)},
		{"offsets reversed", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}`, 4)},
		{"negative offset", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}`, 4)},
		{"three offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}`, 8)},
		{"shape does not match range", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8)},
		{"negative dim", file(`{"a":{"dtype":"F32","shape":[-1,-2],"data_offsets":[0,8]}}`, 8)},
		{"overflowing shape", file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,8]}}`, 8)},
		{"overlap", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, 8)},
		{"metadata not strings", file(`{"__metadata__":{"a":1}}`, 0)},
		{"float offsets", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0.5,4]}}`, 4)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tc.data), int64(len(tc.data)))
			if err == nil {
				t.Fatal("no error")
			}
		})
	}
}

func TestUnconvertibleDType(t *testing.T) {
	data := file(`{"ids":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, 8)
	f, err := NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.Float32("ids"); err == nil {
		t.Error("converting I64 to float32 did not fail")
	}
	if _, _, err := f.Float32("missing"); err == nil {
		t.Error("missing tensor did not fail")
	}
}

func TestOpenMissingAndTruncated(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open(filepath.Join(dir, "none.safetensors")); err == nil {
		t.Error("missing file opened")
	}
	raw, err := os.ReadFile(goldenBERT)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "cut.safetensors")
	if err := os.WriteFile(p, raw[:len(raw)-100], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(p)
	if !errors.Is(err, ErrFormat) {
		t.Errorf("truncated file: %v, want ErrFormat", err)
	}
}

func FuzzNewReader(f *testing.F) {
	var good bytes.Buffer
	Write(&good, []Tensor{{Name: "w", DType: F16, Shape: []int{2, 2}, Data: []float32{1, 2, 3, 4}}}, map[string]string{"format": "pt"})
	f.Add(good.Bytes())
	f.Add(file(`{"a":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}`, 4))
	f.Add(file(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8))
	f.Add(file(`{}`, 0))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f})
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return
		}
		for name, info := range sf.Tensors {
			if info.End > int64(len(data))-sf.DataStart {
				t.Fatalf("tensor %q range [%d,%d) past the data", name, info.Begin, info.End)
			}
			vals, _, err := sf.Float32(name)
			if err == nil && len(vals) != info.NumElements() {
				t.Fatalf("tensor %q: %d values for %d elements", name, len(vals), info.NumElements())
			}
		}
	})
}
