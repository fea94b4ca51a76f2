package hf

import (
	"fmt"
	"strings"

	"github.com/driftrec/driftrec/safetensors"
)

// Model is a BERT-family transformer encoder with its weights in float32.
// It is read-only after loading and safe for concurrent use.
type Model struct {
	cfg    Config
	act    func([]float32)
	word   []float32 // vocab × hidden
	pos    []float32 // positions × hidden
	typ    []float32 // types × hidden (nil when the model has none)
	embLN  layerNorm
	layers []layer
	pooler *linear // nil when the checkpoint has no pooler
}

// linear is a PyTorch Linear layer: y = x·Wᵀ + b with W out×in.
type linear struct {
	w       []float32
	b       []float32
	in, out int
}

type layerNorm struct {
	gamma, beta []float32
	eps         float32
}

type layer struct {
	qkv     linear // query, key and value stacked: 3·hidden × hidden
	attnOut linear
	attnLN  layerNorm
	inter   linear
	out     linear
	outLN   layerNorm
}

// Config returns the model's configuration.
func (m *Model) Config() Config { return m.cfg }

// HasPooler reports whether the checkpoint includes BERT's pooler (a tanh
// layer over the first token), which PoolerOutput needs.
func (m *Model) HasPooler() bool { return m.pooler != nil }

// weightReader finds tensors whatever prefix the checkpoint's class gave
// them ("bert.", "roberta.", none) and checks their shapes.
type weightReader struct {
	f      *safetensors.File
	prefix string
}

func newWeightReader(f *safetensors.File) (*weightReader, error) {
	const anchor = "embeddings.word_embeddings.weight"
	for name := range f.Tensors {
		if strings.HasSuffix(name, anchor) {
			return &weightReader{f: f, prefix: strings.TrimSuffix(name, anchor)}, nil
		}
	}
	return nil, fmt.Errorf("no %s tensor: not a BERT-family checkpoint", anchor)
}

func (r *weightReader) has(name string) bool {
	_, ok := r.f.Tensors[r.prefix+name]
	return ok
}

// read returns the tensor name (or, for LayerNorm parameters, its old
// gamma/beta spelling) after checking its shape.
func (r *weightReader) read(name string, shape ...int) ([]float32, error) {
	full := r.prefix + name
	if _, ok := r.f.Tensors[full]; !ok {
		old := strings.NewReplacer("LayerNorm.weight", "LayerNorm.gamma", "LayerNorm.bias", "LayerNorm.beta").Replace(full)
		if _, ok := r.f.Tensors[old]; !ok {
			return nil, fmt.Errorf("missing tensor %s", full)
		}
		full = old
	}
	info := r.f.Tensors[full]
	if !equalShape(info.Shape, shape) {
		return nil, fmt.Errorf("tensor %s has shape %v, config wants %v", full, info.Shape, shape)
	}
	data, _, err := r.f.Float32(full)
	if err != nil {
		return nil, err
	}
	return data, nil
}

func equalShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (r *weightReader) linear(name string, out, in int) (linear, error) {
	w, err := r.read(name+".weight", out, in)
	if err != nil {
		return linear{}, err
	}
	b, err := r.read(name+".bias", out)
	if err != nil {
		return linear{}, err
	}
	return linear{w: w, b: b, in: in, out: out}, nil
}

func (r *weightReader) layerNorm(name string, width int, eps float64) (layerNorm, error) {
	g, err := r.read(name+".weight", width)
	if err != nil {
		return layerNorm{}, err
	}
	b, err := r.read(name+".bias", width)
	if err != nil {
		return layerNorm{}, err
	}
	return layerNorm{gamma: g, beta: b, eps: float32(eps)}, nil
}

// loadModel reads the weights of a model shaped like cfg.
func loadModel(cfg Config, f *safetensors.File) (*Model, error) {
	act, err := activation(cfg.HiddenAct)
	if err != nil {
		return nil, err
	}
	r, err := newWeightReader(f)
	if err != nil {
		return nil, err
	}
	h, inter := cfg.HiddenSize, cfg.IntermediateSize
	m := &Model{cfg: cfg, act: act}
	if m.word, err = r.read("embeddings.word_embeddings.weight", cfg.VocabSize, h); err != nil {
		return nil, err
	}
	if m.pos, err = r.read("embeddings.position_embeddings.weight", cfg.MaxPositionEmbeddings, h); err != nil {
		return nil, err
	}
	if cfg.TypeVocabSize > 0 {
		if m.typ, err = r.read("embeddings.token_type_embeddings.weight", cfg.TypeVocabSize, h); err != nil {
			return nil, err
		}
	}
	if m.embLN, err = r.layerNorm("embeddings.LayerNorm", h, cfg.LayerNormEps); err != nil {
		return nil, err
	}
	for i := range cfg.NumHiddenLayers {
		p := fmt.Sprintf("encoder.layer.%d.", i)
		var l layer
		var q, k, v linear
		if q, err = r.linear(p+"attention.self.query", h, h); err != nil {
			return nil, err
		}
		if k, err = r.linear(p+"attention.self.key", h, h); err != nil {
			return nil, err
		}
		if v, err = r.linear(p+"attention.self.value", h, h); err != nil {
			return nil, err
		}
		// One product with the three stacked is faster than three.
		l.qkv = linear{
			w:  append(append(q.w, k.w...), v.w...),
			b:  append(append(q.b, k.b...), v.b...),
			in: h, out: 3 * h,
		}
		if l.attnOut, err = r.linear(p+"attention.output.dense", h, h); err != nil {
			return nil, err
		}
		if l.attnLN, err = r.layerNorm(p+"attention.output.LayerNorm", h, cfg.LayerNormEps); err != nil {
			return nil, err
		}
		if l.inter, err = r.linear(p+"intermediate.dense", inter, h); err != nil {
			return nil, err
		}
		if l.out, err = r.linear(p+"output.dense", h, inter); err != nil {
			return nil, err
		}
		if l.outLN, err = r.layerNorm(p+"output.LayerNorm", h, cfg.LayerNormEps); err != nil {
			return nil, err
		}
		m.layers = append(m.layers, l)
	}
	if r.has("pooler.dense.weight") {
		pl, err := r.linear("pooler.dense", h, h)
		if err != nil {
			return nil, err
		}
		m.pooler = &pl
	}
	return m, nil
}
