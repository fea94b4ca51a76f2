package uselite

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"strings"
)

// Limits on a TensorFlow.js graph model. They bound what a corrupt or hostile
// model.json can make the loader do before the shard sizes are checked.
const (
	maxModelJSONBytes = 64 << 20
	maxTensorDims     = 8
	maxTensorElements = 1 << 31
	maxShardFiles     = 1 << 10
)

// graphModel is a parsed TensorFlow.js graph model: the op graph and the
// tensors its weights manifest describes.
type graphModel struct {
	nodes   map[string]graphNode
	tensors map[string]*tensor
}

type graphNode struct {
	Name  string   `json:"name"`
	Op    string   `json:"op"`
	Input []string `json:"input"`
}

// tensor is one decoded weight. Floating-point weights, quantized or not,
// are held as float32 and integer ones as int32.
type tensor struct {
	name  string
	shape []int
	f32   []float32
	i32   []int32
}

// modelFile mirrors the parts of model.json the loader reads.
type modelFile struct {
	ModelTopology *struct {
		Node []graphNode `json:"node"`
	} `json:"modelTopology"`
	WeightsManifest []manifestGroup `json:"weightsManifest"`
}

type manifestGroup struct {
	Paths   []string         `json:"paths"`
	Weights []manifestWeight `json:"weights"`
}

type manifestWeight struct {
	Name         string        `json:"name"`
	Shape        []int64       `json:"shape"`
	Dtype        string        `json:"dtype"`
	Quantization *quantization `json:"quantization"`
}

// quantization describes how a weight is stored when it is not stored as its
// own dtype: uint8 or uint16 affine codes (value = code·scale + min) or
// IEEE half-precision floats.
type quantization struct {
	Dtype string   `json:"dtype"`
	Scale *float64 `json:"scale"`
	Min   *float64 `json:"min"`
}

// weightLayout is a manifest entry after validation.
type weightLayout struct {
	name     string
	shape    []int
	elements int64
	dtype    string // float32 or int32: how the loader holds it
	storage  string // float32, int32, bool, uint8, uint16 or float16: how the file holds it
	scale    float32
	min      float32
}

func (w weightLayout) bytes() int64 {
	switch w.storage {
	case "bool", "uint8":
		return w.elements
	case "uint16", "float16":
		return 2 * w.elements
	default:
		return 4 * w.elements
	}
}

// loadGraphModel reads model.json and the weight shards it names from dir.
// Every size is checked against the files before anything is allocated for
// the weights, so a truncated or hostile model fails with an error instead
// of exhausting memory.
func loadGraphModel(dir fs.FS) (*graphModel, error) {
	const path = "model.json"
	f, err := dir.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open graph model: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxModelJSONBytes+1))
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(data) > maxModelJSONBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxModelJSONBytes)
	}
	mf, layouts, err := parseModelJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := &graphModel{
		nodes:   make(map[string]graphNode, len(mf.ModelTopology.Node)),
		tensors: make(map[string]*tensor),
	}
	for _, n := range mf.ModelTopology.Node {
		g.nodes[n.Name] = n
	}
	for i, group := range mf.WeightsManifest {
		shards, err := openShards(dir, group.Paths, layouts[i])
		if err != nil {
			return nil, err
		}
		err = g.readGroup(shards, layouts[i])
		for _, s := range shards.files {
			s.Close()
		}
		if err != nil {
			return nil, fmt.Errorf("weight group %d (%s): %w", i, strings.Join(group.Paths, ", "), err)
		}
	}
	return g, nil
}

