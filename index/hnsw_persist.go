package index

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"math/rand/v2"

	"github.com/driftrec/driftrec/index/internal/hugepage"
)

// The snapshot format, version 1. All integers are little-endian.
//
//	magic "drftHNSW", version u32
//	config: dim u32, metric u8, storage u8, flags u8 (bit 0: float32
//	  originals present), M u16, efConstruction u32, efSearch u32,
//	  maxDeletedRatio f64, flatFilterLimit i64, seed u64, rng state
//	  (length u8 + PCG state)
//	graph: nodes u32, entry u32, topLevel i32
//	categories: count u32, then length u16 + bytes each
//	per node (free slots are not saved; the rest are renumbered densely):
//	  state u8 (live or tombstone), level u8, id (length
//	  u16 + bytes), categories (count u16 + u32 each), norm f32, per layer
//	  0..level the link count u16 + u32 each, the vector (float32 originals
//	  if present, then f16 halves, an int8 scale f32 and bytes, or int4
//	  block scales f32 and packed nibbles, kernel.EncodeInt4)
//	trailer: CRC-32C of everything before it, u32
//
// Loading treats the input as untrusted: every count is bounded and
// arrays grow only as their contents arrive, so a file that lies about its
// sizes fails at its end instead of allocating what it claims, and the
// graph is checked (link targets, levels, entry point, unique IDs, finite
// values) before the checksum is compared and the index is returned.
const (
	snapshotMagic   = "drftHNSW"
	snapshotVersion = 1
	maxNodes        = 1 << 31
	maxCategories   = 1 << 24
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type snapWriter struct {
	w   *bufio.Writer
	crc hash.Hash32
	buf [8]byte
	err error
}

func (s *snapWriter) bytes(b []byte) {
	if s.err != nil {
		return
	}
	s.crc.Write(b)
	_, s.err = s.w.Write(b)
}

func (s *snapWriter) u8(v uint8) { s.buf[0] = v; s.bytes(s.buf[:1]) }
func (s *snapWriter) u16(v uint16) {
	binary.LittleEndian.PutUint16(s.buf[:2], v)
	s.bytes(s.buf[:2])
}
func (s *snapWriter) u32(v uint32) {
	binary.LittleEndian.PutUint32(s.buf[:4], v)
	s.bytes(s.buf[:4])
}
func (s *snapWriter) u64(v uint64) {
	binary.LittleEndian.PutUint64(s.buf[:8], v)
	s.bytes(s.buf[:8])
}
func (s *snapWriter) str(v string) { s.u16(uint16(len(v))); s.bytes([]byte(v)) }

// Save writes a snapshot of the index to w. Searches may run meanwhile;
// writes wait. Tombstones are saved as they are (call Compact first to
// drop them).
func (h *HNSW) Save(ctx context.Context, w io.Writer) error {
	h.mu.RLock()
	defer h.mu.RUnlock()
	sw := &snapWriter{w: bufio.NewWriterSize(w, 1<<20), crc: crc32.New(castagnoli)}
	sw.bytes([]byte(snapshotMagic))
	sw.u32(snapshotVersion)
	c := h.cfg
	sw.u32(uint32(h.dim))
	sw.u8(uint8(c.Metric))
	sw.u8(uint8(c.Storage))
	var flags uint8
	if c.Storage == Float32 || !c.DiscardOriginals {
		flags |= 1
	}
	sw.u8(flags)
	sw.u16(uint16(c.M))
	sw.u32(uint32(c.EfConstruction))
	sw.u32(uint32(c.EfSearch))
	sw.u64(math.Float64bits(c.MaxDeletedRatio))
	sw.u64(uint64(int64(c.FlatFilterLimit)))
	sw.u64(c.Seed)
	state, err := h.pcg.MarshalBinary()
	if err != nil {
		return fmt.Errorf("index: saving random state: %w", err)
	}
	sw.u8(uint8(len(state)))
	sw.bytes(state)

	// Free slots are left out and the others renumbered densely, so that
	// every node in a file carries its vector: a loader never allocates
	// a slot the input does not pay for.
	renum := make([]uint32, len(h.levels))
	used := uint32(0)
	for i, st := range h.state {
		if st != nodeFree {
			renum[i] = used
			used++
		}
	}
	entry := uint32(0)
	if used > 0 {
		entry = renum[h.entry]
	}
	sw.u32(used)
	sw.u32(entry)
	sw.u32(uint32(int32(h.topLevel)))
	sw.u32(uint32(len(h.catNames)))
	for _, name := range h.catNames {
		sw.str(name)
	}
	vb := make([]byte, 4*h.dim)
	for i := range h.levels {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("index: saving: %w", err)
			}
		}
		u := uint32(i)
		if h.state[i] == nodeFree {
			continue
		}
		sw.u8(h.state[i])
		sw.u8(h.levels[i])
		sw.str(h.ids[i])
		sw.u16(uint16(len(h.cats[i])))
		for _, cn := range h.cats[i] {
			sw.u32(cn)
		}
		sw.u32(math.Float32bits(h.norms[i]))
		for l := 0; l <= int(h.levels[i]); l++ {
			links := h.linksOf(u, l)
			sw.u16(uint16(links[0]))
			for _, x := range links[1 : 1+links[0]] {
				sw.u32(renum[x])
			}
		}
		lo, hi := i*h.dim, (i+1)*h.dim
		if h.vecs.hasExact() {
			for j, x := range h.vecs.exact[lo:hi] {
				binary.LittleEndian.PutUint32(vb[4*j:], math.Float32bits(x))
			}
			sw.bytes(vb)
		}
		switch c.Storage {
		case Float16:
			for j, x := range h.vecs.half[lo:hi] {
				binary.LittleEndian.PutUint16(vb[2*j:], x)
			}
			sw.bytes(vb[:2*h.dim])
		case Int8:
			sw.u32(math.Float32bits(h.vecs.scale[i]))
			for j, x := range h.vecs.bytes[lo:hi] {
				vb[j] = byte(x)
			}
			sw.bytes(vb[:h.dim])
		case Int4:
			packed, scales := h.vecs.int4Row(uint32(i))
			for _, sc := range scales {
				sw.u32(math.Float32bits(sc))
			}
			sw.bytes(packed)
		}
	}
	sum := sw.crc.Sum32()
	if sw.err == nil {
		binary.LittleEndian.PutUint32(sw.buf[:4], sum)
		_, sw.err = sw.w.Write(sw.buf[:4])
	}
	if sw.err == nil {
		sw.err = sw.w.Flush()
	}
	if sw.err != nil {
		return fmt.Errorf("index: saving: %w", sw.err)
	}
	return nil
}

