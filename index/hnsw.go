package index

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"

	"github.com/driftrec/driftrec/index/internal/hugepage"
	"github.com/driftrec/driftrec/kernel"
)

// HNSWConfig sets up an HNSW index. The zero value is a working default
// configuration; see docs/ann.md for how the defaults were measured.
type HNSWConfig struct {
	// M is the number of links a node keeps per layer above the base; the
	// base layer keeps 2·M. Default 16.
	M int
	// EfConstruction is the candidate-list size of an insertion's search.
	// Default 200.
	EfConstruction int
	// EfSearch is the candidate-list size of a query (at least k is used).
	// Default 96.
	EfSearch int
	// Metric is the similarity the graph is built for. Searches may use
	// another metric; they traverse the same graph, so recall is only
	// measured (docs/ann.md) for the build metric. Default Cosine.
	Metric Metric
	// Storage is the in-memory representation of vectors. Default Float32.
	Storage Storage
	// DiscardOriginals, with Float16 or Int8 storage (not Int4), drops
	// the float32 vectors after compressing them: memory falls to the
	// compressed size, the graph is built from the compressed vectors,
	// scores are approximate and Vector returns the decompressed
	// approximation.
	DiscardOriginals bool
	// MaxDeletedRatio is the share of tombstoned nodes at which Remove
	// repairs the graph and frees their slots (see Compact). Default 0.1.
	MaxDeletedRatio float64
	// FlatFilterLimit: a filtered search whose categories hold at most this
	// many items scans them exactly instead of walking the graph; negative
	// never scans. Default (0): √(20·EfSearch·n) for n items, where the two
	// cost about the same (see Search and docs/ann.md).
	FlatFilterLimit int
	// BuildWorkers is the number of goroutines AddBatch inserts with.
	// Default GOMAXPROCS.
	BuildWorkers int
	// Seed makes the random layer assignment, and so a sequential build,
	// reproducible.
	Seed uint64
}

// DefaultEfSearch is HNSWConfig.EfSearch's default.
const DefaultEfSearch = 96

func (c HNSWConfig) withDefaults() (HNSWConfig, error) {
	if c.M == 0 {
		c.M = 16
	}
	if c.EfConstruction == 0 {
		c.EfConstruction = 200
	}
	if c.EfSearch == 0 {
		c.EfSearch = DefaultEfSearch
	}
	if c.MaxDeletedRatio == 0 {
		c.MaxDeletedRatio = 0.1
	}
	if c.BuildWorkers == 0 {
		c.BuildWorkers = runtime.GOMAXPROCS(0)
	}
	switch {
	case c.M < 2 || c.M > maxM:
		return c, fmt.Errorf("index: HNSW M is %d; it must be 2 to %d", c.M, maxM)
	case c.EfConstruction < 1 || c.EfSearch < 1:
		return c, fmt.Errorf("index: HNSW ef values must be positive")
	case c.Metric != Cosine && c.Metric != Dot && c.Metric != Euclidean:
		return c, fmt.Errorf("index: unknown metric %v", c.Metric)
	case c.Storage < Float32 || c.Storage > Int4:
		return c, fmt.Errorf("index: unknown storage %v", c.Storage)
	case c.Storage == Int4 && c.DiscardOriginals:
		// On TestHNSWRecallDiscardOriginals' data 4-bit scores alone
		// found 0.81 of the top 10; re-scored ones find 0.95 and more.
		return c, fmt.Errorf("index: int4 storage keeps the float32 originals to re-score its candidates; DiscardOriginals needs f16 or int8")
	case c.MaxDeletedRatio < 0 || c.MaxDeletedRatio > 1:
		return c, fmt.Errorf("index: MaxDeletedRatio %v is outside [0, 1]", c.MaxDeletedRatio)
	case c.BuildWorkers < 1:
		return c, fmt.Errorf("index: BuildWorkers must be positive")
	}
	return c, nil
}

