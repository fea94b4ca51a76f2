//go:build !unix

package eval

// cpuSeconds is unknown on this platform.
func cpuSeconds() float64 { return 0 }
