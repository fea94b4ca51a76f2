//go:build !amd64 || purego

package kernel

func dot(a, b []float32) float32         { return dotGeneric(a, b) }
func squaredL2(a, b []float32) float32   { return squaredL2Generic(a, b) }
func axpy(alpha float32, x, y []float32) { axpyGeneric(alpha, x, y) }
func scale(alpha float32, x []float32)   { scaleGeneric(alpha, x) }
func maxAbs(v []float32) float32         { return maxAbsGeneric(v) }
func encodeInt8(dst []int8, v []float32, inv float32) {
	encodeInt8Generic(dst, v, inv)
}
func dotInt8(a, b []int8) int32              { return dotInt8Generic(a, b) }
func dotF16(a []float32, b []uint16) float32 { return dotF16Generic(a, b) }
func dotInt4(q []int8, packed []byte, scales []float32) float32 {
	return dotInt4Generic(q, packed, scales)
}
func encodeF16(dst []uint16, src []float32) { encodeF16Generic(dst, src) }
func decodeF16(dst []float32, src []uint16) { decodeF16Generic(dst, src) }

func gemmFamilies() []*gemmKernels { return []*gemmKernels{gemmPortable} }

func prefetch(p uintptr, n int) {}
