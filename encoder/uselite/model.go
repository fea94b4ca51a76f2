package uselite

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
)

// Node and weight names in the converted TF-Hub graph. Most of the
// computation lives under apply, the weights of the transformer under module.
const (
	apply    = "module_apply_default/Encoder_en/KonaTransformer/"
	stack    = apply + "Encode/TransformerStack/"
	encode   = apply + "Encode/"
	kona     = "module/Encoder_en/KonaTransformer/Encode/"
	hidden   = "module/Encoder_en/hidden_layers/tanh_layer_0/"
	l2Prefix = "module_apply_default/Encoder_en/hidden_layers/l2_normalize"
)

// maxSequenceLength bounds the graph's ClipToMaxLength constant (128 in
// the shipped model). It is the one size a model file states without the
// weights to back it, and attention scratch grows with its square.
const maxSequenceLength = 1024

// model holds the weights in the layout the forward pass wants, with the
// hyperparameters read from the graph's constants rather than assumed.
type model struct {
	vocabSize int
	embedDim  int
	embedding []float32 // [vocabSize, embedDim]
	// timing is the sinusoidal position signal for every position below
	// maxLen, [maxLen, embedDim]: sin(pos·inv) then cos(pos·inv).
	timing  []float32
	maxLen  int
	epsilon float32 // layer-norm variance epsilon

	layers []layer

	outDim     int
	tanhW      []float32 // [modelDim, outDim]
	tanhB      []float32
	l2Epsilon  float32 // floor of the squared norm in the final L2 normalisation
	modelDim   int
	widthMax   int // widest layer input or output, embeddings included
	ffnDimMax  int
	qkvDimMax  int
	catDimMax  int
	attnDimMax int
}

// layer is one pre-norm transformer layer.
type layer struct {
	dIn, dAttn, d, dFF int
	heads, headDim     int
	qScale             float32

	ln1Scale, ln1Bias []float32 // [dIn]
	qkv, qkvBias      []float32 // [dIn, 3·dAttn]
	// out maps the attention output back to d. When projected, the layer's
	// input width differs from d and its residual goes through a dense
	// projection first; out then stacks [W_attn_out; W_residual] so that one
	// product over [attention | input] computes both sums, and outBias is
	// the sum of the two biases.
	projected         bool
	out, outBias      []float32 // [dAttn (+dIn), d]
	ln2Scale, ln2Bias []float32 // [d]
	ffn1, ffn1Bias    []float32 // [d, dFF]
	ffn2, ffn2Bias    []float32 // [dFF, d]
}

// newModel checks that the graph computes what the forward pass implements
// and gathers its weights.
func newModel(g *graphModel) (*model, error) {
	if err := checkGraph(g); err != nil {
		return nil, fmt.Errorf("graph is not the USE-Lite architecture this package implements: %w", err)
	}
	w := weightReader{g: g}
	m := &model{}

	emb := w.matrix("module/Embeddings_en", -1, -1)
	if w.err == nil {
		m.vocabSize, m.embedDim = emb.shape[0], emb.shape[1]
		m.embedding = emb.f32
	}
	m.maxLen = int(w.intScalar(apply + "ClipToMaxLength/Less/y"))
	m.epsilon = w.floatScalar(stack + "Layer_1/TransformerLayer/FFN/layer_prepostprocess/layer_norm/Cast/x")
	inv := w.floats(stack+"Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1", 1, -1)
	m.l2Epsilon = w.floatScalar(l2Prefix + "/Maximum/y")
	if w.err != nil {
		return nil, w.err
	}
	if m.vocabSize == 0 || m.embedDim == 0 {
		return nil, fmt.Errorf("embedding table of shape %d×%d is empty", m.vocabSize, m.embedDim)
	}
	if m.maxLen <= 0 || m.maxLen > maxSequenceLength {
		return nil, fmt.Errorf("maximum sequence length %d outside [1, %d]", m.maxLen, maxSequenceLength)
	}
	if 2*len(inv) != m.embedDim {
		return nil, fmt.Errorf("timing signal has %d frequencies for embeddings of width %d", len(inv), m.embedDim)
	}
	m.timing = timingSignal(inv, m.maxLen)

	dIn := m.embedDim
	for i := 0; ; i++ {
		name := fmt.Sprintf("Layer_%d", i)
		if _, ok := g.tensors[kona+name+"/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0"]; !ok {
			break
		}
		l, err := readLayer(g, i, dIn)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		m.layers = append(m.layers, l)
		dIn = l.d
		m.widthMax = max(m.widthMax, l.dIn, l.d)
		m.ffnDimMax = max(m.ffnDimMax, l.dFF)
		m.qkvDimMax = max(m.qkvDimMax, 3*l.dAttn)
		m.catDimMax = max(m.catDimMax, len(l.out)/l.d)
		m.attnDimMax = max(m.attnDimMax, l.headDim)
	}
	if len(m.layers) == 0 {
		return nil, errors.New("no transformer layers in the weights")
	}
	m.modelDim = dIn
	tw := w.matrix(hidden+"weights", m.modelDim, -1)
	if w.err != nil {
		return nil, w.err
	}
	m.outDim = tw.shape[1]
	if m.outDim == 0 {
		return nil, errors.New("tanh layer has no outputs")
	}
	m.tanhW = tw.f32
	m.tanhB = w.floats(hidden+"bias", m.outDim)
	if w.err != nil {
		return nil, w.err
	}
	return m, nil
}

