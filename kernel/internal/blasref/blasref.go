//go:build openblas && cgo

package blasref

// #cgo LDFLAGS: -lopenblas
// #include <cblas.h>
// char *openblas_get_corename(void);
// char *openblas_get_config(void);
// void openblas_set_num_threads(int);
// int openblas_get_num_threads(void);
import "C"

import "fmt"

// Sgemm sets c = a·b (a m×k, b k×n) or, with transB, c = a·bᵀ (b n×k),
// all row-major: the same contract as kernel.MatMul and
// kernel.MatMulTransB.
func Sgemm(c, a, b []float32, m, k, n int, transB bool) {
	if m < 1 || k < 1 || n < 1 || len(a) < m*k || len(b) < k*n || len(c) < m*n {
		panic(fmt.Sprintf("blasref: Sgemm with bad shape %d×%d×%d or short slices", m, k, n))
	}
	tb := uint32(C.CblasNoTrans)
	ldb := n
	if transB {
		tb = uint32(C.CblasTrans)
		ldb = k
	}
	C.cblas_sgemm(C.CblasRowMajor, C.CblasNoTrans, tb,
		C.blasint(m), C.blasint(n), C.blasint(k),
		1, (*C.float)(&a[0]), C.blasint(k),
		(*C.float)(&b[0]), C.blasint(ldb),
		0, (*C.float)(&c[0]), C.blasint(n))
}

// SetThreads sets the number of threads OpenBLAS uses.
func SetThreads(n int) { C.openblas_set_num_threads(C.int(n)) }

// Threads returns the number of threads OpenBLAS uses.
func Threads() int { return int(C.openblas_get_num_threads()) }

// CoreName returns the kernel set OpenBLAS picked for this CPU (which
// OPENBLAS_CORETYPE overrides).
func CoreName() string { return C.GoString(C.openblas_get_corename()) }

// Config returns OpenBLAS's build configuration string.
func Config() string { return C.GoString(C.openblas_get_config()) }
