package index

import (
	"fmt"
	"strings"

	"github.com/driftrec/driftrec/kernel"
)

// Storage is how an HNSW index holds its vectors in memory. Compressed
// storage shrinks what a graph traversal reads per visited node; by default
// the float32 originals are kept as well and re-score the final candidates,
// so that returned scores are exact (see HNSWConfig.DiscardOriginals).
type Storage int

const (
	// Float32 keeps vectors as they were given (4 bytes per dimension).
	Float32 Storage = iota
	// Float16 keeps IEEE 754 half-precision vectors (2 bytes per
	// dimension, about 3 significant decimal digits).
	Float16
	// Int8 keeps each vector as signed bytes with one scale per vector
	// (1 byte per dimension plus 4 bytes).
	Int8
	// Int4 keeps each vector in 4 bits per dimension with one scale per
	// 64 dimensions (kernel.EncodeInt4: half a byte per dimension plus
	// 4 bytes per 64). A walk reads half the bytes of Int8, at the price
	// of a rougher order; meant for wide vectors whose final candidates
	// are re-scored with the float32 originals.
	Int4
)

func (s Storage) String() string {
	switch s {
	case Float32:
		return "f32"
	case Float16:
		return "f16"
	case Int8:
		return "int8"
	case Int4:
		return "int4"
	}
	return fmt.Sprintf("Storage(%d)", int(s))
}

// ParseStorage parses "f32", "f16", "int8" or "int4" (case-insensitive;
// "float32", "float16", "half", "i8" and "i4" are accepted too).
func ParseStorage(s string) (Storage, error) {
	switch strings.ToLower(s) {
	case "", "f32", "float32":
		return Float32, nil
	case "f16", "float16", "half":
		return Float16, nil
	case "int8", "i8":
		return Int8, nil
	case "int4", "i4":
		return Int4, nil
	}
	return 0, fmt.Errorf("unknown storage %q (want f32, f16, int8 or int4)", s)
}

// bytesPerVector is the in-memory size of one stored vector.
func (s Storage) bytesPerVector(dim int) int {
	switch s {
	case Float16:
		return 2 * dim
	case Int8:
		return dim + 4
	case Int4:
		return kernel.Int4Blocks(dim) * (kernel.Int4Block/2 + 4)
	}
	return 4 * dim
}
