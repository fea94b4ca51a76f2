package uselite

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"
)

// tinyWeight is one tensor of a synthetic model, with its values as float64
// whatever its dtype.
type tinyWeight struct {
	name   string
	shape  []int
	dtype  string
	values []float64
}

// tinyModel builds a graph model with the USE-Lite wiring and tiny,
// deliberately uneven dimensions (embeddings 4, layer 0 attention 4 wide in
// 2 heads projected to 6, layer 1 attention 6 wide in 2 heads of 3, feed-
// forward 8, output 5, 10 vocabulary rows, 8 positions), so that loader and
// forward-pass tests run without the real weights and a mix-up of two
// dimensions cannot go unnoticed.
func tinyModel(seed uint64) []tinyWeight {
	return tinyModelOfShape(seed, []tinyLayer{{4, 4, 2, 6, 8}, {6, 6, 3, 6, 8}})
}

// tinyLayer is the shape of one synthetic transformer layer: input width,
// attention width, head width (two heads, so attention = 2 · head), output
// width and feed-forward width. A layer whose input and output widths
// differ gets a residual projection.
type tinyLayer struct{ dIn, dAttn, headDim, d, dFF int }

func tinyModelOfShape(seed uint64, dims []tinyLayer) []tinyWeight {
	r := rand.New(rand.NewPCG(seed, 1))
	var ws []tinyWeight
	float := func(name string, shape ...int) {
		n := 1
		for _, d := range shape {
			n *= d
		}
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(float32(r.NormFloat64() * 0.5))
		}
		ws = append(ws, tinyWeight{name, shape, "float32", v})
	}
	scalar := func(name, dtype string, v float64) {
		ws = append(ws, tinyWeight{name, []int{}, dtype, []float64{v}})
	}
	float("module/Embeddings_en", 10, dims[0].dIn)
	scalar(apply+"ClipToMaxLength/Less/y", "int32", 8)
	scalar(stack+"Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x", "float32", float64(float32(1e-6)))
	inv := make([]float64, dims[0].dIn/2)
	for i := range inv {
		inv[i] = math.Pow(0.5, float64(i))
	}
	ws = append(ws, tinyWeight{stack + "Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", []int{1, len(inv)}, "float32", inv})
	scalar(l2Prefix+"/Maximum/y", "float32", float64(float32(1e-12)))
	scalar(stack+"Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2", "int32", 2)
	for i, l := range dims {
		enc := fmt.Sprintf("%sLayer_%d/TransformerLayer/", encode, i)
		kon := fmt.Sprintf("%sLayer_%d/TransformerLayer/MultiheadAttention/", kona, i)
		st := fmt.Sprintf("%sLayer_%d/TransformerLayer/", stack, i)
		a := float64(l.dAttn)
		ws = append(ws, tinyWeight{st + "MultiheadAttention/Const", []int{3}, "int32", []float64{a, a, a}})
		scalar(st+"MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3", "int32", float64(l.headDim))
		scalar(st+"MultiheadAttention/mul/y", "float32", float64(float32(1/math.Sqrt(float64(l.headDim)))))
		float(kon+"qkv_transform_single/kernel/part_0", 1, 1, l.dIn, 3*l.dAttn)
		float(enc+"MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat", 3*l.dAttn)
		float(enc+"layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", l.dIn)
		float(enc+"layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", l.dIn)
		float(kon+"output_transform_single/kernel/part_0", 1, 1, l.dAttn, l.d)
		float(enc+"MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat", l.d)
		if l.dIn != l.d {
			float(enc+"dense/kernel/ConcatPartitions/concat", l.dIn, l.d)
			float(enc+"dense/bias/ConcatPartitions/concat", l.d)
		}
		float(enc+"FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", l.d)
		float(enc+"FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", l.d)
		float(st+"FFN/conv1/Tensordot/Reshape_1", l.d, l.dFF)
		float(enc+"FFN/conv1/bias/ConcatPartitions/concat", l.dFF)
		float(st+"FFN/conv2/Tensordot/Reshape_1", l.dFF, l.d)
		float(enc+"FFN/conv2/bias/ConcatPartitions/concat", l.d)
	}
	float(hidden+"weights", dims[len(dims)-1].d, 5)
	float(hidden+"bias", 5)
	return ws
}

