// Package kernel holds the dense float32 linear-algebra kernels that the
// encoders (transformer forward passes), the interest model and the vector
// index share: dot products, distances, axpy and matrix products.
//
// Every function has a portable Go implementation; on amd64 with AVX2 and
// FMA the hot loops run in assembly. All matrices are row-major and dense.
package kernel

// Dot returns the inner product of a and b, which must have equal length.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("kernel: Dot of vectors of different lengths")
	}
	return dotGeneric(a, b)
}

// SquaredL2 returns the squared Euclidean distance between a and b.
func SquaredL2(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("kernel: SquaredL2 of vectors of different lengths")
	}
	var s float32
	for i := range a {
		d := a[i] - b[i]
		s += d * d
	}
	return s
}

// Axpy sets y += alpha·x.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic("kernel: Axpy of vectors of different lengths")
	}
	for i := range x {
		y[i] += alpha * x[i]
	}
}

// Scale sets x *= alpha.
func Scale(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}

// MatMul sets c = a·b where a is m×k, b is k×n and c is m×n.
func MatMul(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	for i := 0; i < m; i++ {
		ci := c[i*n : (i+1)*n]
		clear(ci)
		for p := 0; p < k; p++ {
			av := a[i*k+p]
			if av == 0 {
				continue
			}
			bp := b[p*n : (p+1)*n]
			for j := range ci {
				ci[j] += av * bp[j]
			}
		}
	}
}

// MatMulTransB sets c = a·bᵀ where a is m×k, b is n×k and c is m×n: every
// row of a is dotted with every row of b, the layout of PyTorch's Linear
// weights and of a batch of queries against a matrix of item vectors.
func MatMulTransB(c, a, b []float32, m, k, n int) {
	checkDims(c, a, b, m, k, n)
	for i := 0; i < m; i++ {
		ai := a[i*k : (i+1)*k]
		for j := 0; j < n; j++ {
			c[i*n+j] = dotGeneric(ai, b[j*k:(j+1)*k])
		}
	}
}

func checkDims(c, a, b []float32, m, k, n int) {
	if len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic("kernel: matrix product with slices shorter than their dimensions")
	}
}

func dotGeneric(a, b []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}
