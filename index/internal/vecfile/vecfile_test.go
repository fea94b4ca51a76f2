package vecfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/kernel"
)

// npy builds an .npy file the way NumPy 1.x writes one: magic, version,
// header length, a dict literal padded with spaces to a 64-byte boundary
// and ending in a newline, then the data.
func npy(major byte, descr string, shape string, data []byte) []byte {
	header := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, shape)
	lenSize := 2
	if major > 1 {
		lenSize = 4
	}
	total := 6 + 2 + lenSize + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.WriteByte(major)
	b.WriteByte(0)
	if lenSize == 2 {
		binary.Write(&b, binary.LittleEndian, uint16(len(header)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(header)))
	}
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func f32bytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestReadNPY(t *testing.T) {
	vals := []float32{1, -2, 0.5, 3, 4.25, -6}
	f2 := make([]byte, 2*len(vals))
	f8 := make([]byte, 8*len(vals))
	for i, x := range vals {
		binary.LittleEndian.PutUint16(f2[2*i:], kernel.Float32ToF16(x))
		binary.LittleEndian.PutUint64(f8[8*i:], math.Float64bits(float64(x)))
	}
	for _, tc := range []struct {
		name string
		file []byte
	}{
		{"f4 v1", npy(1, "<f4", "(3, 2)", f32bytes(vals))},
		{"f4 v2", npy(2, "<f4", "(3, 2)", f32bytes(vals))},
		{"f2", npy(1, "<f2", "(3, 2)", f2)},
		{"f8", npy(3, "<f8", "(3,2)", f8)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := ReadNPY(bytes.NewReader(tc.file))
			if err != nil {
				t.Fatal(err)
			}
			if m.Dim != 2 || m.Rows() != 3 || !slicesEqual(m.Data, vals) {
				t.Errorf("got dim %d rows %d %v", m.Dim, m.Rows(), m.Data)
			}
		})
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestReadNPYErrors(t *testing.T) {
	good := f32bytes([]float32{1, 2, 3, 4})
	for _, tc := range []struct {
		name, want string
		file       []byte
	}{
		{"empty", "preamble", nil},
		{"bad magic", "magic", append([]byte("\x93NUMPX\x01\x00"), good...)},
		{"version 4", "version", []byte("\x93NUMPY\x04\x00\x10\x00")},
		{"int dtype", "dtype", npy(1, "<i4", "(2, 2)", good)},
		{"big-endian", "dtype", npy(1, ">f4", "(2, 2)", good)},
		{"1-D", "two-dimensional", npy(1, "<f4", "(4,)", good)},
		{"3-D", "two-dimensional", npy(1, "<f4", "(1, 2, 2)", good)},
		{"fortran", "C-ordered", bytes.Replace(npy(1, "<f4", "(2, 2)", good), []byte("False"), []byte("True "), 1)},
		{"short data", "ends after 4 of 6", npy(1, "<f4", "(3, 2)", good)},
		{"huge shape", "out of bounds", npy(1, "<f4", "(99999999999, 99999999)", good)},
		{"zero dim", "out of bounds", npy(1, "<f4", "(2, 0)", good)},
		{"NaN", "non-finite", npy(1, "<f4", "(1, 2)", f32bytes([]float32{1, float32(math.NaN())}))},
		{"huge header", "exceeds", []byte("\x93NUMPY\x02\x00\xff\xff\xff\x7f")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadNPY(bytes.NewReader(tc.file))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestReadF32AndFile(t *testing.T) {
	dir := t.TempDir()
	vals := []float32{1, 2, 3, 4, 5, 6}
	p := filepath.Join(dir, "v.f32")
	if err := os.WriteFile(p, f32bytes(vals), 0o600); err != nil {
		t.Fatal(err)
	}
	m, err := ReadFile(p, 3)
	if err != nil || m.Rows() != 2 || !slicesEqual(m.Row(1), vals[3:]) {
		t.Fatalf("ReadFile: %v %+v", err, m)
	}
	if _, err := ReadFile(p, 4); err == nil {
		t.Error("6 values read as 4-dimensional vectors")
	}
	if _, err := ReadFile(p, 0); err == nil {
		t.Error("dimension 0 accepted")
	}
	if _, err := ReadF32(bytes.NewReader(f32bytes(vals)[:5]), 1); err == nil {
		t.Error("stray bytes accepted")
	}
	q := filepath.Join(dir, "v.npy")
	if err := os.WriteFile(q, npy(1, "<f4", "(2, 3)", f32bytes(vals)), 0o600); err != nil {
		t.Fatal(err)
	}
	if m, err := ReadFile(q, 0); err != nil || m.Dim != 3 || m.Rows() != 2 {
		t.Fatalf("ReadFile npy: %v %+v", err, m)
	}
	if _, err := ReadFile(filepath.Join(dir, "v.txt"), 3); err == nil {
		t.Error("unknown extension accepted")
	}
}

func FuzzReadNPY(f *testing.F) {
	f.Add(npy(1, "<f4", "(3, 2)", f32bytes([]float32{1, 2, 3, 4, 5, 6})))
	f.Add(npy(2, "<f2", "(1, 2)", []byte{0, 60, 0, 188}))
	f.Add(npy(3, "<f8", "(0, 5)", nil))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := ReadNPY(bytes.NewReader(data))
		if err != nil {
			return
		}
		if m.Dim <= 0 || len(m.Data)%m.Dim != 0 || len(m.Data) > 8*len(data) {
			t.Fatalf("inconsistent matrix: dim %d, %d values from %d bytes", m.Dim, len(m.Data), len(data))
		}
	})
}