// parseModelJSON decodes model.json and validates its weights manifest,
// returning the weight layouts of each group.
func parseModelJSON(data []byte) (*modelFile, [][]weightLayout, error) {
	var mf modelFile
	if err := json.Unmarshal(data, &mf); err != nil {
		return nil, nil, fmt.Errorf("parse: %w", err)
	}
	if mf.ModelTopology == nil || len(mf.ModelTopology.Node) == 0 {
		return nil, nil, errors.New("no modelTopology nodes: not a TensorFlow.js graph model")
	}
	if len(mf.WeightsManifest) == 0 {
		return nil, nil, errors.New("empty weightsManifest")
	}
	seen := make(map[string]bool)
	shardCount := 0
	layouts := make([][]weightLayout, len(mf.WeightsManifest))
	for gi, group := range mf.WeightsManifest {
		shardCount += len(group.Paths)
		if len(group.Paths) == 0 {
			return nil, nil, fmt.Errorf("weight group %d names no shard files", gi)
		}
		if shardCount > maxShardFiles {
			return nil, nil, fmt.Errorf("more than %d shard files", maxShardFiles)
		}
		for _, p := range group.Paths {
			if err := checkShardName(p); err != nil {
				return nil, nil, fmt.Errorf("weight group %d: %w", gi, err)
			}
		}
		for _, w := range group.Weights {
			if seen[w.Name] {
				return nil, nil, fmt.Errorf("weight %q appears twice", w.Name)
			}
			seen[w.Name] = true
			l, err := layoutOf(w)
			if err != nil {
				return nil, nil, fmt.Errorf("weight %q: %w", w.Name, err)
			}
			layouts[gi] = append(layouts[gi], l)
		}
	}
	return &mf, layouts, nil
}