// tinyModelFiles writes ws as a TensorFlow.js graph model: a topology made
// of the nodes the loader checks, a manifest, and the weights split over
// shards of at most shardSize bytes (so tensors straddle shard boundaries).
// storage "float32" stores float weights as they are; "uint8", "uint16" and
// "float16" quantize them, and the returned weights hold the values the
// loader should decode.
func tinyModelFiles(t testing.TB, ws []tinyWeight, storage string, shardSize int) (fstest.MapFS, []tinyWeight) {
	t.Helper()
	var nodes []map[string]any
	for _, c := range graphChecks {
		nodes = append(nodes, map[string]any{"name": c.node, "op": c.op, "input": c.inputs})
	}
	var entries []map[string]any
	var data []byte
	decoded := make([]tinyWeight, len(ws))
	for i, w := range ws {
		entry := map[string]any{"name": w.name, "shape": w.shape, "dtype": w.dtype}
		d := tinyWeight{w.name, w.shape, w.dtype, make([]float64, len(w.values))}
		switch {
		case w.dtype == "int32":
			for j, v := range w.values {
				data = binary.LittleEndian.AppendUint32(data, uint32(int32(v)))
				d.values[j] = v
			}
		case storage == "float32":
			for j, v := range w.values {
				data = binary.LittleEndian.AppendUint32(data, math.Float32bits(float32(v)))
				d.values[j] = float64(float32(v))
			}
		case storage == "float16":
			entry["quantization"] = map[string]any{"dtype": "float16"}
			for j, v := range w.values {
				h := float32ToHalf(float32(v))
				data = binary.LittleEndian.AppendUint16(data, h)
				d.values[j] = float64(halfToFloat32(h))
			}
		default: // uint8, uint16
			levels := 255.0
			if storage == "uint16" {
				levels = 65535
			}
			lo, hi := 0.0, 0.0
			for _, v := range w.values {
				lo, hi = min(lo, v), max(hi, v)
			}
			scale := max((hi-lo)/levels, 1e-6)
			entry["quantization"] = map[string]any{"dtype": storage, "scale": scale, "min": lo}
			for j, v := range w.values {
				q := math.Round((v - lo) / scale)
				if storage == "uint8" {
					data = append(data, byte(q))
				} else {
					data = binary.LittleEndian.AppendUint16(data, uint16(q))
				}
				d.values[j] = float64(float32(q)*float32(scale) + float32(lo))
			}
		}
		entries = append(entries, entry)
		decoded[i] = d
	}
	files := fstest.MapFS{}
	var paths []string
	for off := 0; off < len(data); off += shardSize {
		name := fmt.Sprintf("group1-shard%d", len(paths)+1)
		paths = append(paths, name)
		files[name] = &fstest.MapFile{Data: data[off:min(off+shardSize, len(data))]}
	}
	modelJSON, err := json.Marshal(map[string]any{
		"format":          "graph-model",
		"modelTopology":   map[string]any{"node": nodes},
		"weightsManifest": []any{map[string]any{"paths": paths, "weights": entries}},
	})
	if err != nil {
		t.Fatal(err)
	}
	files["model.json"] = &fstest.MapFile{Data: modelJSON}
	return files, decoded
}

// float32ToHalf rounds to the nearest binary16 value (ties to even); the
// tiny model's weights are far from overflow and subnormals.
func float32ToHalf(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23&0xff) - 127 + 15
	mant := b & 0x7fffff
	if exp <= 0 {
		return sign
	}
	h := uint32(exp)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
		h++
	}
	return sign | uint16(h)
}

// editModelJSON rewrites model.json in files through edit, which receives
// the decoded document.
func editModelJSON(t testing.TB, files fstest.MapFS, edit func(doc map[string]any)) fstest.MapFS {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(files["model.json"].Data, &doc); err != nil {
		t.Fatal(err)
	}
	edit(doc)
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	out := fstest.MapFS{}
	for k, v := range files {
		out[k] = v
	}
	out["model.json"] = &fstest.MapFile{Data: data}
	return out
}

// manifestWeights returns the weight entries of the first manifest group.
func manifestWeights(doc map[string]any) []any {
	return doc["weightsManifest"].([]any)[0].(map[string]any)["weights"].([]any)
}

// findWeight returns the manifest entry whose name ends in suffix.
func findWeight(doc map[string]any, suffix string) map[string]any {
	for _, w := range manifestWeights(doc) {
		if m := w.(map[string]any); strings.HasSuffix(m["name"].(string), suffix) {
			return m
		}
	}
	panic("no weight " + suffix)
}