const (
	maxM = 128
	// maxLevel bounds the layer a node is drawn for; with M = 2 the
	// expected top layer of a billion nodes is about 30.
	maxLevel = 32
	// lockStripes is the number of mutexes guarding link lists during a
	// parallel build; a power of two so the stripe is a mask.
	lockStripes = 1 << 10
	// minCompact: fewer tombstones than this never trigger a repair, so a
	// tiny index does not repair on every Remove.
	minCompact = 64
	// addChunk is how many entries AddBatch inserts per hold of the write
	// lock: about a second of a 2-core build at 512 dimensions.
	addChunk = 2048
	// orphanCheckBatch: an AddBatch at least this large (or a tenth of the
	// index) ends with a pass that relinks nodes nothing links to.
	orphanCheckBatch = 1000
	// maxDim bounds vector length (the encoders produce 384 to 1024).
	maxDim = 1 << 16
	// maxString bounds IDs, category names and categories per item, which
	// snapshots store with 16-bit lengths.
	maxString = 1<<16 - 1
)

// Node states.
const (
	nodeLive uint8 = iota
	nodeDeleted
	nodeFree
)

// Entry is one item for AddBatch.
type Entry struct {
	ID         string
	Vector     []float32
	Categories []string
}

// HNSW is a hierarchical navigable small-world graph (Malkov & Yashunin,
// 2016): an approximate nearest-neighbour index whose searches visit a few
// thousand nodes whatever the catalogue size.
//
// Writes (Add, AddBatch, Remove, Compact) are serialised against each other
// and against searches; searches run in parallel. Remove tombstones a node,
// which keeps routing traffic until a repair (triggered by MaxDeletedRatio)
// relinks its neighbours and frees the slot for reuse.
type HNSW struct {
	mu  sync.RWMutex
	cfg HNSWConfig
	pcg *rand.PCG // saved with snapshots
	rng *rand.Rand

	dim      int
	mMax0    int // links per node on layer 0
	levelMul float64

	vecs  vectorStore
	norms []float32
	inv   []float32 // 1/norm, 0 for a zero vector

	// links0 holds layer 0: node i's list is links0[i*(mMax0+1):], a count
	// followed by mMax0 slots. upper[i] holds layers 1..level(i) the same
	// way with M slots each; most nodes have none.
	links0 []uint32
	upper  [][]uint32
	levels []uint8
	state  []uint8

	ids  []string
	pos  map[string]uint32
	cats [][]uint32 // category numbers of each node

	catNum   map[string]uint32
	catNames []string
	postings [][]uint32 // nodes by category number; may list dead nodes until Compact

	free       []uint32
	live       int
	tombstones int

	entry    uint32
	topLevel int // -1 while the graph is empty

	entryMu   sync.Mutex // guards entry and topLevel during a parallel build
	promoteMu sync.Mutex // serialises insertions that raise the top level
	stripes   [lockStripes]sync.Mutex

	scratch sync.Pool // *searchScratch
}

// NewHNSW returns an empty HNSW index.
func NewHNSW(cfg HNSWConfig) (*HNSW, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return newHNSW(cfg), nil
}

func newHNSW(cfg HNSWConfig) *HNSW {
	pcg := newPCG(cfg.Seed)
	h := &HNSW{
		cfg:      cfg,
		pcg:      pcg,
		rng:      rand.New(pcg),
		mMax0:    2 * cfg.M,
		levelMul: 1 / math.Log(float64(cfg.M)),
		pos:      make(map[string]uint32),
		catNum:   make(map[string]uint32),
		topLevel: -1,
	}
	h.scratch.New = func() any { return new(searchScratch) }
	return h
}

// Config returns the configuration in force, defaults filled in.
func (h *HNSW) Config() HNSWConfig {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.cfg
}

// SetSearchParams changes the query-time parameters (EfSearch and
// FlatFilterLimit, as in HNSWConfig, 0 being the size-based default)
// without rebuilding; an ef below 1 keeps the current one.
func (h *HNSW) SetSearchParams(ef, flatFilterLimit int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ef >= 1 {
		h.cfg.EfSearch = ef
	}
	h.cfg.FlatFilterLimit = flatFilterLimit
}

