// Package collab learns item vectors from what users do, to put beside the
// language-model vectors of item texts: two films that the same people
// watch one after the other are alike whatever their synopses say.
//
// Train learns one or more parts from users' item sequences. The default
// pair is an item-kNN co-occurrence part (each item's exact user incidence,
// so cosines are item-kNN similarities) and a transition part: the
// directed counts of what follows what within a window, weighted by
// 1/distance, normalised and factorised by a randomised truncated SVD
// (Halko, Martinsson & Tropp 2011) into a history side (what consuming an
// item says about the user) and a target side (what makes an item the
// next one). A third kind follows Levy & Goldberg's analysis of word2vec,
// the shifted positive PMI of windowed co-occurrence factorised the same
// way. Everything is deterministic for a seed and needs no learning rate.
//
// The transition part's target side is then refitted (PartSpec.Ridge, on
// by default): a ridge regression, in closed form, from the state the
// engine builds out of the preceding items' history sides to the item that
// came next — interest state → next item, the seed's "adapt to the
// user's data" step for what users do.
//
// A linear adapter (ridge regression from text vectors to item vectors,
// W = (TᵀT + λI)⁻¹ TᵀC over the catalogue) carries texts into the same
// space, so that a search query, a comment, or an item nobody has touched
// yet gets a collaborative vector too — the parameter-efficient adaptation
// of the frozen encoder to the deployment's own data that the seed asks
// for (its "fine-tune on the user's data" step).
//
// Encoder combines a text encoder with a trained Model: an item's vector
// is the weighted concatenation of its text vector and its collaborative
// vector, a text's is that of its text vector and the adapter's projection,
// so the interest model clusters and fuses both kinds of evidence at once.
package collab

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// Part is one kind of learned evidence. Each item has a vector on the
// history side (what consuming the item says about the user) and on the
// target side (what makes the item a good next one); for symmetric parts
// (co-occurrence) the two are the same. A user's state is built from
// history vectors and candidates are scored by target vectors, so an
// asymmetric part can say "after j comes x" without "after x comes j".
type Part struct {
	Kind   string
	Dim    int
	Source []float32 // len(IDs) × Dim, row-major: the history side
	Target []float32 // the target side; nil when the part is symmetric
}

// The part kinds Train can learn.
const (
	// KindCooccur: item i's vector is the set of users who consumed it
	// (each user's weight 1/√(items of the user)), so the cosine of two
	// items is the item-kNN similarity. Exact when Dim ≥ users, a random
	// projection otherwise.
	KindCooccur = "cooccur"
	// KindTransition: the directed, distance-weighted counts of x
	// following j within a window, normalised by √(c(j)·c(x)) and
	// factorised by randomised SVD into history (j) and target (x) sides.
	KindTransition = "transition"
	// KindPPMI: shifted positive PMI of co-occurrence within a window,
	// factorised by randomised SVD (symmetric).
	KindPPMI = "ppmi"
)

// PartSpec asks Train for one part.
type PartSpec struct {
	Kind string
	// Dim is the part's dimension (Cooccur: 0 means exact).
	Dim int
	// Window is the co-occurrence window of Transition and PPMI parts.
	Window int
	// Undamped gives every user weight 1 in Cooccur vectors instead of
	// 1/√(the user's items), which damps heavy users.
	Undamped bool
	// Ridge, when positive, fits a Transition part's target side by ridge
	// regression from states of history sides (the Window items before a
	// position) to the next item, with penalty Ridge × the mean diagonal of
	// the states' Gram matrix (see refitTargets).
	Ridge float64
}

// Model is a trained set of item vectors in one or more parts, with an
// optional text adapter.
type Model struct {
	IDs   []string
	Parts []Part
	index map[string]int

	// Adapter maps a text vector (TextDim) to the concatenated target
	// sides of the parts; nil without one. Row-major TextDim × TargetDim.
	Adapter []float32
	TextDim int
	// TextEncoder is the ID of the encoder the adapter was fitted for.
	TextEncoder string
}

