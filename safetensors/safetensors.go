// Package safetensors reads and writes the safetensors weight format used by
// Hugging Face models: an 8-byte little-endian header length, a JSON header
// naming each tensor's dtype, shape and byte range, then the raw tensor data.
//
// The reader checks every header field against the file's real length before
// it allocates anything, so a truncated or hostile file fails with an error
// instead of a panic or an allocation the size of a lie. Tensors are read on
// demand through an io.ReaderAt and converted to float32 from F32, F16 and
// BF16 (and F64); integer and boolean tensors can be listed but not converted.
//
// Written here rather than imported because the format is small, no
// well-kept pure-Go reader exists, and the validation above is the part that
// matters.
package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// MaxHeaderSize bounds the JSON header, as the reference implementation does:
// real headers are kilobytes, and the bound keeps a corrupt length from
// turning into a huge allocation.
const MaxHeaderSize = 100 << 20

// DType names a tensor element type as the header spells it.
type DType string

// The element types of the format. Only the floating-point ones can be
// converted to float32.
const (
	F64  DType = "F64"
	F32  DType = "F32"
	F16  DType = "F16"
	BF16 DType = "BF16"
	I64  DType = "I64"
	I32  DType = "I32"
	I16  DType = "I16"
	I8   DType = "I8"
	U8   DType = "U8"
	U16  DType = "U16"
	U32  DType = "U32"
	U64  DType = "U64"
	Bool DType = "BOOL"
	// F8E4M3 and F8E5M2 are listed so that headers naming them parse; their
	// data cannot be converted.
	F8E4M3 DType = "F8_E4M3"
	F8E5M2 DType = "F8_E5M2"
)

// Size is the number of bytes of one element, or 0 for an unknown dtype.
func (d DType) Size() int {
	switch d {
	case F64, I64, U64:
		return 8
	case F32, I32, U32:
		return 4
	case F16, BF16, I16, U16:
		return 2
	case I8, U8, Bool, F8E4M3, F8E5M2:
		return 1
	}
	return 0
}

// ErrFormat is wrapped by every error that reports a malformed file.
var ErrFormat = errors.New("safetensors: malformed file")

// TensorInfo describes one tensor of a file. Begin and End are byte offsets
// into the data section (after the header).
type TensorInfo struct {
	Name  string
	DType DType
	Shape []int
	Begin int64
	End   int64
}

// NumElements is the product of the shape (1 for a scalar).
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Header is a parsed and validated file header.
type Header struct {
	Tensors  map[string]TensorInfo
	Metadata map[string]string
	// DataStart is the file offset of the data section.
	DataStart int64
}

// Names returns the tensor names in the order of their data.
func (h *Header) Names() []string {
	names := make([]string, 0, len(h.Tensors))
	for n := range h.Tensors {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool {
		a, b := h.Tensors[names[i]], h.Tensors[names[j]]
		if a.Begin != b.Begin {
			return a.Begin < b.Begin
		}
		return names[i] < names[j]
	})
	return names
}

type rawTensor struct {
	DType       DType   `json:"dtype"`
	Shape       []int64 `json:"shape"`
	DataOffsets []int64 `json:"data_offsets"`
}

// ParseHeader validates the JSON header of a file of fileSize bytes whose
// first 8 bytes declared a header of len(header) bytes.
func ParseHeader(header []byte, fileSize int64) (*Header, error) {
	dataStart := int64(8 + len(header))
	if dataStart > fileSize {
		return nil, fmt.Errorf("%w: header of %d bytes does not fit in a file of %d bytes", ErrFormat, len(header), fileSize)
	}
	dataSize := fileSize - dataStart
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(header, &fields); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object: %v", ErrFormat, err)
	}
	h := &Header{Tensors: make(map[string]TensorInfo, len(fields)), DataStart: dataStart}
	for name, raw := range fields {
		if name == "__metadata__" {
			if err := json.Unmarshal(raw, &h.Metadata); err != nil {
				return nil, fmt.Errorf("%w: __metadata__ is not an object of strings: %v", ErrFormat, err)
			}
			continue
		}
		var rt rawTensor
		if err := json.Unmarshal(raw, &rt); err != nil {
			return nil, fmt.Errorf("%w: tensor %q: %v", ErrFormat, name, err)
		}
		info, err := checkTensor(name, rt, dataSize)
		if err != nil {
			return nil, err
		}
		h.Tensors[name] = info
	}
	if err := checkOverlap(h); err != nil {
		return nil, err
	}
	return h, nil
}

