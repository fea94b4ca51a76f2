// Package collab learns item vectors from what users do, to put beside the
// language-model vectors of item texts: two films that the same people
// watch one after the other are alike whatever their synopses say.
//
// Training (Train) follows Levy & Goldberg's analysis of word2vec: the
// shifted positive pointwise mutual information of items that co-occur
// within a window of each user's sequence,
//
//	PPMI(i, j) = max(0, log(c(i,j)·C / (c(i)·c_α(j))) − log s)
//
// with co-occurrences weighted by 1/distance, context counts smoothed by
// the exponent α = 0.75 and shift s, is factorised by a randomised
// truncated SVD (Halko, Martinsson & Tropp 2011): PPMI ≈ U Σ Vᵀ and item i's
// vector is row i of U·Σ^½. It is deterministic for a seed, needs no
// learning rate, and trains on MovieLens-sized logs in seconds.
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

// Options configure Train.
type Options struct {
	// Dim is the number of dimensions (default 64).
	Dim int
	// Window is how many following items of a sequence count as
	// co-occurring (default 10).
	Window int
	// Shift is s in log s subtracted from PMI (default 1: no shift).
	Shift float64
	// MinCount drops items seen fewer times (default 1).
	MinCount int
	// PowerIterations of the randomised SVD (default 4).
	PowerIterations int
	// Seed makes training reproducible.
	Seed uint64
}

func (o *Options) defaults() {
	if o.Dim <= 0 {
		o.Dim = 64
	}
	if o.Window <= 0 {
		o.Window = 10
	}
	if o.Shift <= 0 {
		o.Shift = 1
	}
	if o.MinCount <= 0 {
		o.MinCount = 1
	}
	if o.PowerIterations <= 0 {
		o.PowerIterations = 4
	}
}

// Model is a trained set of item vectors, with an optional text adapter.
type Model struct {
	Dim     int
	IDs     []string
	Vectors []float32 // len(IDs) × Dim, row-major
	index   map[string]int

	// Adapter maps a text vector (TextDim) to the item space (Dim); nil
	// without one. Row-major TextDim × Dim.
	Adapter []float32
	TextDim int
	// TextEncoder is the ID of the encoder the adapter was fitted for.
	TextEncoder string
}

// Vector returns an item's vector (shared; do not modify).
func (m *Model) Vector(id string) ([]float32, bool) {
	i, ok := m.index[id]
	if !ok {
		return nil, false
	}
	return m.Vectors[i*m.Dim : (i+1)*m.Dim], true
}

// Len is the number of items with vectors.
func (m *Model) Len() int { return len(m.IDs) }

func (m *Model) buildIndex() {
	m.index = make(map[string]int, len(m.IDs))
	for i, id := range m.IDs {
		m.index[id] = i
	}
}