// TargetDim is the summed dimension of the parts.
func (m *Model) TargetDim() int {
	n := 0
	for i := range m.Parts {
		n += m.Parts[i].Dim
	}
	return n
}

// Has reports whether the model learned vectors for an item.
func (m *Model) Has(id string) bool {
	_, ok := m.index[id]
	return ok
}

// Side returns part p's vector of an item on the history (source) or
// target side (shared; do not modify).
func (m *Model) Side(p int, id string, target bool) ([]float32, bool) {
	i, ok := m.index[id]
	if !ok {
		return nil, false
	}
	pt := &m.Parts[p]
	v := pt.Source
	if target && pt.Target != nil {
		v = pt.Target
	}
	return v[i*pt.Dim : (i+1)*pt.Dim], true
}

// Len is the number of items with vectors.
func (m *Model) Len() int { return len(m.IDs) }

func (m *Model) buildIndex() {
	m.index = make(map[string]int, len(m.IDs))
	for i, id := range m.IDs {
		m.index[id] = i
	}
}

// Options configure Train.
type Options struct {
	Parts []PartSpec
	// MinCount drops items seen fewer times (default 1).
	MinCount int
	// Shift is s in log s subtracted from PMI (default 1: no shift).
	Shift float64
	// PowerIterations of the randomised SVD (default 4).
	PowerIterations int
	// Seed makes training reproducible.
	Seed uint64
}

// DefaultParts are the parts driftrec train learns by default: item-kNN
// co-occurrence (exact up to 1,024 users, projected beyond) and a
// 768-dimensional factorisation of what follows what within 8 steps, its
// target side refitted by ridge regression with penalty 10. Chosen on
// ml-latest-small validation (NDCG@10 of the driftrec + collab row with
// the bridge encoder, cf 0.7, α 0.8; eval's TestCollabAblation with
// ABLATION_PARTS): transition dim:window 512:3 0.0733, 256:3 0.0680, 512:5
// 0.0770, 512:8 0.0792, 512:16 0.0770, 1024:5 0.0796, 1024:8 0.0799, 768:8
// 0.0812; then the refit's penalty: none 0.0812, 1 0.0774, 10 0.0849, 30
// 0.0815, 100 0.0778.
func DefaultParts() []PartSpec {
	return []PartSpec{{Kind: KindCooccur, Dim: 1024}, {Kind: KindTransition, Dim: 768, Window: 8, Ridge: 10}}
}

