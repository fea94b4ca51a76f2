package kernel

// Dot returns the inner product of a and b, which must have equal length.
func Dot(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("kernel: Dot of vectors of different lengths")
	}
	return dot(a, b)
}

// SquaredL2 returns the squared Euclidean distance between a and b, which
// must have equal length.
func SquaredL2(a, b []float32) float32 {
	if len(a) != len(b) {
		panic("kernel: SquaredL2 of vectors of different lengths")
	}
	return squaredL2(a, b)
}

// Axpy sets y += alpha·x. x and y must have equal length; they may be the
// same slice but must not otherwise overlap.
func Axpy(alpha float32, x, y []float32) {
	if len(x) != len(y) {
		panic("kernel: Axpy of vectors of different lengths")
	}
	axpy(alpha, x, y)
}

// Scale sets x *= alpha.
func Scale(alpha float32, x []float32) {
	scale(alpha, x)
}

func dotGeneric(a, b []float32) float32 {
	b = b[:len(a)]
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

func squaredL2Generic(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1 float32
	i := 0
	for ; i+2 <= len(a); i += 2 {
		d0 := a[i] - b[i]
		d1 := a[i+1] - b[i+1]
		s0 += d0 * d0
		s1 += d1 * d1
	}
	if i < len(a) {
		d := a[i] - b[i]
		s0 += d * d
	}
	return s0 + s1
}

func axpyGeneric(alpha float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += alpha * v
	}
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