// searchScratch is the per-search working memory, pooled so that a query
// allocates little beyond its result.
type searchScratch struct {
	visited  visitedSet
	frontier candHeap
	results  candHeap
	links    []uint32
	excluded []uint32 // Filter.ExcludeIDs as node numbers, sorted
	q8       []int8
	vec      []float32
	// Each scorer and candidate list has one user at a time: sc the query
	// or inserted vector, sc2 the heuristic's candidate, sc3 the base of a
	// pruned list; pick the layer's results, chosen the new node's links,
	// prune and kept a pruned list before and after.
	sc, sc2, sc3 scorer
	pick, chosen []cand
	prune, kept  []cand
}

func (h *HNSW) getScratch() *searchScratch {
	s := h.scratch.Get().(*searchScratch)
	s.frontier.best = true
	s.results.best = false
	if len(s.vec) < h.dim {
		// An Int4 query is padded to whole blocks (kernel.DotInt4).
		s.q8 = make([]int8, kernel.Int4Blocks(h.dim)*kernel.Int4Block)
		s.vec = make([]float32, h.dim)
	}
	return s
}

func (h *HNSW) putScratch(s *searchScratch) {
	s.sc, s.sc2, s.sc3 = scorer{}, scorer{}, scorer{}
	h.scratch.Put(s)
}

func (h *HNSW) mMax(level int) int {
	if level == 0 {
		return h.mMax0
	}
	return h.cfg.M
}

// linksOf returns node i's link list on a layer: element 0 is the count.
func (h *HNSW) linksOf(i uint32, level int) []uint32 {
	if level == 0 {
		w := h.mMax0 + 1
		return h.links0[int(i)*w : int(i+1)*w]
	}
	w := h.cfg.M + 1
	return h.upper[i][(level-1)*w : level*w]
}

func checkEntry(e Entry, dim int) error {
	id, vec := e.ID, e.Vector
	if id == "" || len(id) > maxString {
		return fmt.Errorf("index: item id must be 1 to %d bytes", maxString)
	}
	if len(e.Categories) > maxString {
		return fmt.Errorf("index: item %q has %d categories; the limit is %d", id, len(e.Categories), maxString)
	}
	for _, c := range e.Categories {
		if len(c) > maxString {
			return fmt.Errorf("index: item %q has a category longer than %d bytes", id, maxString)
		}
	}
	if len(vec) == 0 {
		return fmt.Errorf("index: empty vector for item %q", id)
	}
	if len(vec) > maxDim {
		return fmt.Errorf("index: item %q has %d dimensions; the limit is %d", id, len(vec), maxDim)
	}
	if dim != 0 && len(vec) != dim {
		return fmt.Errorf("index: item %q has %d dimensions, the index has %d", id, len(vec), dim)
	}
	for _, x := range vec {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("index: item %q has a non-finite component", id)
		}
	}
	return nil
}

// Add implements Index. Replacing an item tombstones its old node and
// inserts a new one.
func (h *HNSW) Add(id string, vec []float32, categories []string) error {
	return h.AddBatch(context.Background(), []Entry{{ID: id, Vector: vec, Categories: categories}})
}

