package kernel

import "math"

// Int4Block is the number of components that share one scale in the 4-bit
// vector layout of EncodeInt4. One scale per vector is not enough for
// vectors whose parts differ in magnitude (a hybrid encoder's
// concatenated sub-vectors, say): the large part sets the step and the
// small one rounds to a level or two. Measured on the bridged encoder's
// 1,536-d item vectors (docs/ann.md), one scale per vector kept 0.86 of
// the exact top 10 among the 20 best 4-bit candidates; one per 64
// components kept all of them. 64 components are 32 packed bytes, one AVX2
// load.
const Int4Block = 64

// Int4Blocks is the number of blocks of a dim-dimensional vector.
func Int4Blocks(dim int) int { return (dim + Int4Block - 1) / Int4Block }

// EncodeInt4 quantises v to 4 bits per component: for each block of
// Int4Block components, scales[b] = max|v|/7 over the block and each
// component becomes round(v·7/max|v|) (in float64, half away from zero)
// in [-7, 7], stored as that value plus 8 in a nibble. Byte j of a
// block's 32 bytes holds component j in its low nibble and component
// j+32 in its high one, so that one load of 32 bytes splits into two runs
// of 32 consecutive components. Components past len(v) (the last block's
// padding) are zero. packed needs 32 and scales one element per block.
func EncodeInt4(packed []byte, scales []float32, v []float32) {
	nb := Int4Blocks(len(v))
	if len(packed) < nb*Int4Block/2 || len(scales) < nb {
		panic("kernel: EncodeInt4 destination too short")
	}
	var block [Int4Block]float32
	for b := range nb {
		clear(block[:])
		copy(block[:], v[b*Int4Block:min(len(v), (b+1)*Int4Block)])
		m := maxAbs(block[:])
		// The levels are computed in float64, where 7/max|v| cannot
		// overflow even when max|v| is subnormal.
		var inv float64
		if m > 0 {
			scales[b] = m / 7
			inv = 7 / float64(m)
		} else {
			scales[b] = 0
		}
		out := packed[b*Int4Block/2 : (b+1)*Int4Block/2]
		for j := range out {
			lo := quantizeNibble(float64(block[j]) * inv)
			hi := quantizeNibble(float64(block[j+Int4Block/2]) * inv)
			out[j] = lo | hi<<4
		}
	}
}

// quantizeNibble rounds r half away from zero, clamps it to [-7, 7] and
// returns it plus 8.
func quantizeNibble(r float64) byte {
	q := int(math.Round(r))
	return byte(max(-7, min(7, q)) + 8)
}

// DecodeInt4 widens a vector stored by EncodeInt4 into dst (len(dst)
// components, at most the blocks' worth).
func DecodeInt4(dst []float32, packed []byte, scales []float32) {
	for i := range dst {
		b, j := i/Int4Block, i%Int4Block
		x := packed[b*Int4Block/2+j%(Int4Block/2)]
		if j >= Int4Block/2 {
			x >>= 4
		}
		dst[i] = float32(int(x&15)-8) * scales[b]
	}
}

// DotInt4 returns Σ q[i]·x[i], where x is the vector EncodeInt4 stored in
// packed and scales: the distance primitive of 4-bit vector storage, with
// the query quantised to int8 (the caller multiplies by the query's
// scale). q holds a whole number of blocks, zero past the vector's
// dimension: len(q) = Int4Block·len(scales) and len(packed) = 32·len(scales).
// q's components must lie in [-127, 127], the range of a symmetric int8
// quantiser: the assembly negates query bytes, and −128 has no negation.
// Within a block the sum is exact; blocks are added in float32.
func DotInt4(q []int8, packed []byte, scales []float32) float32 {
	if len(q) != Int4Block*len(scales) || len(packed) != Int4Block/2*len(scales) {
		panic("kernel: DotInt4 of mismatched lengths")
	}
	return dotInt4(q, packed, scales)
}

func dotInt4Generic(q []int8, packed []byte, scales []float32) float32 {
	var s float32
	for b, sc := range scales {
		p := packed[b*Int4Block/2 : (b+1)*Int4Block/2]
		qb := q[b*Int4Block : (b+1)*Int4Block]
		var acc int32
		for j, x := range p {
			acc += int32(qb[j])*(int32(x&15)-8) + int32(qb[j+Int4Block/2])*(int32(x>>4)-8)
		}
		s += sc * float32(acc)
	}
	return s
}
