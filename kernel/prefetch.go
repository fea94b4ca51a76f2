package kernel

import "unsafe"

// Prefetch hints the memory of v into the CPU cache without waiting for
// it. A graph search calls it for every unvisited neighbour of a node
// before scoring them: at a thousand dimensions each vector is tens of
// cache lines in a random place, and scoring them one by one otherwise
// stalls on each vector's misses in turn. It has no effect on the result,
// and none at all where no prefetch instruction is wired up.
func Prefetch[T float32 | int8 | uint8 | uint16](v []T) {
	if len(v) == 0 {
		return
	}
	var zero T
	prefetch(uintptr(unsafe.Pointer(unsafe.SliceData(v))), len(v)*int(unsafe.Sizeof(zero)))
}
