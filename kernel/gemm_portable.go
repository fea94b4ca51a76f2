package kernel

// gemmPortable is the family every build has: a 4×8 tile in plain Go.
// The compiler keeps neither the tile in registers nor the loop in SIMD,
// so it is several times slower than the assembly, but the blocking
// around it is the same code, which the tests exercise on every platform.
var gemmPortable = &gemmKernels{
	name: "portable", mr: 4, nr: 8, kc: 256, mc: 128, nc: 2048,
	tiles: []microKernel{
		portableTile(1), portableTile(2), portableTile(3), portableTile(4),
	},
	dot: dotGeneric,
}

const portableNR = 8

func portableTile(rows int) microKernel {
	const mr = 4
	return func(k int, a, b, c []float32, ldb, ldc int, accumulate bool) {
		var acc [mr][portableNR]float32
		for s := 0; s < k; s++ {
			bp := b[s*ldb : s*ldb+portableNR]
			for i, av := range a[s*mr : s*mr+rows] {
				row := &acc[i]
				row[0] += av * bp[0]
				row[1] += av * bp[1]
				row[2] += av * bp[2]
				row[3] += av * bp[3]
				row[4] += av * bp[4]
				row[5] += av * bp[5]
				row[6] += av * bp[6]
				row[7] += av * bp[7]
			}
		}
		for i := 0; i < rows; i++ {
			dst := c[i*ldc : i*ldc+portableNR]
			if accumulate {
				for j, v := range acc[i] {
					dst[j] += v
				}
			} else {
				copy(dst, acc[i][:])
			}
		}
	}
}