func readLayer(g *graphModel, i, dIn int) (layer, error) {
	w := weightReader{g: g}
	enc := fmt.Sprintf("%sLayer_%d/TransformerLayer/", encode, i)
	kon := fmt.Sprintf("%sLayer_%d/TransformerLayer/MultiheadAttention/", kona, i)
	st := fmt.Sprintf("%sLayer_%d/TransformerLayer/", stack, i)
	l := layer{dIn: dIn}

	split := w.ints(st+"MultiheadAttention/Const", 3)
	qkv := w.matrix4(kon+"qkv_transform_single/kernel/part_0", dIn, -1)
	// The head count lives in Layer_1's constants and is shared by both
	// layers' reshapes; the head width is per layer.
	l.heads = int(w.intScalar(stack + "Layer_1/TransformerLayer/MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/2"))
	l.headDim = int(w.intScalar(st + "MultiheadAttention/split_heads/split_last_dimension/Reshape/shape/3"))
	l.qScale = w.floatScalar(st + "MultiheadAttention/mul/y")
	if w.err != nil {
		return l, w.err
	}
	l.dAttn = int(split[0])
	if split[1] != split[0] || split[2] != split[0] || 3*l.dAttn != qkv.shape[1] {
		return l, fmt.Errorf("query/key/value split %v does not divide the %d-wide projection evenly", split, qkv.shape[1])
	}
	if l.heads <= 0 || l.headDim <= 0 || l.heads*l.headDim != l.dAttn {
		return l, fmt.Errorf("%d heads of width %d do not make the attention width %d", l.heads, l.headDim, l.dAttn)
	}
	l.qkv = qkv.f32
	l.qkvBias = w.floats(enc+"MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat", 3*l.dAttn)
	l.ln1Scale = w.floats(enc+"layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", dIn)
	l.ln1Bias = w.floats(enc+"layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", dIn)
	out := w.matrix4(kon+"output_transform_single/kernel/part_0", l.dAttn, -1)
	if w.err != nil {
		return l, w.err
	}
	l.d = out.shape[1]
	if l.d == 0 {
		return l, errors.New("attention output projection has no columns")
	}
	outBias := w.floats(enc+"MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat", l.d)
	if w.err != nil {
		return l, w.err
	}
	l.out = out.f32
	l.outBias = slices.Clone(outBias)
	if _, ok := g.tensors[enc+"dense/kernel/ConcatPartitions/concat"]; ok {
		l.projected = true
		res := w.matrix(enc+"dense/kernel/ConcatPartitions/concat", dIn, l.d)
		resBias := w.floats(enc+"dense/bias/ConcatPartitions/concat", l.d)
		if w.err != nil {
			return l, w.err
		}
		l.out = slices.Concat(out.f32, res.f32)
		for j := range l.outBias {
			l.outBias[j] += resBias[j]
		}
	} else if dIn != l.d {
		return l, fmt.Errorf("input width %d differs from output width %d without a residual projection", dIn, l.d)
	}
	ffn := enc + "FFN/"
	l.ln2Scale = w.floats(ffn+"layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat", l.d)
	l.ln2Bias = w.floats(ffn+"layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat", l.d)
	f1 := w.matrix(st+"FFN/conv1/Tensordot/Reshape_1", l.d, -1)
	if w.err != nil {
		return l, w.err
	}
	l.dFF = f1.shape[1]
	if l.dFF == 0 {
		return l, errors.New("feed-forward layer has width 0")
	}
	l.ffn1 = f1.f32
	l.ffn1Bias = w.floats(ffn+"conv1/bias/ConcatPartitions/concat", l.dFF)
	l.ffn2 = w.matrix(st+"FFN/conv2/Tensordot/Reshape_1", l.dFF, l.d).f32
	l.ffn2Bias = w.floats(ffn+"conv2/bias/ConcatPartitions/concat", l.d)
	return l, w.err
}