type snapReader struct {
	r   *bufio.Reader
	crc hash.Hash32
	buf []byte
	err error
}

// next returns the next n bytes (valid until the next call), or nil after
// an error.
func (s *snapReader) next(n int) []byte {
	if s.err != nil {
		return nil
	}
	if cap(s.buf) < n {
		s.buf = make([]byte, n)
	}
	b := s.buf[:n]
	if _, err := io.ReadFull(s.r, b); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		s.err = err
		return nil
	}
	s.crc.Write(b)
	return b
}

func (s *snapReader) u8() uint8 {
	if b := s.next(1); b != nil {
		return b[0]
	}
	return 0
}
func (s *snapReader) u16() uint16 {
	if b := s.next(2); b != nil {
		return binary.LittleEndian.Uint16(b)
	}
	return 0
}
func (s *snapReader) u32() uint32 {
	if b := s.next(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}
func (s *snapReader) u64() uint64 {
	if b := s.next(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
func (s *snapReader) str() string {
	n := s.u16()
	if b := s.next(int(n)); b != nil {
		return string(b)
	}
	return ""
}

// fail records a format error unless an I/O error came first.
func (s *snapReader) fail(format string, args ...any) {
	if s.err == nil {
		s.err = fmt.Errorf(format, args...)
	}
}

func finite32(x float32) bool { return !math.IsNaN(float64(x)) && !math.IsInf(float64(x), 0) }

// LoadHNSW reads an index written by Save. A truncated, corrupt or
// foreign input returns an error and nothing else.
func LoadHNSW(ctx context.Context, r io.Reader) (*HNSW, error) {
	h, err := loadHNSW(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("index: loading HNSW snapshot: %w", err)
	}
	return h, nil
}

func loadHNSW(ctx context.Context, r io.Reader) (*HNSW, error) {
	s := &snapReader{r: bufio.NewReaderSize(r, 1<<20), crc: crc32.New(castagnoli)}
	if string(s.next(len(snapshotMagic))) != snapshotMagic {
		if s.err != nil {
			return nil, s.err
		}
		return nil, errors.New("not an HNSW snapshot (bad magic)")
	}
	if v := s.u32(); v != snapshotVersion && s.err == nil {
		return nil, fmt.Errorf("snapshot version %d is not supported (this build reads %d)", v, snapshotVersion)
	}
	dim := int(s.u32())
	var cfg HNSWConfig
	cfg.Metric = Metric(s.u8())
	cfg.Storage = Storage(s.u8())
	flags := s.u8()
	cfg.M = int(s.u16())
	cfg.EfConstruction = int(s.u32())
	cfg.EfSearch = int(s.u32())
	cfg.MaxDeletedRatio = math.Float64frombits(s.u64())
	cfg.FlatFilterLimit = int(int64(s.u64()))
	cfg.Seed = s.u64()
	rngState := append([]byte(nil), s.next(int(s.u8()))...)
	if s.err != nil {
		return nil, s.err
	}
	cfg.DiscardOriginals = flags&1 == 0 && cfg.Storage != Float32
	if flags&^1 != 0 || (cfg.Storage == Float32 && flags&1 == 0) {
		return nil, fmt.Errorf("invalid flags %#x", flags)
	}
	if dim > maxDim {
		return nil, fmt.Errorf("dimension %d is outside 1..%d", dim, maxDim)
	}
	if cfg.M == 0 || cfg.EfConstruction == 0 || cfg.EfSearch == 0 || cfg.MaxDeletedRatio == 0 || math.IsNaN(cfg.MaxDeletedRatio) {
		return nil, errors.New("invalid configuration (zero parameter)")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	h := newHNSW(cfg)
	if err := h.pcg.UnmarshalBinary(rngState); err != nil {
		return nil, fmt.Errorf("random state: %w", err)
	}
	h.resetStorage(dim)

	n := s.u32()
	entry := s.u32()
	top := int(int32(s.u32()))
	ncat := s.u32()
	if s.err != nil {
		return nil, s.err
	}
	if n >= maxNodes || ncat > maxCategories {
		return nil, fmt.Errorf("%d nodes and %d categories exceed the limits", n, ncat)
	}
	if n > 0 && dim == 0 {
		return nil, fmt.Errorf("dimension 0 with %d nodes", n)
	}
	for range ncat {
		name := s.str()
		if s.err != nil {
			return nil, s.err
		}
		if _, dup := h.catNum[name]; dup {
			return nil, fmt.Errorf("category %q appears twice", name)
		}
		h.catNum[name] = uint32(len(h.catNames))
		h.catNames = append(h.catNames, name)
		h.postings = append(h.postings, nil)
	}

	w0, w := h.mMax0+1, cfg.M+1
	for i := range n {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		st := s.u8()
		if st != nodeLive && st != nodeDeleted {
			s.fail("node %d: invalid state %d", i, st)
		}
		level := int(s.u8())
		if level > top || top > maxLevel {
			s.fail("node %d: level %d above the top level %d", i, level, top)
		}
		if s.err != nil {
			return nil, s.err
		}
		h.vecs.grow(int(i) + 1)
		h.links0 = hugepage.Grow(h.links0, len(h.links0)+w0)
		h.levels = append(h.levels, uint8(level))
		h.state = append(h.state, st)
		h.norms = append(h.norms, 0)
		h.inv = append(h.inv, 0)
		var up []uint32
		if level > 0 {
			up = make([]uint32, level*w)
		}
		h.upper = append(h.upper, up)
		id := s.str()
		h.ids = append(h.ids, id)
		var cs []uint32
		if k := s.u16(); k > 0 {
			cs = make([]uint32, 0, min(int(k), 64))
			for range k {
				c := s.u32()
				if c >= ncat {
					s.fail("node %d: category %d out of range", i, c)
				}
				cs = append(cs, c)
			}
		}
		h.cats = append(h.cats, cs)
		norm := math.Float32frombits(s.u32())
		if !finite32(norm) || norm < 0 {
			s.fail("node %d: invalid norm", i)
		}
		h.norms[i] = norm
		if norm > 0 {
			h.inv[i] = 1 / norm
		}
		for l := 0; l <= level; l++ {
			links := h.linksOf(i, l)
			cnt := int(s.u16())
			if cnt > len(links)-1 {
				s.fail("node %d: %d links on layer %d exceed %d", i, cnt, l, len(links)-1)
				break
			}
			links[0] = uint32(cnt)
			for j := range cnt {
				links[1+j] = s.u32()
			}
		}
		lo, hi := int(i)*dim, int(i+1)*dim
		if h.vecs.hasExact() {
			if b := s.next(4 * dim); b != nil {
				for j := range dim {
					h.vecs.exact[lo+j] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*j:]))
				}
			}
		}
		switch cfg.Storage {
		case Float16:
			if b := s.next(2 * dim); b != nil {
				for j := range dim {
					h.vecs.half[lo+j] = binary.LittleEndian.Uint16(b[2*j:])
				}
			}
		case Int8:
			h.vecs.scale[i] = math.Float32frombits(s.u32())
			if b := s.next(dim); b != nil {
				for j := range dim {
					h.vecs.bytes[lo+j] = int8(b[j])
				}
			}
			if sc := h.vecs.scale[i]; !finite32(sc) || sc < 0 {
				s.fail("node %d: invalid int8 scale", i)
			}
		case Int4:
			packed, scales := h.vecs.int4Row(i)
			for j := range scales {
				scales[j] = math.Float32frombits(s.u32())
				if !finite32(scales[j]) || scales[j] < 0 {
					s.fail("node %d: invalid int4 scale", i)
				}
			}
			if b := s.next(len(packed)); b != nil {
				copy(packed, b)
			}
		}
		if s.err != nil {
			return nil, s.err
		}
		if h.vecs.hasExact() && !finite(h.vecs.exact[lo:hi]) {
			return nil, fmt.Errorf("node %d: non-finite vector component", i)
		}
		if st == nodeLive {
			if id == "" {
				return nil, fmt.Errorf("node %d: empty id", i)
			}
			if _, dup := h.pos[id]; dup {
				return nil, fmt.Errorf("node %d: id %q appears twice", i, id)
			}
			h.pos[id] = i
			h.live++
			for _, c := range cs {
				h.postings[c] = append(h.postings[c], i)
			}
		} else {
			h.tombstones++
		}
	}

	// The checksum covers everything read so far.
	sum := s.crc.Sum32()
	var tail [4]byte
	if _, err := io.ReadFull(s.r, tail[:]); err != nil {
		return nil, fmt.Errorf("reading checksum: %w", err)
	}
	if binary.LittleEndian.Uint32(tail[:]) != sum {
		return nil, errors.New("checksum mismatch: the snapshot is corrupt")
	}
	if err := h.checkGraph(entry, top); err != nil {
		return nil, err
	}
	h.entry, h.topLevel = entry, top
	if n == 0 || h.live+h.tombstones == 0 {
		h.entry, h.topLevel = 0, -1
	}
	return h, nil
}

// checkGraph verifies what the format cannot express: links point at
// existing, unfreed nodes that have the layer, and the entry point is a
// node of the top layer.
func (h *HNSW) checkGraph(entry uint32, top int) error {
	n := uint32(len(h.levels))
	used := h.live + h.tombstones
	if used == 0 {
		return nil
	}
	if entry >= n || h.state[entry] == nodeFree || int(h.levels[entry]) != top {
		return fmt.Errorf("invalid entry point %d at level %d", entry, top)
	}
	for i := range n {
		if h.state[i] == nodeFree {
			continue
		}
		for l := 0; l <= int(h.levels[i]); l++ {
			links := h.linksOf(i, l)
			for _, x := range links[1 : 1+links[0]] {
				if x >= n || x == i || h.state[x] == nodeFree || int(h.levels[x]) < l {
					return fmt.Errorf("node %d: invalid link to %d on layer %d", i, x, l)
				}
			}
		}
		if int(h.levels[i]) > top {
			return fmt.Errorf("node %d: level %d above the top level %d", i, h.levels[i], top)
		}
	}
	return nil
}

// newPCG is the layer generator's source: saved and restored with the
// snapshot so that a loaded index continues the same sequence.
func newPCG(seed uint64) *rand.PCG { return rand.NewPCG(seed, seed^0x9e3779b97f4a7c15) }