func checkTensor(name string, rt rawTensor, dataSize int64) (TensorInfo, error) {
	size := int64(rt.DType.Size())
	if size == 0 {
		return TensorInfo{}, fmt.Errorf("%w: tensor %q has unknown dtype %q", ErrFormat, name, rt.DType)
	}
	if len(rt.DataOffsets) != 2 {
		return TensorInfo{}, fmt.Errorf("%w: tensor %q has %d data offsets, want 2", ErrFormat, name, len(rt.DataOffsets))
	}
	begin, end := rt.DataOffsets[0], rt.DataOffsets[1]
	if begin < 0 || end < begin || end > dataSize {
		return TensorInfo{}, fmt.Errorf("%w: tensor %q has data offsets [%d, %d] outside the %d data bytes", ErrFormat, name, begin, end, dataSize)
	}
	// The element count is bounded by the byte range, which is bounded by
	// the file: checking each dimension against that bound keeps the
	// product from overflowing.
	limit := (end - begin) / size
	shape := make([]int, len(rt.Shape))
	hasZero := false
	for i, d := range rt.Shape {
		if d < 0 {
			return TensorInfo{}, fmt.Errorf("%w: tensor %q has negative dimension %d", ErrFormat, name, d)
		}
		if d == 0 {
			hasZero = true
		}
		shape[i] = int(d)
	}
	elems := int64(0)
	if !hasZero {
		elems = 1
		for _, d := range rt.Shape {
			if d > limit/elems {
				return TensorInfo{}, fmt.Errorf("%w: tensor %q shape %v needs more bytes than its range holds", ErrFormat, name, rt.Shape)
			}
			elems *= d
		}
	}
	if elems*size != end-begin {
		return TensorInfo{}, fmt.Errorf("%w: tensor %q shape %v of %s needs %d bytes, its range holds %d", ErrFormat, name, rt.Shape, rt.DType, elems*size, end-begin)
	}
	return TensorInfo{Name: name, DType: rt.DType, Shape: shape, Begin: begin, End: end}, nil
}

func checkOverlap(h *Header) error {
	names := h.Names()
	var prevEnd int64
	prev := ""
	for _, n := range names {
		t := h.Tensors[n]
		if t.Begin == t.End {
			continue
		}
		if t.Begin < prevEnd {
			return fmt.Errorf("%w: tensors %q and %q overlap", ErrFormat, prev, n)
		}
		prevEnd, prev = t.End, n
	}
	return nil
}

// File is an open safetensors file. Its methods are safe for concurrent use.
type File struct {
	Header
	r      io.ReaderAt
	closer io.Closer
}

// Open opens and validates the file at path.
func Open(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("safetensors: %w", err)
	}
	sf, err := NewReader(f, st.Size())
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	sf.closer = f
	return sf, nil
}

// NewReader reads and validates the header of the size-byte file behind r.
func NewReader(r io.ReaderAt, size int64) (*File, error) {
	var lenBuf [8]byte
	if size < 8 {
		return nil, fmt.Errorf("%w: %d bytes is too short for a header length", ErrFormat, size)
	}
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, fmt.Errorf("safetensors: reading header length: %w", err)
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > MaxHeaderSize || int64(n) > size-8 {
		return nil, fmt.Errorf("%w: header length %d does not fit in a file of %d bytes (limit %d)", ErrFormat, n, size, MaxHeaderSize)
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil {
		return nil, fmt.Errorf("safetensors: reading header: %w", err)
	}
	h, err := ParseHeader(header, size)
	if err != nil {
		return nil, err
	}
	return &File{Header: *h, r: r}, nil
}

// Close closes the underlying file when the File came from Open.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Bytes returns the raw little-endian data of the named tensor.
func (f *File) Bytes(name string) ([]byte, TensorInfo, error) {
	t, ok := f.Tensors[name]
	if !ok {
		return nil, TensorInfo{}, fmt.Errorf("safetensors: no tensor %q", name)
	}
	buf := make([]byte, t.End-t.Begin)
	if len(buf) == 0 {
		return buf, t, nil
	}
	if _, err := f.r.ReadAt(buf, f.DataStart+t.Begin); err != nil {
		return nil, t, fmt.Errorf("safetensors: reading %q: %w", name, err)
	}
	return buf, t, nil
}

// Float32 returns the named tensor converted to float32, with its shape.
func (f *File) Float32(name string) ([]float32, []int, error) {
	raw, t, err := f.Bytes(name)
	if err != nil {
		return nil, nil, err
	}
	out, err := DecodeFloat32(t.DType, raw)
	if err != nil {
		return nil, nil, fmt.Errorf("safetensors: tensor %q: %w", name, err)
	}
	return out, t.Shape, nil
}

// DecodeFloat32 converts little-endian raw data of a floating-point dtype to
// float32. Half-precision values convert exactly; F64 rounds to nearest.
func DecodeFloat32(d DType, raw []byte) ([]float32, error) {
	size := d.Size()
	if size == 0 || len(raw)%size != 0 {
		return nil, fmt.Errorf("cannot decode %d bytes as %q", len(raw), d)
	}
	out := make([]float32, len(raw)/size)
	switch d {
	case F32:
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case F16:
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case BF16:
		for i := range out {
			out[i] = BFloat16ToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	case F64:
		for i := range out {
			out[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(raw[8*i:])))
		}
	default:
		return nil, fmt.Errorf("dtype %s is not a floating-point type", d)
	}
	return out, nil
}