// timingSignal computes the transformer's sinusoidal position signal the way
// the graph does: position times inverse timescale in float32, then sine and
// cosine.
func timingSignal(inv []float32, maxLen int) []float32 {
	width := 2 * len(inv)
	t := make([]float32, maxLen*width)
	for pos := range maxLen {
		row := t[pos*width : (pos+1)*width]
		for j, f := range inv {
			x := float64(float32(pos) * f)
			row[j] = float32(math.Sin(x))
			row[len(inv)+j] = float32(math.Cos(x))
		}
	}
	return t
}

// weightReader fetches tensors by name and checks their shapes, keeping the
// first error so that a run of look-ups needs one check at the end.
type weightReader struct {
	g   *graphModel
	err error
}

func (w *weightReader) get(name, dtype string) *tensor {
	if w.err != nil {
		return &tensor{}
	}
	t, ok := w.g.tensors[name]
	if !ok {
		w.err = fmt.Errorf("weight %q is missing", name)
		return &tensor{}
	}
	if (dtype == "float32") != (t.f32 != nil) {
		w.err = fmt.Errorf("weight %q is not %s", name, dtype)
		return &tensor{}
	}
	return t
}

// check compares a tensor's shape with want, where -1 matches any size.
func (w *weightReader) check(t *tensor, want ...int) {
	if w.err != nil {
		return
	}
	ok := len(t.shape) == len(want)
	for i := 0; ok && i < len(want); i++ {
		ok = want[i] == -1 || want[i] == t.shape[i]
	}
	if !ok {
		w.err = fmt.Errorf("weight %q has shape %v, want %v", t.name, t.shape, want)
	}
}

func (w *weightReader) matrix(name string, rows, cols int) *tensor {
	t := w.get(name, "float32")
	w.check(t, rows, cols)
	if w.err != nil {
		return &tensor{}
	}
	return t
}

// matrix4 reads a 1×1 convolution kernel [1, 1, in, out] as an [in, out]
// matrix.
func (w *weightReader) matrix4(name string, rows, cols int) *tensor {
	t := w.get(name, "float32")
	w.check(t, 1, 1, rows, cols)
	if w.err != nil {
		return &tensor{}
	}
	return &tensor{name: t.name, shape: t.shape[2:], f32: t.f32}
}

func (w *weightReader) floats(name string, shape ...int) []float32 {
	t := w.get(name, "float32")
	w.check(t, shape...)
	return t.f32
}

func (w *weightReader) ints(name string, n int) []int32 {
	t := w.get(name, "int32")
	w.check(t, n)
	if w.err != nil {
		return make([]int32, n)
	}
	return t.i32
}

func (w *weightReader) floatScalar(name string) float32 {
	t := w.get(name, "float32")
	w.check(t)
	if w.err != nil {
		return 0
	}
	return t.f32[0]
}

func (w *weightReader) intScalar(name string) int32 {
	t := w.get(name, "int32")
	w.check(t)
	if w.err != nil {
		return 0
	}
	return t.i32[0]
}

// graphCheck is one node the forward pass relies on: its op and inputs.
type graphCheck struct {
	node   string
	op     string
	inputs []string
}