// Train learns item vectors from sequences of item IDs, each one user's
// items in time order.
func Train(seqs [][]string, opts Options) (*Model, error) {
	opts.defaults()
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
	n := len(ids)
	if n < 2 {
		return nil, errors.New("collab: fewer than two items to learn from")
	}
	dim := min(opts.Dim, n-1)
	pos := make(map[string]int, n)
	for i, id := range ids {
		pos[id] = i
	}

	// Co-occurrence within the window, weighted by 1/distance, symmetric.
	co := map[uint64]float64{}
	rowSum := make([]float64, n)
	for _, s := range seqs {
		idx := make([]int, 0, len(s))
		for _, it := range s {
			if p, ok := pos[it]; ok {
				idx = append(idx, p)
			}
		}
		for a := range idx {
			for b := a + 1; b < len(idx) && b-a <= opts.Window; b++ {
				i, j := idx[a], idx[b]
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
	var total, ctxTotal float64
	ctx := make([]float64, n)
	for i, r := range rowSum {
		total += r
		ctx[i] = math.Pow(r, 0.75)
		ctxTotal += ctx[i]
	}
	if total == 0 {
		return nil, errors.New("collab: no two items ever co-occur within the window")
	}
	// PPMI as a sparse matrix in CSR form.
	type entry struct {
		col int
		v   float64
	}
	rows := make([][]entry, n)
	logShift := math.Log(opts.Shift)
	for k, c := range co {
		i, j := int(k>>32), int(uint32(k))
		pmi := math.Log(c*ctxTotal/(rowSum[i]*ctx[j])) - logShift
		if pmi > 0 {
			rows[i] = append(rows[i], entry{j, pmi})
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
	u, sigma := randomizedSVD(a, dim, opts.PowerIterations, opts.Seed)
	m := &Model{Dim: dim, IDs: ids, Vectors: make([]float32, n*dim)}
	for i := 0; i < n; i++ {
		for k := 0; k < dim; k++ {
			m.Vectors[i*dim+k] = float32(u.At(i, k) * math.Sqrt(sigma[k]))
		}
	}
	m.buildIndex()
	return m, nil
}

func pairKey(i, j int) uint64 { return uint64(i)<<32 | uint64(uint32(j)) }

// csr is a square sparse matrix in compressed sparse row form.
type csr struct {
	n      int
	rowPtr []int
	cols   []int
	vals   []float64
}

// mulDense returns A·X for a dense n × k matrix X (A is symmetric here, so
// Aᵀ·X is the same product).
func (a *csr) mulDense(x *mat.Dense) *mat.Dense {
	_, k := x.Dims()
	out := mat.NewDense(a.n, k, nil)
	xr := x.RawMatrix()
	or := out.RawMatrix()
	for i := 0; i < a.n; i++ {
		dst := or.Data[i*or.Stride : i*or.Stride+k]
		for p := a.rowPtr[i]; p < a.rowPtr[i+1]; p++ {
			v, src := a.vals[p], xr.Data[a.cols[p]*xr.Stride:a.cols[p]*xr.Stride+k]
			for c := range dst {
				dst[c] += v * src[c]
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

// randomizedSVD returns the leading k left singular vectors and values of
// the symmetric sparse matrix a.
func randomizedSVD(a *csr, k, iters int, seed uint64) (*mat.Dense, []float64) {
	l := min(k+16, a.n)
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	omega := mat.NewDense(a.n, l, nil)
	raw := omega.RawMatrix()
	for i := range raw.Data {
		raw.Data[i] = rng.NormFloat64()
	}
	q := orthonormalize(a.mulDense(omega))
	for it := 0; it < iters; it++ {
		q = orthonormalize(a.mulDense(q)) // (A Aᵀ) applied in two steps; A = Aᵀ
		q = orthonormalize(a.mulDense(q))
	}
	// B = Qᵀ A, small (l × n); its SVD gives A's.
	bt := a.mulDense(q) // Aᵀ Q = (Qᵀ A)ᵀ
	var b mat.Dense
	b.CloneFrom(bt.T())
	var svd mat.SVD
	if !svd.Factorize(&b, mat.SVDThin) {
		panic("collab: SVD did not converge")
	}
	var ub mat.Dense
	svd.UTo(&ub)
	var u mat.Dense
	u.Mul(q, &ub)
	vals := svd.Values(nil)
	return mat.DenseCopyOf(u.Slice(0, a.n, 0, k)), vals[:k]
}

// FitAdapter fits the ridge regression from text vectors to the model's
// item vectors over the items present in both, and stores it in the model.
// lambda is the ridge penalty (default 1 when ≤ 0).
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
	t := mat.NewDense(len(rows), td, nil)
	c := mat.NewDense(len(rows), m.Dim, nil)
	for r, id := range rows {
		tv := texts[id]
		for j, x := range tv {
			t.Set(r, j, float64(x))
		}
		cv, _ := m.Vector(id)
		for j, x := range cv {
			c.Set(r, j, float64(x))
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
	m.Adapter = make([]float32, td*m.Dim)
	for i := 0; i < td; i++ {
		for j := 0; j < m.Dim; j++ {
			m.Adapter[i*m.Dim+j] = float32(w.At(i, j))
		}
	}
	m.TextDim, m.TextEncoder = td, encoderID
	return nil
}

// Project maps a text vector through the adapter (nil without one or for
// a vector of another dimension).
func (m *Model) Project(text []float32) []float32 {
	if m.Adapter == nil || len(text) != m.TextDim {
		return nil
	}
	out := make([]float32, m.Dim)
	for i, x := range text {
		if x == 0 {
			continue
		}
		row := m.Adapter[i*m.Dim : (i+1)*m.Dim]
		for j, w := range row {
			out[j] += x * w
		}
	}
	return out
}

// TrainIncidence learns item vectors as the (user-weighted) sets of users
// who consumed each item: item i's vector has weight 1/√n_u in user u's
// dimension when u consumed i (n_u = u's number of items), so that the
// cosine of two items is the item-kNN similarity with popular-user
// damping. With more users than dim, the incidence vectors are projected
// to dim dimensions by a seeded random ±1/√dim matrix, which keeps inner
// products in expectation (Johnson–Lindenstrauss).
func TrainIncidence(seqs [][]string, dim int, seed uint64) (*Model, error) {
	count := map[string]bool{}
	for _, s := range seqs {
		for _, it := range s {
			count[it] = true
		}
	}
	ids := make([]string, 0, len(count))
	for id := range count {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if len(ids) < 2 {
		return nil, errors.New("collab: fewer than two items to learn from")
	}
	pos := make(map[string]int, len(ids))
	for i, id := range ids {
		pos[id] = i
	}
	exact := dim <= 0 || dim >= len(seqs)
	if exact {
		dim = len(seqs)
	}
	m := &Model{Dim: dim, IDs: ids, Vectors: make([]float32, len(ids)*dim)}
	rng := rand.New(rand.NewPCG(seed, 0x1ac))
	proj := make([]float32, dim)
	for u, s := range seqs {
		uniq := map[int]bool{}
		for _, it := range s {
			uniq[pos[it]] = true
		}
		w := float32(1 / math.Sqrt(float64(len(uniq))))
		if exact {
			for i := range uniq {
				m.Vectors[i*dim+u] += w
			}
			continue
		}
		s := float32(1 / math.Sqrt(float64(dim)))
		for k := range proj {
			if rng.IntN(2) == 0 {
				proj[k] = s * w
			} else {
				proj[k] = -s * w
			}
		}
		for i := range uniq {
			row := m.Vectors[i*dim : (i+1)*dim]
			for k, x := range proj {
				row[k] += x
			}
		}
	}
	m.buildIndex()
	return m, nil
}