// AddBatch inserts or replaces items, BuildWorkers at a time. Every entry
// is checked before any is added. The write lock is taken per chunk of
// addChunk entries, so that searches run between chunks of a large load
// (and may see part of it). When ctx is cancelled it stops between
// insertions and returns the context's error; the items inserted so far
// stay, the rest are not added. A later entry for an ID wins.
func (h *HNSW) AddBatch(ctx context.Context, entries []Entry) error {
	if len(entries) == 0 {
		return nil
	}
	dim := len(entries[0].Vector)
	for _, e := range entries {
		if err := checkEntry(e, dim); err != nil {
			return err
		}
	}
	added := 0
	var err error
	for start := 0; start < len(entries) && err == nil; start += addChunk {
		var n int
		n, err = h.addChunk(ctx, entries[start:min(start+addChunk, len(entries))], dim)
		added += n
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if added > 0 && (added >= orphanCheckBatch || added > h.live/10) {
		// Cheap next to the build (one walk over the links), and the one
		// place where insertion's rare orphans can be caught in bulk.
		s := h.getScratch()
		h.reconnectOrphans(s)
		h.putScratch(s)
	}
	return err
}

// addChunk adds validated entries of dimension dim under the write lock
// and reports how many it linked.
func (h *HNSW) addChunk(ctx context.Context, entries []Entry, dim int) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.live+h.tombstones == 0 {
		if h.dim != dim {
			h.resetStorage(dim)
		}
	} else if dim != h.dim {
		return 0, fmt.Errorf("index: items have %d dimensions, the index has %d", dim, h.dim)
	}
	// A later duplicate within the chunk wins: keep the last occurrence.
	last := make(map[string]int, len(entries))
	for i, e := range entries {
		last[e.ID] = i
	}
	nodes := make([]uint32, 0, len(last))
	for i, e := range entries {
		if last[e.ID] != i {
			continue
		}
		nodes = append(nodes, h.allocNode(e))
	}
	done := h.insertAll(ctx, nodes, entries, last)
	linked := 0
	for j, n := range nodes {
		if !done[j] {
			// Never linked, so nothing points at it: free it directly.
			h.state[n] = nodeFree
			h.free = append(h.free, n)
			continue
		}
		linked++
		e := entries[last[h.ids[n]]]
		if old, ok := h.pos[e.ID]; ok {
			h.tombstone(old)
		}
		h.pos[e.ID] = n
		h.state[n] = nodeLive
		h.live++
		for _, c := range h.cats[n] {
			h.postings[c] = append(h.postings[c], n)
		}
	}
	if err := ctx.Err(); err != nil {
		return linked, fmt.Errorf("index: adding items: %w", err)
	}
	h.maybeCompact()
	return linked, nil
}

// resetStorage starts over with a new dimension; the index is empty. The
// struct is reset field by field because it holds the (locked) mutex.
func (h *HNSW) resetStorage(dim int) {
	h.dim = dim
	h.vecs = newVectorStore(h.cfg.Storage, dim, !h.cfg.DiscardOriginals)
	h.norms, h.inv = nil, nil
	h.links0, h.upper, h.levels, h.state = nil, nil, nil, nil
	h.ids, h.cats = nil, nil
	h.pos = make(map[string]uint32)
	h.catNum = make(map[string]uint32)
	h.catNames, h.postings = nil, nil
	h.free = nil
	h.live, h.tombstones = 0, 0
	h.entry, h.topLevel = 0, -1
}

// randomLevel draws a node's top layer from the geometric distribution of
// the paper, floor(-ln U · mL) with mL = 1/ln M.
func (h *HNSW) randomLevel() int {
	u := 1 - h.rng.Float64() // (0, 1]
	l := int(-math.Log(u) * h.levelMul)
	return min(l, maxLevel)
}

// allocNode stores an entry in a free or new slot, unlinked, in state
// nodeDeleted so that nothing returns it before it is linked.
func (h *HNSW) allocNode(e Entry) uint32 {
	var n uint32
	if k := len(h.free); k > 0 {
		n = h.free[k-1]
		h.free = h.free[:k-1]
	} else {
		n = uint32(len(h.levels))
		total := int(n) + 1
		h.vecs.grow(total)
		h.links0 = hugepage.Grow(h.links0, len(h.links0)+h.mMax0+1)
		h.upper = append(h.upper, nil)
		h.levels = append(h.levels, 0)
		h.state = append(h.state, nodeFree)
		h.ids = append(h.ids, "")
		h.cats = append(h.cats, nil)
		h.norms = append(h.norms, 0)
		h.inv = append(h.inv, 0)
	}
	level := h.randomLevel()
	h.levels[n] = uint8(level)
	h.state[n] = nodeDeleted
	h.ids[n] = e.ID
	h.vecs.set(n, e.Vector)
	norm := sqrt32(kernel.Dot(e.Vector, e.Vector))
	h.norms[n] = norm
	h.inv[n] = 0
	if norm > 0 {
		h.inv[n] = 1 / norm
	}
	clear(h.linksOf(n, 0))
	if level > 0 {
		h.upper[n] = make([]uint32, level*(h.cfg.M+1))
	} else {
		h.upper[n] = nil
	}
	h.cats[n] = h.internCategories(e.Categories)
	return n
}

