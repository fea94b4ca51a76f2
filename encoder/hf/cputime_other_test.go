//go:build !unix

package hf

// cpuSeconds is unavailable here; the sentences/cpu-s metric reads +Inf.
func cpuSeconds() float64 { return 0 }