// Train learns item vectors from sequences of item IDs, each one user's
// items in time order.
func Train(seqs [][]string, opts Options) (*Model, error) {
	if len(opts.Parts) == 0 {
		opts.Parts = DefaultParts()
	}
	if opts.MinCount <= 0 {
		opts.MinCount = 1
	}
	if opts.Shift <= 0 {
		opts.Shift = 1
	}
	if opts.PowerIterations <= 0 {
		opts.PowerIterations = 4
	}
	count := map[string]int{}
	for _, s := range seqs {
		for _, it := range s {
			count[it]++
		}
	}
	var ids []string
	for id, c := range count {
		if c >= opts.MinCount {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	if len(ids) < 2 {
		return nil, errors.New("collab: fewer than two items to learn from")
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	idx := make([][]int, len(seqs))
	for u, s := range seqs {
		for _, it := range s {
			if p, ok := pos[it]; ok {
				idx[u] = append(idx[u], p)
			}
		}
	}
	m := &Model{IDs: ids}
	for k, spec := range opts.Parts {
		var part Part
		var err error
		seed := opts.Seed + uint64(k)*7919
		switch spec.Kind {
		case KindCooccur:
			part = trainCooccur(idx, len(ids), spec.Dim, spec.Undamped, seed)
		case KindTransition:
			part, err = trainTransition(idx, len(ids), spec, opts.PowerIterations, seed)
			if err == nil && spec.Ridge > 0 {
				err = refitTargets(idx, &part, window(spec, 3), spec.Ridge)
			}
		case KindPPMI:
			part, err = trainPPMI(idx, len(ids), spec, opts.Shift, opts.PowerIterations, seed)
		default:
			err = fmt.Errorf("collab: unknown part kind %q", spec.Kind)
		}
		if err != nil {
			return nil, err
		}
		m.Parts = append(m.Parts, part)
	}
	m.buildIndex()
	return m, nil
}

func window(spec PartSpec, def int) int {
	if spec.Window > 0 {
		return spec.Window
	}
	return def
}

// trainCooccur builds user-incidence vectors (see KindCooccur).
func trainCooccur(seqs [][]int, n, dim int, undamped bool, seed uint64) Part {
	exact := dim <= 0 || dim >= len(seqs)
	if exact {
		dim = len(seqs)
	}
	part := Part{Kind: KindCooccur, Dim: dim, Source: make([]float32, n*dim)}
	rng := rand.New(rand.NewPCG(seed, 0x1ac))
	proj := make([]float32, dim)
	for u, s := range seqs {
		uniq := map[int]bool{}
		for _, i := range s {
			uniq[i] = true
		}
		if len(uniq) == 0 {
			continue
		}
		w := float32(1 / math.Sqrt(float64(len(uniq))))
		if undamped {
			w = 1
		}
		if exact {
			for i := range uniq {
				part.Source[i*dim+u] += w
			}
			continue
		}
		sc := float32(1 / math.Sqrt(float64(dim)))
		for k := range proj {
			if rng.IntN(2) == 0 {
				proj[k] = sc * w
			} else {
				proj[k] = -sc * w
			}
		}
		for i := range uniq {
			row := part.Source[i*dim : (i+1)*dim]
			for k, x := range proj {
				row[k] += x
			}
		}
	}
	return part
}

// trainTransition factorises the normalised directed transition counts.
func trainTransition(seqs [][]int, n int, spec PartSpec, iters int, seed uint64) (Part, error) {
	win := window(spec, 3)
	cnt := make([]float64, n)
	co := map[uint64]float64{}
	for _, s := range seqs {
		for a, i := range s {
			cnt[i]++
			for b := a + 1; b < len(s) && b-a <= win; b++ {
				if s[b] != i {
					co[pairKey(i, s[b])] += 1 / float64(b-a)
				}
			}
		}
	}
	if len(co) == 0 {
		return Part{}, errors.New("collab: no item ever follows another within the window")
	}
	a := newCSR(n, co, func(i, j int, c float64) float64 { return c / math.Sqrt(cnt[i]*cnt[j]) })
	dim := min(max(spec.Dim, 1), n-1)
	u, v, sigma := randomizedSVD(a, dim, iters, seed)
	part := Part{Kind: KindTransition, Dim: dim, Source: make([]float32, n*dim), Target: make([]float32, n*dim)}
	for i := 0; i < n; i++ {
		for k := 0; k < dim; k++ {
			s := math.Sqrt(sigma[k])
			part.Source[i*dim+k] = float32(u.At(i, k) * s)
			part.Target[i*dim+k] = float32(v.At(i, k) * s)
		}
	}
	return part, nil
}

// trainPPMI factorises shifted positive PMI of windowed co-occurrence.
func trainPPMI(seqs [][]int, n int, spec PartSpec, shift float64, iters int, seed uint64) (Part, error) {
	win := window(spec, 10)
	co := map[uint64]float64{}
	rowSum := make([]float64, n)
	for _, s := range seqs {
		for a := range s {
			for b := a + 1; b < len(s) && b-a <= win; b++ {
				i, j := s[a], s[b]
				if i == j {
					continue
				}
				w := 1 / float64(b-a)
				co[pairKey(i, j)] += w
				co[pairKey(j, i)] += w
				rowSum[i] += w
				rowSum[j] += w
			}
		}
	}
	var ctxTotal float64
	ctx := make([]float64, n)
	for i, r := range rowSum {
		ctx[i] = math.Pow(r, 0.75)
		ctxTotal += ctx[i]
	}
	if len(co) == 0 {
		return Part{}, errors.New("collab: no two items ever co-occur within the window")
	}
	logShift := math.Log(shift)
	a := newCSR(n, co, func(i, j int, c float64) float64 {
		return math.Max(0, math.Log(c*ctxTotal/(rowSum[i]*ctx[j]))-logShift)
	})
	dim := min(max(spec.Dim, 1), n-1)
	u, _, sigma := randomizedSVD(a, dim, iters, seed)
	part := Part{Kind: KindPPMI, Dim: dim, Source: make([]float32, n*dim)}
	for i := 0; i < n; i++ {
		for k := 0; k < dim; k++ {
			part.Source[i*dim+k] = float32(u.At(i, k) * math.Sqrt(sigma[k]))
		}
	}
	return part, nil
}

func pairKey(i, j int) uint64 { return uint64(i)<<32 | uint64(uint32(j)) }

// csr is a square sparse matrix in compressed sparse row form.
type csr struct {
	n      int
	rowPtr []int
	cols   []int
	vals   []float64
}

// newCSR builds a matrix from counts keyed by pairKey, with each count
// turned into a value by f; zero values are dropped.
func newCSR(n int, counts map[uint64]float64, f func(i, j int, c float64) float64) *csr {
	type entry struct {
		col int
		v   float64
	}
	rows := make([][]entry, n)
	for k, c := range counts {
		i, j := int(k>>32), int(uint32(k))
		if v := f(i, j, c); v != 0 {
			rows[i] = append(rows[i], entry{j, v})
		}
	}
	a := &csr{n: n, rowPtr: make([]int, n+1)}
	for i, r := range rows {
		slices.SortFunc(r, func(x, y entry) int { return x.col - y.col })
		for _, e := range r {
			a.cols = append(a.cols, e.col)
			a.vals = append(a.vals, e.v)
		}
		a.rowPtr[i+1] = len(a.cols)
	}
	return a
}

// mulDense returns A·X, or Aᵀ·X with transpose, for a dense n × k X.
func (a *csr) mulDense(x *mat.Dense, transpose bool) *mat.Dense {
	_, k := x.Dims()
	out := mat.NewDense(a.n, k, nil)
	xr := x.RawMatrix()
	or := out.RawMatrix()
	for i := 0; i < a.n; i++ {
		for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
			v, c := a.vals[p], a.cols[p]
			dst, src := i, c
			if transpose {
				dst, src = c, i
			}
			d := or.Data[dst*or.Stride : dst*or.Stride+k]
			s := xr.Data[src*xr.Stride : src*xr.Stride+k]
			for j := range d {
				d[j] += v * s[j]
			}
		}
	}
	return out
}

// orthonormalize returns an orthonormal basis of y's columns by modified
// Gram-Schmidt, twice over for accuracy. (gonum's QR forms the full n×n Q,
// which for ten thousand items is a hundred million entries; the thin basis
// is all the randomised SVD needs.) A column that vanishes is replaced by
// zeros.
func orthonormalize(y *mat.Dense) *mat.Dense {
	r, c := y.Dims()
	cols := make([][]float64, c)
	for j := range cols {
		cols[j] = mat.Col(nil, j, y)
	}
	for pass := 0; pass < 2; pass++ {
		for j := range cols {
			for k := 0; k < j; k++ {
				var d float64
				for i := range cols[j] {
					d += cols[j][i] * cols[k][i]
				}
				for i := range cols[j] {
					cols[j][i] -= d * cols[k][i]
				}
			}
			var n float64
			for _, x := range cols[j] {
				n += x * x
			}
			n = math.Sqrt(n)
			for i := range cols[j] {
				if n > 1e-12 {
					cols[j][i] /= n
				} else {
					cols[j][i] = 0
				}
			}
		}
	}
	q := mat.NewDense(r, c, nil)
	for j, col := range cols {
		q.SetCol(j, col)
	}
	return q
}

// randomizedSVD returns the leading k singular vectors (left U, right V)
// and values of the sparse matrix a.
func randomizedSVD(a *csr, k, iters int, seed uint64) (u, v *mat.Dense, sigma []float64) {
	l := min(k+16, a.n)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	omega := mat.NewDense(a.n, l, nil)
	raw := omega.RawMatrix()
	for i := range raw.Data {
		raw.Data[i] = rng.NormFloat64()
	}
	q := orthonormalize(a.mulDense(omega, false))
	for it := 0; it < iters; it++ {
		q = orthonormalize(a.mulDense(q, true)) // A Aᵀ in two steps
		q = orthonormalize(a.mulDense(q, false))
	}
	// B = Qᵀ A (l × n) is small; A ≈ Q B, and B's SVD gives A's.
	bt := a.mulDense(q, true) // Aᵀ Q = Bᵀ
	var b mat.Dense
	b.CloneFrom(bt.T())
	var svd mat.SVD
	if !svd.Factorize(&b, mat.SVDThin) {
		panic("collab: SVD did not converge")
	}
	var ub, vb, uu mat.Dense
	svd.UTo(&ub)
	svd.VTo(&vb)
	uu.Mul(q, &ub)
	vals := svd.Values(nil)
	return mat.DenseCopyOf(uu.Slice(0, a.n, 0, k)), mat.DenseCopyOf(vb.Slice(0, a.n, 0, k)), vals[:k]
}

// FitAdapter fits the ridge regression from text vectors to the items'
// target sides (each part's vector made unit length, concatenated) over
// the items present in both, and stores it in the model. lambda is the
// ridge penalty (default 1 when ≤ 0).
func (m *Model) FitAdapter(encoderID string, texts map[string][]float32, lambda float64) error {
	if lambda <= 0 {
		lambda = 1
	}
	var rows []string
	td := 0
	for _, id := range m.IDs {
		if v, ok := texts[id]; ok && len(v) > 0 {
			if td == 0 {
				td = len(v)
			}
			if len(v) == td {
				rows = append(rows, id)
			}
		}
	}
	if len(rows) < 2 {
		return errors.New("collab: no item has both a text vector and a collaborative vector")
	}
	cd := m.TargetDim()
	t := mat.NewDense(len(rows), td, nil)
	c := mat.NewDense(len(rows), cd, nil)
	for r, id := range rows {
		for j, x := range texts[id] {
			t.Set(r, j, float64(x))
		}
		off := 0
		for p := range m.Parts {
			v, _ := m.Side(p, id, true)
			n := norm(v)
			for j, x := range v {
				if n > 0 {
					c.Set(r, off+j, float64(x)/n)
				}
			}
			off += m.Parts[p].Dim
		}
	}
	var tt mat.SymDense
	tt.SymOuterK(1, t.T())
	for i := 0; i < td; i++ {
		tt.SetSym(i, i, tt.At(i, i)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(&tt) {
		return errors.New("collab: the adapter's normal equations are not positive definite")
	}
	var tc, w mat.Dense
	tc.Mul(t.T(), c)
	if err := chol.SolveTo(&w, &tc); err != nil {
		return fmt.Errorf("collab: solve the adapter: %w", err)
	}
	m.Adapter = make([]float32, td*cd)
	for i := 0; i < td; i++ {
		for j := 0; j < cd; j++ {
			m.Adapter[i*cd+j] = float32(w.At(i, j))
		}
	}
	m.TextDim, m.TextEncoder = td, encoderID
	return nil
}

// Project maps a text vector through the adapter to the concatenated
// target sides (nil without an adapter or for a vector of another
// dimension).
func (m *Model) Project(text []float32) []float32 {
	if m.Adapter == nil || len(text) != m.TextDim {
		return nil
	}
	cd := m.TargetDim()
	out := make([]float32, cd)
	for i, x := range text {
		if x == 0 {
			continue
		}
		row := m.Adapter[i*cd : (i+1)*cd]
		for j, w := range row {
			out[j] += x * w
		}
	}
	return out
}

func norm(v []float32) float64 {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	return math.Sqrt(s)
}
