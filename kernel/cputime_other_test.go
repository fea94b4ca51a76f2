//go:build !linux

package kernel

// threadCPUSeconds is unavailable here; callers skip CPU-time metrics.
func threadCPUSeconds() float64 { return 0 }
