package hf

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/driftrec/driftrec/safetensors"
)

// module is one entry of a sentence-transformers modules.json.
type module struct {
	Type string `json:"type"`
	Path string `json:"path"`
}

// kind is the module's class name: the last part of its Python path, which
// stays the same across sentence-transformers versions that moved modules.
func (m module) kind() string {
	return m.Type[strings.LastIndex(m.Type, ".")+1:]
}

// pipeline is what a sentence-transformers folder does after the
// transformer: pooling, optional dense layers, optional normalisation.
type pipeline struct {
	transformerDir string
	pooling        Pooling
	dense          []denseLayer
	normalize      bool
}

// readPipeline reads modules.json; a folder without one is a plain
// transformers checkpoint, pooled by mean as sentence-transformers does.
func readPipeline(dir string) (pipeline, error) {
	data, err := os.ReadFile(filepath.Join(dir, "modules.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return pipeline{transformerDir: dir, pooling: Pooling{Modes: []string{"mean"}, IncludePrompt: true}}, nil
	}
	if err != nil {
		return pipeline{}, err
	}
	var mods []module
	if err := json.Unmarshal(data, &mods); err != nil {
		return pipeline{}, fmt.Errorf("modules.json: %w", err)
	}
	var p pipeline
	seen := map[string]bool{}
	for i, m := range mods {
		path := filepath.Join(dir, filepath.FromSlash(m.Path))
		if !filepath.IsLocal(filepath.FromSlash(m.Path)) && m.Path != "" {
			return pipeline{}, fmt.Errorf("modules.json: module %d path %q leaves the folder", i, m.Path)
		}
		k := m.kind()
		switch {
		case k == "Transformer" && !seen[k] && i == 0:
			p.transformerDir = path
		case k == "Pooling" && !seen[k] && seen["Transformer"]:
			if p.pooling, err = readPooling(filepath.Join(path, "config.json")); err != nil {
				return pipeline{}, err
			}
		case k == "Dense" && seen["Pooling"] && !seen["Normalize"]:
			d, err := readDense(path)
			if err != nil {
				return pipeline{}, err
			}
			p.dense = append(p.dense, d)
		case k == "Normalize" && seen["Pooling"] && !seen[k]:
			p.normalize = true
		default:
			return pipeline{}, fmt.Errorf("modules.json: module %d of type %q is not supported here (supported: Transformer, Pooling, Dense, Normalize, in that order)", i, m.Type)
		}
		seen[k] = true
	}
	if !seen["Transformer"] || !seen["Pooling"] {
		return pipeline{}, fmt.Errorf("modules.json: needs a Transformer and a Pooling module")
	}
	return p, nil
}

// denseLayer is a sentence-transformers Dense module: act(W·x + b).
type denseLayer struct {
	lin linear
	act func(float32) float32
}

func readDense(dir string) (denseLayer, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return denseLayer{}, fmt.Errorf("Dense module: %w", err)
	}
	c := struct {
		In   int    `json:"in_features"`
		Out  int    `json:"out_features"`
		Bias *bool  `json:"bias"`
		Act  string `json:"activation_function"`
	}{}
	if err := json.Unmarshal(data, &c); err != nil {
		return denseLayer{}, fmt.Errorf("Dense module config: %w", err)
	}
	if c.In <= 0 || c.Out <= 0 || c.In > maxWidth || c.Out > maxWidth {
		return denseLayer{}, fmt.Errorf("Dense module: %d→%d features", c.In, c.Out)
	}
	d := denseLayer{lin: linear{in: c.In, out: c.Out}}
	switch c.Act[strings.LastIndex(c.Act, ".")+1:] {
	case "Tanh":
		d.act = func(x float32) float32 { return float32(math.Tanh(float64(x))) }
	case "Identity", "":
		d.act = func(x float32) float32 { return x }
	case "ReLU":
		d.act = func(x float32) float32 { return max(x, 0) }
	case "GELU":
		d.act = geluErfTable.eval
	case "Sigmoid":
		d.act = sigmoid
	default:
		return denseLayer{}, fmt.Errorf("Dense module: activation %q is not supported", c.Act)
	}
	f, err := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return denseLayer{}, fmt.Errorf("Dense module weights (only model.safetensors is read): %w", err)
	}
	defer f.Close()
	w, shape, err := f.Float32("linear.weight")
	if err != nil {
		return denseLayer{}, fmt.Errorf("Dense module: %w", err)
	}
	if !equalShape(shape, []int{c.Out, c.In}) {
		return denseLayer{}, fmt.Errorf("Dense module: weight shape %v, want [%d %d]", shape, c.Out, c.In)
	}
	d.lin.w = w
	d.lin.b = make([]float32, c.Out)
	if c.Bias == nil || *c.Bias {
		b, shape, err := f.Float32("linear.bias")
		if err != nil {
			return denseLayer{}, fmt.Errorf("Dense module: %w", err)
		}
		if !equalShape(shape, []int{c.Out}) {
			return denseLayer{}, fmt.Errorf("Dense module: bias shape %v, want [%d]", shape, c.Out)
		}
		d.lin.b = b
	}
	return d, nil
}

func (d denseLayer) apply(x []float32) []float32 {
	out := make([]float32, d.lin.out)
	d.lin.apply(out, x, 1)
	for i, v := range out {
		out[i] = d.act(v)
	}
	return out
}
