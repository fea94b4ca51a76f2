package safetensors

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// Tensor is a float32 tensor to write, stored in the file as DType (F32, F16
// or BF16; empty means F32).
type Tensor struct {
	Name  string
	DType DType
	Shape []int
	Data  []float32
}

// Write writes tensors and metadata in the safetensors format, laying the
// data out in the order given. Converting to F16 or BF16 rounds to nearest
// even.
func Write(w io.Writer, tensors []Tensor, metadata map[string]string) error {
	header := make(map[string]any, len(tensors)+1)
	if len(metadata) > 0 {
		header["__metadata__"] = metadata
	}
	var offset int64
	for _, t := range tensors {
		d := t.DType
		if d == "" {
			d = F32
		}
		if d != F32 && d != F16 && d != BF16 {
			return fmt.Errorf("safetensors: cannot write tensor %q as %s", t.Name, d)
		}
		n := 1
		for _, s := range t.Shape {
			n *= s
		}
		if n != len(t.Data) {
			return fmt.Errorf("safetensors: tensor %q has %d values for shape %v", t.Name, len(t.Data), t.Shape)
		}
		if _, dup := header[t.Name]; dup {
			return fmt.Errorf("safetensors: duplicate tensor name %q", t.Name)
		}
		size := int64(n * d.Size())
		shape := t.Shape
		if shape == nil {
			shape = []int{}
		}
		header[t.Name] = map[string]any{"dtype": d, "shape": shape, "data_offsets": []int64{offset, offset + size}}
		offset += size
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: encoding header: %w", err)
	}
	// Pad the header with spaces to a multiple of 8 so the data is aligned,
	// as the reference writer does.
	for len(hj)%8 != 0 {
		hj = append(hj, ' ')
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	if _, err := w.Write(lenBuf[:]); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if _, err := w.Write(hj); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	for _, t := range tensors {
		var raw []byte
		switch t.DType {
		case "", F32:
			raw = make([]byte, 4*len(t.Data))
			for i, v := range t.Data {
				binary.LittleEndian.PutUint32(raw[4*i:], math.Float32bits(v))
			}
		case F16:
			raw = make([]byte, 2*len(t.Data))
			for i, v := range t.Data {
				binary.LittleEndian.PutUint16(raw[2*i:], Float32ToHalf(v))
			}
		case BF16:
			raw = make([]byte, 2*len(t.Data))
			for i, v := range t.Data {
				binary.LittleEndian.PutUint16(raw[2*i:], Float32ToBFloat16(v))
			}
		}
		if _, err := w.Write(raw); err != nil {
			return fmt.Errorf("safetensors: writing %q: %w", t.Name, err)
		}
	}
	return nil
}

// WriteFile writes tensors to a new file at path.
func WriteFile(path string, tensors []Tensor, metadata map[string]string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	if err := Write(f, tensors, metadata); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("safetensors: %w", err)
	}
	return nil
}
