package index

import (
	"math"

	"github.com/driftrec/driftrec/index/internal/hugepage"
	"github.com/driftrec/driftrec/kernel"
)

// vectorStore holds the vectors of an HNSW index by node number, in one
// contiguous array per representation so that a node's vector is a slice
// expression, not a pointer chase.
type vectorStore struct {
	kind Storage
	dim  int
	// exact holds the float32 vectors: the only copy with Float32 storage,
	// the originals kept for re-ranking with compressed storage, nil when
	// compressed storage discards them.
	exact []float32
	half  []uint16
	bytes []int8
	scale []float32 // per node, Int8 only
	// Int4 only: kernel.EncodeInt4's packed nibbles and block scales,
	// blocks per node.
	nibbles    []byte
	blockScale []float32
	blocks     int
}

func newVectorStore(kind Storage, dim int, keepExact bool) vectorStore {
	s := vectorStore{kind: kind, dim: dim, blocks: kernel.Int4Blocks(dim)}
	if kind == Float32 || keepExact {
		s.exact = []float32{}
	}
	return s
}

func (s *vectorStore) hasExact() bool { return s.exact != nil }

// grow makes room for nodes [0, n). The arrays are read at random places
// by every walk, so they grow through hugepage.Grow (see that package).
func (s *vectorStore) grow(n int) {
	if s.exact != nil {
		s.exact = hugepage.Grow(s.exact, max(len(s.exact), n*s.dim))
	}
	switch s.kind {
	case Float16:
		s.half = hugepage.Grow(s.half, max(len(s.half), n*s.dim))
	case Int8:
		s.bytes = hugepage.Grow(s.bytes, max(len(s.bytes), n*s.dim))
		s.scale = hugepage.Grow(s.scale, max(len(s.scale), n))
	case Int4:
		s.nibbles = hugepage.Grow(s.nibbles, max(len(s.nibbles), n*s.blocks*kernel.Int4Block/2))
		s.blockScale = hugepage.Grow(s.blockScale, max(len(s.blockScale), n*s.blocks))
	}
}

func (s *vectorStore) set(i uint32, v []float32) {
	lo, hi := int(i)*s.dim, int(i+1)*s.dim
	if s.exact != nil {
		copy(s.exact[lo:hi], v)
	}
	switch s.kind {
	case Float16:
		kernel.EncodeF16(s.half[lo:hi], v)
	case Int8:
		s.scale[i] = kernel.EncodeInt8(s.bytes[lo:hi], v)
	case Int4:
		packed, scales := s.int4Row(i)
		kernel.EncodeInt4(packed, scales, v)
	}
}

// int4Row is node i's packed nibbles and block scales.
func (s *vectorStore) int4Row(i uint32) ([]byte, []float32) {
	b := int(i) * s.blocks
	return s.nibbles[b*kernel.Int4Block/2 : (b+s.blocks)*kernel.Int4Block/2], s.blockScale[b : b+s.blocks]
}

func (s *vectorStore) exactRow(i uint32) []float32 {
	return s.exact[int(i)*s.dim : int(i+1)*s.dim]
}

// decode writes the best available float32 form of node i into dst: the
// original when kept, the widened compressed vector otherwise (Int4 always
// keeps the originals, see HNSWConfig.DiscardOriginals).
func (s *vectorStore) decode(i uint32, dst []float32) {
	if s.exact != nil {
		copy(dst, s.exactRow(i))
		return
	}
	lo, hi := int(i)*s.dim, int(i+1)*s.dim
	switch s.kind {
	case Float16:
		kernel.DecodeF16(dst, s.half[lo:hi])
	case Int8:
		sc := s.scale[i]
		for j, b := range s.bytes[lo:hi] {
			dst[j] = float32(b) * sc
		}
	}
}

// view selects which representation a scorer reads.
type view int

const (
	// compressedView reads the storage representation: what a query
	// traversal reads.
	compressedView view = iota
	// bestView reads the float32 originals when they are kept: what graph
	// construction, re-ranking and exact scans read.
	bestView
)

// scorer computes the similarity of one prepared query to stored nodes.
// Similarities order nodes like the metric's score (larger is closer) but
// skip its monotone final steps: Euclidean is the negated squared distance
// and cosine omits the query's norm.
type scorer struct {
	s      *vectorStore
	norms  []float32
	inv    []float32
	metric Metric
	mode   Storage // which representation dot reads
	q      []float32
	q8     []int8
	qScale float32
	qNorm  float32
	qInv   float32
}

// prepare sets the scorer up for query q. buf8 is scratch for an int8 query
// (len dim, or whole kernel.Int4Block blocks for Int4).
func (sc *scorer) prepare(s *vectorStore, norms, inv []float32, m Metric, v view, q []float32, buf8 []int8) {
	sc.s, sc.norms, sc.inv, sc.metric = s, norms, inv, m
	sc.q = q
	sc.qNorm = float32(math.Sqrt(float64(kernel.Dot(q, q))))
	sc.qInv = 0
	if sc.qNorm > 0 {
		sc.qInv = 1 / sc.qNorm
	}
	sc.mode = s.kind
	if v == bestView && s.exact != nil {
		sc.mode = Float32
	}
	switch sc.mode {
	case Int8:
		sc.q8 = buf8[:len(q)]
		sc.qScale = kernel.EncodeInt8(sc.q8, q)
	case Int4:
		sc.q8 = buf8[:s.blocks*kernel.Int4Block]
		sc.qScale = kernel.EncodeInt8(sc.q8, q)
		clear(sc.q8[len(q):]) // the last block's padding
	}
}

// dot is the inner product of the query with node i's vector in the
// scorer's representation.
func (sc *scorer) dot(i uint32) float32 {
	s := sc.s
	lo, hi := int(i)*s.dim, int(i+1)*s.dim
	switch sc.mode {
	case Float16:
		return kernel.DotF16(sc.q, s.half[lo:hi])
	case Int8:
		return float32(kernel.DotInt8(sc.q8, s.bytes[lo:hi])) * sc.qScale * s.scale[i]
	case Int4:
		packed, scales := s.int4Row(i)
		return kernel.DotInt4(sc.q8, packed, scales) * sc.qScale
	}
	return kernel.Dot(sc.q, s.exact[lo:hi])
}

// prefetch asks the cache for node i's vector in the scorer's
// representation (see kernel.Prefetch).
func (sc *scorer) prefetch(i uint32) {
	s := sc.s
	lo, hi := int(i)*s.dim, int(i+1)*s.dim
	switch sc.mode {
	case Float16:
		kernel.Prefetch(s.half[lo:hi])
	case Int8:
		kernel.Prefetch(s.bytes[lo:hi])
	case Int4:
		packed, scales := s.int4Row(i)
		kernel.Prefetch(packed)
		kernel.Prefetch(scales)
	default:
		kernel.Prefetch(s.exact[lo:hi])
	}
}

func (sc *scorer) sim(i uint32) float32 {
	d := sc.dot(i)
	switch sc.metric {
	case Dot:
		return d
	case Euclidean:
		n := sc.norms[i]
		return 2*d - sc.qNorm*sc.qNorm - n*n
	}
	return d * sc.qInv * sc.inv[i]
}

// score is the metric's public score of node i (what Search returns).
func (sc *scorer) score(i uint32) float32 {
	return sc.metric.Score(sc.dot(i), sc.qNorm, sc.norms[i])
}
