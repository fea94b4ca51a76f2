package httpapi

import (
	"math"
)

// project2D places points (rows of equal dimension) in the plane of their
// first two principal components, for the console's map of a user's
// interests and recommendations. It is display code: the points are a
// few dozen unit vectors, so it works on their m×m Gram matrix (m points,
// centred) rather than the d×d covariance, and diagonalises it exactly
// with cyclic Jacobi rotations. The coordinates are √λₖ·uₖ, which equal
// the projections of the centred points on the principal axes, so
// distances in the plane are those of the original space along the two
// axes of largest variance. explained holds each axis's share of the
// total variance.
//
// Signs of principal axes are arbitrary; they are chosen so that the
// anchor point (the user's most important interest) lies in the upper
// right quadrant, which keeps the map from flipping as α changes the
// other points.
func project2D(points [][]float32, anchor int) (xy [][2]float64, explained [2]float64) {
	m := len(points)
	xy = make([][2]float64, m)
	if m < 2 {
		return xy, explained
	}
	d := len(points[0])
	mean := make([]float64, d)
	for _, p := range points {
		for j, x := range p {
			mean[j] += float64(x)
		}
	}
	for j := range mean {
		mean[j] /= float64(m)
	}
	centred := make([][]float64, m)
	for i, p := range points {
		c := make([]float64, d)
		for j, x := range p {
			c[j] = float64(x) - mean[j]
		}
		centred[i] = c
	}
	gram := make([][]float64, m)
	for i := range gram {
		gram[i] = make([]float64, m)
	}
	var trace float64
	for i := 0; i < m; i++ {
		for j := i; j < m; j++ {
			var s float64
			for k := range centred[i] {
				s += centred[i][k] * centred[j][k]
			}
			gram[i][j], gram[j][i] = s, s
		}
		trace += gram[i][i]
	}
	if !(trace > 1e-12) {
		return xy, explained // all points coincide (or are not finite)
	}
	values, vectors := jacobiEigen(gram)
	first, second := topTwo(values)
	for axis, k := range [2]int{first, second} {
		if k < 0 || values[k] <= 0 {
			continue
		}
		lambda := values[k]
		scale := math.Sqrt(lambda)
		sign := 1.0
		if a := vectors[anchorRow(vectors, k, anchor)][k]; a < 0 {
			sign = -1
		}
		for i := 0; i < m; i++ {
			xy[i][axis] = sign * scale * vectors[i][k]
		}
		explained[axis] = lambda / trace
	}
	return xy, explained
}

// anchorRow returns anchor when its component on axis k is clearly
// non-zero, else the row with the largest component, so that the sign
// choice is never decided by rounding noise.
func anchorRow(vectors [][]float64, k, anchor int) int {
	if anchor >= 0 && anchor < len(vectors) && math.Abs(vectors[anchor][k]) > 1e-6 {
		return anchor
	}
	best := 0
	for i := range vectors {
		if math.Abs(vectors[i][k]) > math.Abs(vectors[best][k]) {
			best = i
		}
	}
	return best
}

// topTwo returns the indexes of the two largest values (-1 when absent).
func topTwo(values []float64) (int, int) {
	first, second := -1, -1
	for i, v := range values {
		switch {
		case first < 0 || v > values[first]:
			first, second = i, first
		case second < 0 || v > values[second]:
			second = i
		}
	}
	return first, second
}

// jacobiEigen diagonalises the symmetric matrix a (which it overwrites)
// by cyclic Jacobi rotations. It returns the eigenvalues and a matrix
// whose column k is the unit eigenvector of value k.
func jacobiEigen(a [][]float64) ([]float64, [][]float64) {
	n := len(a)
	v := make([][]float64, n)
	for i := range v {
		v[i] = make([]float64, n)
		v[i][i] = 1
	}
	var norm float64
	for i := range a {
		for j := range a[i] {
			norm += a[i][j] * a[i][j]
		}
	}
	// Each sweep roughly squares the off-diagonal mass once it is small;
	// 60 sweeps is far more than double precision ever needs.
	for sweep := 0; sweep < 60; sweep++ {
		var off float64
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				off += a[p][q] * a[p][q]
			}
		}
		if off <= 1e-26*norm {
			break
		}
		for p := 0; p < n; p++ {
			for q := p + 1; q < n; q++ {
				apq := a[p][q]
				if math.Abs(apq) <= 1e-300 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / (2 * apq)
				t := 1 / (math.Abs(theta) + math.Sqrt(theta*theta+1))
				if theta < 0 {
					t = -t
				}
				c := 1 / math.Sqrt(t*t+1)
				s := t * c
				for k := 0; k < n; k++ {
					akp, akq := a[k][p], a[k][q]
					a[k][p], a[k][q] = c*akp-s*akq, s*akp+c*akq
				}
				for k := 0; k < n; k++ {
					apk, aqk := a[p][k], a[q][k]
					a[p][k], a[q][k] = c*apk-s*aqk, s*apk+c*aqk
				}
				for k := 0; k < n; k++ {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p], v[k][q] = c*vkp-s*vkq, s*vkp+c*vkq
				}
			}
		}
	}
	values := make([]float64, n)
	for i := range values {
		values[i] = a[i][i]
	}
	return values, v
}
