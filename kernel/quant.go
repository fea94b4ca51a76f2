package kernel

// DotInt8 returns Σ a[i]·b[i] over int8 vectors of equal length, the
// distance primitive of scalar-quantised (int8) vector storage. The sum
// is exact while len(a) ≤ 131072 (each product is at most 2¹⁴ in
// magnitude); beyond that it wraps modulo 2³² exactly as int32 addition
// does, on every code path.
func DotInt8(a, b []int8) int32 {
	if len(a) != len(b) {
		panic("kernel: DotInt8 of vectors of different lengths")
	}
	return dotInt8(a, b)
}

func dotInt8Generic(a, b []int8) int32 {
	b = b[:len(a)]
	var s int32
	for i, v := range a {
		s += int32(v) * int32(b[i])
	}
	return s
}
