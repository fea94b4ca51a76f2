//go:build linux

package kernel

import "syscall"

// threadCPUSeconds returns the CPU time of the calling OS thread. On a
// shared machine a benchmark loses wall time whenever another process
// runs, but not CPU time; with the goroutine locked to its thread and no
// helper goroutines it is the time the product itself took.
func threadCPUSeconds() float64 {
	const rusageThread = 1 // RUSAGE_THREAD, Linux only
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
