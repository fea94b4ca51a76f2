package collab

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
)

// File format (little-endian):
//
//	"DRCF" magic, uint32 version 1
//	uint32 dim, uint32 items, uint32 textDim
//	string textEncoder (uint32 length, bytes)
//	items × (string id)
//	items × dim float32 vectors
//	textDim × dim float32 adapter (absent when textDim is 0)
//	32-byte SHA-256 of everything before it
//
// Every length is checked against the bytes left before allocating.

const (
	fileMagic   = "DRCF"
	fileVersion = 1
	maxIDLen    = 1 << 10
)

// ErrFormat reports a file that is not a valid model.
var ErrFormat = errors.New("collab: not a valid model file")

// Save writes the model to w.
func (m *Model) Save(w io.Writer) error {
	h := sha256.New()
	bw := bufio.NewWriter(io.MultiWriter(w, h))
	put := func(v any) { _ = binary.Write(bw, binary.LittleEndian, v) }
	putString := func(s string) { put(uint32(len(s))); bw.WriteString(s) }
	bw.WriteString(fileMagic)
	put(uint32(fileVersion))
	put(uint32(m.Dim))
	put(uint32(len(m.IDs)))
	put(uint32(m.TextDim))
	putString(m.TextEncoder)
	for _, id := range m.IDs {
		putString(id)
	}
	put(m.Vectors)
	if m.TextDim > 0 {
		put(m.Adapter)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("collab: write model: %w", err)
	}
	if _, err := w.Write(h.Sum(nil)); err != nil {
		return fmt.Errorf("collab: write model: %w", err)
	}
	return nil
}

// SaveFile writes the model to path atomically (a temporary file renamed).
func (m *Model) SaveFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".collab-*")
	if err != nil {
		return fmt.Errorf("collab: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := m.Save(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("collab: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("collab: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// Load reads a model written by Save. The whole input is read and checked
// before the model is built.
func Load(r io.Reader) (*Model, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<30))
	if err != nil {
		return nil, fmt.Errorf("collab: read model: %w", err)
	}
	return decode(data)
}

// LoadFile reads a model file.
func LoadFile(path string) (*Model, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("collab: %w", err)
	}
	defer f.Close()
	m, err := Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}

func decode(data []byte) (*Model, error) {
	if len(data) < 4+4*4+4+sha256.Size {
		return nil, fmt.Errorf("%w: too short", ErrFormat)
	}
	body, sum := data[:len(data)-sha256.Size], data[len(data)-sha256.Size:]
	if got := sha256.Sum256(body); string(got[:]) != string(sum) {
		return nil, fmt.Errorf("%w: checksum mismatch (truncated or damaged)", ErrFormat)
	}
	if string(body[:4]) != fileMagic {
		return nil, fmt.Errorf("%w: bad magic", ErrFormat)
	}
	d := &reader{b: body[4:]}
	if v := d.u32(); v != fileVersion {
		return nil, fmt.Errorf("%w: version %d (this build reads %d)", ErrFormat, v, fileVersion)
	}
	m := &Model{Dim: int(d.u32())}
	n := int(d.u32())
	m.TextDim = int(d.u32())
	m.TextEncoder = d.str()
	if d.err != nil {
		return nil, d.err
	}
	if m.Dim <= 0 || m.Dim > 1<<16 || m.TextDim > 1<<16 {
		return nil, fmt.Errorf("%w: implausible dimensions %d/%d", ErrFormat, m.Dim, m.TextDim)
	}
	// Each ID takes at least 4 bytes, each vector 4·Dim, the adapter
	// 4·TextDim·Dim: refuse counts the file cannot hold before allocating.
	need := uint64(n)*uint64(4+4*m.Dim) + 4*uint64(m.TextDim)*uint64(m.Dim)
	if need > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: %d items do not fit the file", ErrFormat, n)
	}
	m.IDs = make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.IDs = append(m.IDs, d.str())
	}
	m.Vectors = d.f32s(n * m.Dim)
	if m.TextDim > 0 {
		m.Adapter = d.f32s(m.TextDim * m.Dim)
	}
	if d.err != nil {
		return nil, d.err
	}
	if len(d.b) != 0 {
		return nil, fmt.Errorf("%w: %d trailing bytes", ErrFormat, len(d.b))
	}
	m.buildIndex()
	if len(m.index) != n {
		return nil, fmt.Errorf("%w: duplicate item IDs", ErrFormat)
	}
	return m, nil
}

type reader struct {
	b   []byte
	err error
}

func (r *reader) u32() uint32 {
	if r.err != nil || len(r.b) < 4 {
		r.fail("truncated")
		return 0
	}
	v := binary.LittleEndian.Uint32(r.b)
	r.b = r.b[4:]
	return v
}

func (r *reader) str() string {
	n := int(r.u32())
	if r.err != nil || n > maxIDLen || n > len(r.b) {
		r.fail("bad string length")
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *reader) f32s(n int) []float32 {
	if r.err != nil || n < 0 || 4*n > len(r.b) {
		r.fail("truncated vectors")
		return nil
	}
	out := make([]float32, n)
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(r.b[4*i:]))
	}
	r.b = r.b[4*n:]
	return out
}

func (r *reader) fail(msg string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrFormat, msg)
	}
}
