// Package blasref calls OpenBLAS's cblas_sgemm through cgo, as the
// reference that package kernel's matrix products are benchmarked
// against. It is built only with the openblas build tag (and cgo), so the
// default build of the module needs neither cgo nor OpenBLAS; without the
// tag the package is empty.
//
// It needs Debian's libopenblas0-pthread and libopenblas-dev; see
// scripts/bench-kernels.sh.
package blasref