func (h *HNSW) internCategories(cs []string) []uint32 {
	if len(cs) == 0 {
		return nil
	}
	out := make([]uint32, 0, len(cs))
	for _, c := range cs {
		k, ok := h.catNum[c]
		if !ok {
			k = uint32(len(h.catNames))
			h.catNum[c] = k
			h.catNames = append(h.catNames, c)
			h.postings = append(h.postings, nil)
		}
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// tombstone marks a live node deleted: it keeps routing searches but is
// never returned.
func (h *HNSW) tombstone(n uint32) {
	h.state[n] = nodeDeleted
	h.live--
	h.tombstones++
}

// Remove implements Index. The node becomes a tombstone; when tombstones
// exceed MaxDeletedRatio of the nodes, the graph is repaired (Compact).
func (h *HNSW) Remove(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, ok := h.pos[id]
	if !ok {
		return
	}
	delete(h.pos, id)
	h.tombstone(n)
	h.maybeCompact()
}

func (h *HNSW) maybeCompact() {
	if h.live == 0 && h.tombstones > 0 {
		h.resetStorage(h.dim)
		return
	}
	total := h.live + h.tombstones
	if h.tombstones >= minCompact && float64(h.tombstones) > h.cfg.MaxDeletedRatio*float64(total) {
		h.compact()
	}
}

// Vector implements Index. With DiscardOriginals it returns the
// decompressed approximation.
func (h *HNSW) Vector(id string) ([]float32, bool) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	n, ok := h.pos[id]
	if !ok {
		return nil, false
	}
	out := make([]float32, h.dim)
	h.vecs.decode(n, out)
	return out, true
}

// Len implements Index.
func (h *HNSW) Len() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.live
}

// Dim implements Index.
func (h *HNSW) Dim() int {
	h.mu.RLock()
	defer h.mu.RUnlock()
	if h.live == 0 {
		return 0
	}
	return h.dim
}

// Stats describes the index's size, for monitoring and benchmarks.
type Stats struct {
	Live, Tombstones, Free int
	TopLevel               int
	// VectorBytes and GraphBytes estimate the memory of vectors (all kept
	// representations) and of link lists.
	VectorBytes, GraphBytes int64
}

// Stats returns the index's current Stats.
func (h *HNSW) Stats() Stats {
	h.mu.RLock()
	defer h.mu.RUnlock()
	st := Stats{Live: h.live, Tombstones: h.tombstones, Free: len(h.free), TopLevel: h.topLevel}
	st.VectorBytes = int64(4*len(h.vecs.exact) + 2*len(h.vecs.half) + len(h.vecs.bytes) + 4*len(h.vecs.scale))
	st.GraphBytes = int64(4 * len(h.links0))
	for _, u := range h.upper {
		st.GraphBytes += int64(4*len(u)) + 24
	}
	return st
}

// Scan calls fn with every live item and its vector until fn returns false,
// and reports true. The vector is the index's float32 original, or with
// DiscardOriginals a decompressed copy in a reused buffer: either way fn
// must not modify or retain it. The index is read-locked for the whole
// scan, so fn must not call back into it.
func (h *HNSW) Scan(fn func(id string, vec []float32) bool) bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	var buf []float32
	if !h.vecs.hasExact() {
		buf = make([]float32, h.dim)
	}
	for i, st := range h.state {
		if st != nodeLive {
			continue
		}
		u := uint32(i)
		v := buf
		if buf == nil {
			v = h.vecs.exactRow(u)
		} else {
			h.vecs.decode(u, buf)
		}
		if !fn(h.ids[i], v) {
			break
		}
	}
	return true
}
