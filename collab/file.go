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
//	"DRCF" magic, uint32 version 2
//	uint32 items, uint32 parts, uint32 textDim
//	string textEncoder (uint32 length, bytes)
//	items × (string id)
//	parts × (string kind, uint32 dim, uint32 asymmetric (0/1),
//	         items × dim float32 source, [items × dim float32 target])
//	textDim × Σdim float32 adapter (absent when textDim is 0)
//	32-byte SHA-256 of everything before it
//
// Every length is checked against the bytes left before allocating.

const (
	fileMagic   = "DRCF"
	fileVersion = 2
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
	put(uint32(len(m.IDs)))
	put(uint32(len(m.Parts)))
	put(uint32(m.TextDim))
	putString(m.TextEncoder)
	for _, id := range m.IDs {
		putString(id)
	}
	for _, p := range m.Parts {
		putString(p.Kind)
		put(uint32(p.Dim))
		if p.Target != nil {
			put(uint32(1))
		} else {
			put(uint32(0))
		}
		put(p.Source)
		if p.Target != nil {
			put(p.Target)
		}
	}
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
		return nil, fmt.Errorf("%w: version %d (this build reads %d; retrain with driftrec train)", ErrFormat, v, fileVersion)
	}
	m := &Model{}
	n := int(d.u32())
	nparts := int(d.u32())
	m.TextDim = int(d.u32())
	m.TextEncoder = d.str()
	if d.err != nil {
		return nil, d.err
	}
	if nparts > 16 || m.TextDim > 1<<16 || uint64(n)*4 > uint64(len(d.b)) {
		return nil, fmt.Errorf("%w: implausible header (%d items, %d parts, text %d)", ErrFormat, n, nparts, m.TextDim)
	}
	m.IDs = make([]string, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		m.IDs = append(m.IDs, d.str())
	}
	total := 0
	for k := 0; k < nparts && d.err == nil; k++ {
		p := Part{Kind: d.str(), Dim: int(d.u32())}
		asym := d.u32()
		if d.err != nil {
			break
		}
		if p.Dim <= 0 || p.Dim > 1<<16 || asym > 1 {
			return nil, fmt.Errorf("%w: part %d: dimension %d", ErrFormat, k, p.Dim)
		}
		// Refuse sizes the file cannot hold before allocating them.
		sides := uint64(1 + asym)
		if sides*uint64(n)*uint64(p.Dim)*4 > uint64(len(d.b)) {
			return nil, fmt.Errorf("%w: part %d does not fit the file", ErrFormat, k)
		}
		p.Source = d.f32s(n * p.Dim)
		if asym == 1 {
			p.Target = d.f32s(n * p.Dim)
		}
		total += p.Dim
		m.Parts = append(m.Parts, p)
	}
	if m.TextDim > 0 && d.err == nil {
		if uint64(m.TextDim)*uint64(total)*4 > uint64(len(d.b)) {
			return nil, fmt.Errorf("%w: adapter does not fit the file", ErrFormat)
		}
		m.Adapter = d.f32s(m.TextDim * total)
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