// checkShardName accepts only a plain file name: a manifest must not make
// the loader read outside the model folder.
func checkShardName(p string) error {
	if p == "" || p == "." || p == ".." || strings.ContainsAny(p, `/\`) || strings.ContainsRune(p, 0) {
		return fmt.Errorf("shard path %q is not a plain file name in the model folder", p)
	}
	return nil
}

func layoutOf(w manifestWeight) (weightLayout, error) {
	l := weightLayout{name: w.Name, elements: 1}
	if len(w.Shape) > maxTensorDims {
		return l, fmt.Errorf("%d dimensions, at most %d supported", len(w.Shape), maxTensorDims)
	}
	for _, d := range w.Shape {
		if d < 0 {
			return l, fmt.Errorf("negative dimension in shape %v", w.Shape)
		}
		if d > 0 && l.elements > maxTensorElements/d {
			return l, fmt.Errorf("shape %v has more than %d elements", w.Shape, int64(maxTensorElements))
		}
		l.elements *= d
		l.shape = append(l.shape, int(d))
	}
	switch w.Dtype {
	case "float32":
		l.dtype, l.storage = "float32", "float32"
	case "int32":
		l.dtype, l.storage = "int32", "int32"
	case "bool":
		l.dtype, l.storage = "int32", "bool"
	default:
		return l, fmt.Errorf("dtype %q is not supported (float32, int32, bool)", w.Dtype)
	}
	if q := w.Quantization; q != nil {
		switch q.Dtype {
		case "uint8", "uint16":
			if q.Scale == nil || q.Min == nil {
				return l, fmt.Errorf("%s quantization without scale and min", q.Dtype)
			}
			if math.IsNaN(*q.Scale) || math.IsInf(*q.Scale, 0) || math.IsNaN(*q.Min) || math.IsInf(*q.Min, 0) {
				return l, errors.New("quantization scale or min is not finite")
			}
			l.scale, l.min = float32(*q.Scale), float32(*q.Min)
		case "float16":
			if w.Dtype != "float32" {
				return l, fmt.Errorf("float16 quantization of a %s weight", w.Dtype)
			}
		default:
			return l, fmt.Errorf("quantization dtype %q is not supported (uint8, uint16, float16)", q.Dtype)
		}
		l.storage = q.Dtype
	}
	return l, nil
}

// shardSet is a group's shard files, to be read in order as one stream.
type shardSet struct {
	files  []fs.File
	reader io.Reader
}

// openShards opens a group's shards and checks that together they hold
// exactly the bytes the group's weights describe.
func openShards(dir fs.FS, paths []string, layouts []weightLayout) (shardSet, error) {
	var want int64
	for _, l := range layouts {
		want += l.bytes()
	}
	var s shardSet
	var have int64
	readers := make([]io.Reader, 0, len(paths))
	for _, p := range paths {
		f, err := dir.Open(p)
		if err != nil {
			for _, o := range s.files {
				o.Close()
			}
			return shardSet{}, fmt.Errorf("open weight shard: %w", err)
		}
		s.files = append(s.files, f)
		st, err := f.Stat()
		if err != nil {
			for _, o := range s.files {
				o.Close()
			}
			return shardSet{}, fmt.Errorf("stat weight shard: %w", err)
		}
		have += st.Size()
		readers = append(readers, f)
	}
	if have != want {
		for _, o := range s.files {
			o.Close()
		}
		return shardSet{}, fmt.Errorf("shards %s hold %d bytes but the manifest describes %d: truncated or mismatched weights (run scripts/fetch-models.sh again)",
			strings.Join(paths, ", "), have, want)
	}
	s.reader = bufio.NewReaderSize(io.MultiReader(readers...), 1<<20)
	return s, nil
}

// readGroup decodes a group's weights from its shard stream, in manifest order.
func (g *graphModel) readGroup(s shardSet, layouts []weightLayout) error {
	buf := make([]byte, 64<<10)
	for _, l := range layouts {
		t := &tensor{name: l.name, shape: l.shape}
		if l.dtype == "float32" {
			t.f32 = make([]float32, l.elements)
		} else {
			t.i32 = make([]int32, l.elements)
		}
		width := l.bytes() / max(l.elements, 1)
		var done int64
		for done < l.elements {
			chunk := min(l.elements-done, int64(len(buf))/width)
			raw := buf[:chunk*width]
			if _, err := io.ReadFull(s.reader, raw); err != nil {
				return fmt.Errorf("read weight %q: %w", l.name, err)
			}
			decode(t, l, done, raw)
			done += chunk
		}
		g.tensors[l.name] = t
	}
	return nil
}

// decode converts raw stored elements into t starting at element offset.
func decode(t *tensor, l weightLayout, offset int64, raw []byte) {
	switch l.storage {
	case "float32":
		dst := t.f32[offset:]
		for i := range len(raw) / 4 {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "int32":
		dst := t.i32[offset:]
		for i := range len(raw) / 4 {
			dst[i] = int32(binary.LittleEndian.Uint32(raw[4*i:]))
		}
	case "bool":
		dst := t.i32[offset:]
		for i, b := range raw {
			if b != 0 {
				dst[i] = 1
			} else {
				dst[i] = 0
			}
		}
	case "uint8":
		for i, b := range raw {
			t.setAffine(offset+int64(i), float32(b)*l.scale+l.min)
		}
	case "uint16":
		for i := range len(raw) / 2 {
			t.setAffine(offset+int64(i), float32(binary.LittleEndian.Uint16(raw[2*i:]))*l.scale+l.min)
		}
	case "float16":
		dst := t.f32[offset:]
		for i := range len(raw) / 2 {
			dst[i] = halfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
	}
}

// setAffine stores a dequantized value; an int32 weight rounds it, as
// TensorFlow.js does when it casts a dequantized integer tensor.
func (t *tensor) setAffine(i int64, v float32) {
	if t.f32 != nil {
		t.f32[i] = v
		return
	}
	t.i32[i] = int32(math.Round(float64(v)))
}

// halfToFloat32 converts an IEEE 754 binary16 value.
func halfToFloat32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	frac := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // infinity or NaN
		return math.Float32frombits(sign | 0xff<<23 | frac<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | frac<<13)
	case frac == 0:
		return math.Float32frombits(sign)
	default: // subnormal half: normalise it
		e := uint32(113)
		for frac&0x400 == 0 {
			frac <<= 1
			e--
		}
		return math.Float32frombits(sign | e<<23 | (frac&0x3ff)<<13)
	}
}
