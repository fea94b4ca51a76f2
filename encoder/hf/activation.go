package hf

import (
	"fmt"
	"math"
)

// activation returns the feed-forward nonlinearity config.json names, in
// the same formula as the transformers library.
func activation(name string) (func(float32) float32, error) {
	switch name {
	case "gelu":
		return geluErf, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_fast":
		return geluTanh, nil
	case "quick_gelu":
		return func(x float32) float32 { return x * sigmoid(1.702*x) }, nil
	case "relu":
		return func(x float32) float32 { return max(x, 0) }, nil
	case "silu", "swish":
		return func(x float32) float32 { return x * sigmoid(x) }, nil
	}
	return nil, fmt.Errorf("hidden_act %q is not supported", name)
}

// geluErf is the exact GELU, x·Φ(x), that "gelu" means in transformers.
func geluErf(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Erf(v/math.Sqrt2)))
}

// geluTanh is the tanh approximation of GELU ("gelu_new").
func geluTanh(x float32) float32 {
	v := float64(x)
	return float32(0.5 * v * (1 + math.Tanh(math.Sqrt(2/math.Pi)*(v+0.044715*v*v*v))))
}

func sigmoid(x float32) float32 { return float32(1 / (1 + math.Exp(-float64(x)))) }
