package collab

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// stateDecay weighs the items before a position in the states that
// refitTargets regresses from: the latest 1, the one before 0.75, and so
// on, as the engine's short-term state does with short_step_decay 0.75 (the
// setting the evaluation's collab rows run with).
const stateDecay = 0.75

// refitChunk is how many states refitTargets accumulates before adding
// their outer products to the normal equations: a chunk of 768-d states is
// 25 MB, where all of a MovieLens training split's would be 600 MB.
const refitChunk = 4096

// refitTargets replaces part's target side by the ridge regression that
// predicts the next item from the state the engine builds out of history
// sides. For every position t of every sequence, the state s_t is the
// decayed sum of the unit history vectors of the up to win items before it,
// made unit; the target of item x is the column of
//
//	B = (SᵀS + λI)⁻¹ SᵀY,   λ = rho · tr(SᵀS) / dim,
//
// with Y the one-hot next items, so s·b_x is the least-squares prediction
// that x comes next. The factorised counts score a candidate by how often
// it followed each history item separately; the regression weighs the
// history items jointly, so several items that all predict the same
// popular films are not counted once each. Items that never follow
// another get a zero target (no transition evidence), not noise.
func refitTargets(seqs [][]int, part *Part, win int, rho float64) error {
	dim := part.Dim
	n := len(part.Source) / dim
	unit := make([]float64, n*dim)
	for i := 0; i < n; i++ {
		row := part.Source[i*dim : (i+1)*dim]
		if nv := norm(row); nv > 0 {
			for k, x := range row {
				unit[i*dim+k] = float64(x) / nv
			}
		}
	}
	gram := mat.NewSymDense(dim, nil)
	yts := make([]float64, n*dim) // (SᵀY)ᵀ: row x sums the states before x
	chunk := mat.NewDense(refitChunk, dim, nil)
	rows := 0
	flush := func() {
		if rows == 0 {
			return
		}
		gram.SymRankK(gram, 1, chunk.Slice(0, rows, 0, dim).T())
		rows = 0
	}
	state := make([]float64, dim)
	for _, s := range seqs {
		for t := 1; t < len(s); t++ {
			clear(state)
			w := 1.0
			for k := 1; k <= win && k <= t; k++ {
				h := unit[s[t-k]*dim : (s[t-k]+1)*dim]
				for j, x := range h {
					state[j] += w * x
				}
				w *= stateDecay
			}
			var sn float64
			for _, x := range state {
				sn += x * x
			}
			if sn == 0 {
				continue
			}
			sn = 1 / math.Sqrt(sn)
			dst := chunk.RawRowView(rows)
			for j, x := range state {
				dst[j] = x * sn
			}
			sum := yts[s[t]*dim : (s[t]+1)*dim]
			for j, x := range dst {
				sum[j] += x
			}
			if rows++; rows == refitChunk {
				flush()
			}
		}
	}
	flush()
	var trace float64
	for i := 0; i < dim; i++ {
		trace += gram.At(i, i)
	}
	if trace == 0 {
		return errors.New("collab: no state to refit the transition targets from")
	}
	lambda := rho * trace / float64(dim)
	for i := 0; i < dim; i++ {
		gram.SetSym(i, i, gram.At(i, i)+lambda)
	}
	var chol mat.Cholesky
	if !chol.Factorize(gram) {
		return errors.New("collab: the transition refit's normal equations are not positive definite")
	}
	var b mat.Dense
	if err := chol.SolveTo(&b, mat.NewDense(n, dim, yts).T()); err != nil {
		return fmt.Errorf("collab: solve the transition refit: %w", err)
	}
	target := make([]float32, n*dim)
	for x := 0; x < n; x++ {
		for k := 0; k < dim; k++ {
			target[x*dim+k] = float32(b.At(k, x))
		}
	}
	part.Target = target
	return nil
}