// graphChecks pins the wiring that the hand-written forward pass reproduces,
// so that a different graph fails to load instead of encoding wrongly. Among
// them are two details a reader of the original paper would not guess: the
// first layer's input is the embeddings plus (embeddings + timing signal),
// i.e. twice the embeddings, and its residual path goes through a dense
// 256→512 projection of that input.
var graphChecks = []graphCheck{
	{encode + "embedding_lookup", "GatherV2", []string{"module/Embeddings_en"}},
	{stack + "Layer_0/AddTimingSignal/TimingSignal/concat", "ConcatV2", []string{stack + "Layer_0/AddTimingSignal/TimingSignal/Sin", stack + "Layer_0/AddTimingSignal/TimingSignal/Cos"}},
	{stack + "Layer_0/AddTimingSignal/add", "Add", []string{stack + "Layer_0/AddTimingSignal/Gather/GatherNd", stack + "Layer_0/AddTimingSignal/TimingSignal/concat"}},
	{stack + "Layer_0/AddTimingSignal/Gather/GatherNd", "GatherNd", []string{encode + "Scatter/ScatterNd"}},
	{stack + "Layer_0/add", "Add", []string{encode + "Scatter/ScatterNd", stack + "Layer_0/AddTimingSignal/Scatter/ScatterNd"}},
	{stack + "Layer_0/TransformerLayer/layer_prepostprocess/layer_norm/Mean", "Mean", []string{stack + "Layer_0/add"}},
	{stack + "Layer_0/TransformerLayer/AdjustResidualInput/Gather/GatherNd", "GatherNd", []string{stack + "Layer_0/add"}},
	{stack + "Layer_0/TransformerLayer/layer_postprocess/add", "Add", []string{stack + "Layer_0/TransformerLayer/MultiheadAttention/Squeeze_1", stack + "Layer_0/TransformerLayer/AdjustResidualInput/Scatter/ScatterNd"}},
	{stack + "Layer_1/TransformerLayer/layer_prepostprocess/layer_norm/Mean", "Mean", []string{stack + "Layer_0/TransformerLayer/FFN/layer_postprocess/add"}},
	{stack + "Layer_1/TransformerLayer/layer_postprocess/add", "Add", []string{stack + "Layer_1/TransformerLayer/MultiheadAttention/Squeeze_1", stack + "Layer_0/TransformerLayer/FFN/layer_postprocess/add"}},
	{stack + "Layer_0/TransformerLayer/FFN/layer_postprocess/add", "Add", []string{stack + "Layer_0/TransformerLayer/FFN/Scatter/ScatterNd", stack + "Layer_0/TransformerLayer/layer_postprocess/add"}},
	{stack + "Layer_1/TransformerLayer/FFN/layer_postprocess/add", "Add", []string{stack + "Layer_1/TransformerLayer/FFN/Scatter/ScatterNd", stack + "Layer_1/TransformerLayer/layer_postprocess/add"}},
	{stack + "Layer_0/TransformerLayer/FFN/conv1/Relu", "Relu", nil},
	{stack + "Layer_1/TransformerLayer/FFN/conv1/Relu", "Relu", nil},
	{stack + "Layer_0/TransformerLayer/MultiheadAttention/mul", "Mul", []string{stack + "Layer_0/TransformerLayer/MultiheadAttention/split_heads/transpose"}},
	{stack + "Layer_1/TransformerLayer/MultiheadAttention/mul", "Mul", []string{stack + "Layer_1/TransformerLayer/MultiheadAttention/split_heads/transpose"}},
	{stack + "Layer_0/TransformerLayer/MultiheadAttention/DotProductAttention/BaseDotProductAttention/Softmax", "Softmax", nil},
	{stack + "Layer_1/TransformerLayer/MultiheadAttention/DotProductAttention/BaseDotProductAttention/Softmax", "Softmax", nil},
	{apply + "mul", "Mul", []string{stack + "Layer_1/TransformerLayer/FFN/layer_postprocess/add"}},
	{apply + "div", "RealDiv", []string{apply + "Sum"}},
	{"module_apply_default/Encoder_en/hidden_layers/tanh_layer_0/MatMul", "MatMul", []string{apply + "div", hidden + "weights"}},
	{"module_apply_default/Encoder_en/hidden_layers/tanh_layer_0/Tanh", "Tanh", nil},
	{l2Prefix + "/Maximum", "Maximum", []string{l2Prefix + "/Sum"}},
	{l2Prefix, "Mul", []string{"module_apply_default/Encoder_en/hidden_layers/tanh_layer_0/Tanh", l2Prefix + "/Rsqrt"}},
}

func checkGraph(g *graphModel) error {
	for _, c := range graphChecks {
		n, ok := g.nodes[c.node]
		if !ok {
			return fmt.Errorf("node %q is missing", c.node)
		}
		if n.Op != c.op {
			return fmt.Errorf("node %q is %s, want %s", c.node, n.Op, c.op)
		}
		for i, in := range c.inputs {
			if i >= len(n.Input) || strings.TrimSuffix(n.Input[i], ":0") != in {
				return fmt.Errorf("node %q input %d is %q, want %q", c.node, i, inputAt(n.Input, i), in)
			}
		}
	}
	return nil
}

func inputAt(in []string, i int) string {
	if i < len(in) {
		return in[i]
	}
	return "(none)"
}
