// Package vecfile reads matrices of vectors from files, so that the ANN
// benchmark can run on real catalogue embeddings: raw little-endian float32
// (".f32", the dimension given separately) and NumPy ".npy" arrays of
// float32, float16 or float64 of shape (n, dim).
//
// Inputs are untrusted: header sizes are bounded and data is read as it
// arrives, so a file that claims more than it holds fails with an error
// instead of allocating what it claims.
package vecfile

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/driftrec/driftrec/kernel"
)

// Limits on what a file may declare.
const (
	MaxDim      = 1 << 16
	MaxElements = 1 << 34 // 64 GiB of float32
	maxHeader   = 1 << 16
)

// Matrix is n row-major vectors of length Dim.
type Matrix struct {
	Dim  int
	Data []float32
}

// Rows is the number of vectors.
func (m Matrix) Rows() int {
	if m.Dim == 0 {
		return 0
	}
	return len(m.Data) / m.Dim
}

// Row returns vector i.
func (m Matrix) Row(i int) []float32 { return m.Data[i*m.Dim : (i+1)*m.Dim] }

// ReadFile reads path by its extension: ".npy", or ".f32" with dim > 0.
func ReadFile(path string, dim int) (Matrix, error) {
	f, err := os.Open(path)
	if err != nil {
		return Matrix{}, fmt.Errorf("vecfile: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var m Matrix
	switch {
	case strings.HasSuffix(path, ".npy"):
		m, err = ReadNPY(r)
	case strings.HasSuffix(path, ".f32"):
		m, err = ReadF32(r, dim)
	default:
		return Matrix{}, fmt.Errorf("vecfile: %s: unknown extension (want .npy or .f32)", path)
	}
	if err != nil {
		return Matrix{}, fmt.Errorf("vecfile: %s: %w", path, err)
	}
	return m, nil
}

// ReadF32 reads raw little-endian float32 vectors of length dim until EOF.
func ReadF32(r io.Reader, dim int) (Matrix, error) {
	if dim <= 0 || dim > MaxDim {
		return Matrix{}, fmt.Errorf("dimension %d is outside 1..%d", dim, MaxDim)
	}
	data, err := readFloats(r, -1, 4)
	if err != nil {
		return Matrix{}, err
	}
	if len(data)%dim != 0 {
		return Matrix{}, fmt.Errorf("%d values are not a whole number of %d-dimensional vectors", len(data), dim)
	}
	return Matrix{Dim: dim, Data: data}, nil
}

var (
	descrRE = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	orderRE = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	shapeRE = regexp.MustCompile(`'shape'\s*:\s*\(\s*(\d+)\s*,\s*(\d+)\s*,?\s*\)`)
)

// ReadNPY reads a NumPy array file (format versions 1 to 3) holding a
// C-ordered 2-D array of little-endian float32, float16 or float64.
func ReadNPY(r io.Reader) (Matrix, error) {
	var pre [8]byte
	if _, err := io.ReadFull(r, pre[:]); err != nil {
		return Matrix{}, fmt.Errorf("reading npy preamble: %w", err)
	}
	if string(pre[:6]) != "\x93NUMPY" {
		return Matrix{}, errors.New("not an npy file (bad magic)")
	}
	var hlen int
	switch pre[6] {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Matrix{}, fmt.Errorf("reading npy header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return Matrix{}, fmt.Errorf("reading npy header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
	default:
		return Matrix{}, fmt.Errorf("unsupported npy version %d.%d", pre[6], pre[7])
	}
	if hlen > maxHeader {
		return Matrix{}, fmt.Errorf("npy header of %d bytes exceeds %d", hlen, maxHeader)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return Matrix{}, fmt.Errorf("reading npy header: %w", err)
	}
	header := string(hb)
	d := descrRE.FindStringSubmatch(header)
	if d == nil {
		return Matrix{}, errors.New("npy header has no descr")
	}
	var size int
	switch d[1] {
	case "<f4":
		size = 4
	case "<f2":
		size = 2
	case "<f8":
		size = 8
	default:
		return Matrix{}, fmt.Errorf("npy dtype %q is not supported (want <f4, <f2 or <f8)", d[1])
	}
	if o := orderRE.FindStringSubmatch(header); o == nil || o[1] != "False" {
		return Matrix{}, errors.New("npy array must be C-ordered (fortran_order False)")
	}
	s := shapeRE.FindStringSubmatch(header)
	if s == nil {
		return Matrix{}, errors.New("npy shape must be two-dimensional (n, dim)")
	}
	n, err1 := strconv.ParseInt(s[1], 10, 64)
	dim, err2 := strconv.ParseInt(s[2], 10, 64)
	if err1 != nil || err2 != nil || dim <= 0 || dim > MaxDim || n > MaxElements/dim {
		return Matrix{}, fmt.Errorf("npy shape (%s, %s) is out of bounds", s[1], s[2])
	}
	data, err := readFloats(r, n*dim, size)
	if err != nil {
		return Matrix{}, err
	}
	return Matrix{Dim: int(dim), Data: data}, nil
}

// readFloats reads want values (want < 0: until EOF) of the given byte
// size, growing the result only as data arrives.
func readFloats(r io.Reader, want int64, size int) ([]float32, error) {
	var out []float32
	buf := make([]byte, (1<<16)/size*size)
	for want < 0 || int64(len(out)) < want {
		chunk := buf
		if want >= 0 {
			if rest := (want - int64(len(out))) * int64(size); rest < int64(len(chunk)) {
				chunk = chunk[:rest]
			}
		}
		k, err := io.ReadFull(r, chunk)
		for p := 0; p+size <= k; p += size {
			out = append(out, decode(buf[p:p+size]))
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			if want >= 0 {
				return nil, fmt.Errorf("data ends after %d of %d values", len(out), want)
			}
			if k%size != 0 {
				return nil, fmt.Errorf("data ends inside a value (%d stray bytes)", k%size)
			}
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading values: %w", err)
		}
		if want < 0 && int64(len(out)) > MaxElements {
			return nil, fmt.Errorf("more than %d values", int64(MaxElements))
		}
	}
	for _, x := range out {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return nil, errors.New("data holds a non-finite value")
		}
	}
	return out, nil
}

func decode(b []byte) float32 {
	switch len(b) {
	case 2:
		return kernel.F16ToFloat32(binary.LittleEndian.Uint16(b))
	case 8:
		return float32(math.Float64frombits(binary.LittleEndian.Uint64(b)))
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b))
}
