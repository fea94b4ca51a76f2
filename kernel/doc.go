// Package kernel holds the dense float32 linear-algebra kernels that the
// encoders (transformer forward passes), the interest model and the vector
// index share: dot products, distances, axpy, matrix products, and the
// int8 and half-precision dot products behind the index's compressed
// vector storage.
//
// # Why hand-written SIMD
//
// Go's compiler does not vectorise loops, and its SIMD intrinsics
// (simd/archsimd, Go 1.26) exist only in builds with GOEXPERIMENT=simd,
// outside the compatibility promise, which a library cannot demand of the
// programs that import it. So portable Go runs one float at a time. An
// encoder forward pass is almost entirely matrix products and the index
// scan almost entirely dot products; at one lane per cycle both would be
// an order of magnitude slower than the hardware allows. Gonum's pure-Go
// GEMM is built on an axpy loop without register tiling, far from BLAS
// speed, and cgo to a BLAS would give up the single static binary. So on
// amd64 the hot loops are assembly, generated with avo from
// internal/asmgen (run `go generate ./kernel`); the generated
// kernel_amd64.s and stubs_amd64.go are committed.
//
// At start-up the package reads the CPU's features (golang.org/x/sys/cpu,
// plus CPUID for F16C) and picks, once and for all:
//
//   - AVX2+FMA for the vector routines and a 6×16 GEMM micro-kernel,
//   - AVX-512F for a 12×32 GEMM micro-kernel where the CPU has it,
//   - F16C for the half-precision routines,
//
// and the portable Go code otherwise. Builds for other architectures, and
// amd64 builds with the purego tag, use the portable code only. Results of
// the assembly and portable paths agree to rounding (they add in different
// orders), which the tests check against a float64 reference.
//
// # Matrix products
//
// MatMul and MatMulTransB follow the BLIS design: C is computed in
// register tiles by a micro-kernel that keeps the whole tile in vector
// registers and does one broadcast-FMA per A element and B vector; A and
// B are copied ("packed") into cache-sized blocks laid out in the order
// the micro-kernel reads them, so that its loads are sequential and hit
// L1 (B) and L2 (A). Products large enough to amortise a goroutine are
// split into row or column blocks across runtime.GOMAXPROCS goroutines;
// a product with few rows of A skips packing B (MatMul) or becomes a set
// of dot products (MatMulTransB), because there B is read only once and
// packing it would cost as much as the product.
//
// # Aliasing
//
// The output of MatMul and MatMulTransB must not overlap a or b. Axpy
// allows x and y to be the same slice (y = (1+alpha)·y) but not to
// overlap at an offset. Inputs that are only read may alias each other
// freely (Dot(a, a) is fine). Slices need no particular alignment.
package kernel

//go:generate go run ./internal/asmgen -out kernel_amd64.s -stubs stubs_amd64.go -pkg kernel
