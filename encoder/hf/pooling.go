package hf

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// Pooling turns a text's token vectors into one vector, as the
// sentence-transformers Pooling module does. With several modes the results
// are concatenated in the module's fixed order.
type Pooling struct {
	// Modes, in output order: "cls", "max", "mean", "mean_sqrt_len_tokens",
	// "weightedmean", "lasttoken".
	Modes []string
	// IncludePrompt false excludes a prompt's tokens from the pooled tokens.
	IncludePrompt bool
}

// poolingOrder is the order sentence-transformers concatenates modes in.
var poolingOrder = []string{"cls", "max", "mean", "mean_sqrt_len_tokens", "weightedmean", "lasttoken"}

func readPooling(path string) (Pooling, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Pooling{}, err
	}
	p, err := parsePooling(data)
	if err != nil {
		return Pooling{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// parsePooling reads a Pooling module's config.json, in the newer
// ("pooling_mode": "mean") or older (one boolean per mode) form.
func parsePooling(data []byte) (Pooling, error) {
	var c map[string]json.RawMessage
	if err := json.Unmarshal(data, &c); err != nil {
		return Pooling{}, err
	}
	p := Pooling{IncludePrompt: true}
	if raw, ok := c["include_prompt"]; ok {
		if err := json.Unmarshal(raw, &p.IncludePrompt); err != nil {
			return Pooling{}, fmt.Errorf("include_prompt: %w", err)
		}
	}
	want := map[string]bool{}
	if raw, ok := c["pooling_mode"]; ok {
		// Newer files: "pooling_mode": "mean" (or a list of modes).
		var one string
		var many []string
		switch {
		case json.Unmarshal(raw, &one) == nil:
			many = []string{one}
		case json.Unmarshal(raw, &many) == nil:
		default:
			return Pooling{}, fmt.Errorf("pooling_mode %s", raw)
		}
		for _, m := range many {
			switch m {
			case "mean_tokens":
				m = "mean"
			case "max_tokens":
				m = "max"
			case "cls_token":
				m = "cls"
			case "weightedmean_tokens":
				m = "weightedmean"
			}
			want[m] = true
		}
	}
	// Older files: one boolean per mode.
	for key, mode := range map[string]string{
		"pooling_mode_cls_token":            "cls",
		"pooling_mode_max_tokens":           "max",
		"pooling_mode_mean_tokens":          "mean",
		"pooling_mode_mean_sqrt_len_tokens": "mean_sqrt_len_tokens",
		"pooling_mode_weightedmean_tokens":  "weightedmean",
		"pooling_mode_lasttoken":            "lasttoken",
	} {
		var on bool
		if raw, ok := c[key]; ok && json.Unmarshal(raw, &on) == nil && on {
			want[mode] = true
		}
	}
	for _, m := range poolingOrder {
		if want[m] {
			p.Modes = append(p.Modes, m)
			delete(want, m)
		}
	}
	for m := range want {
		return Pooling{}, fmt.Errorf("pooling mode %q is not supported", m)
	}
	if len(p.Modes) == 0 {
		return Pooling{}, fmt.Errorf("no pooling mode")
	}
	return p, nil
}

// Dim is the pooled width for token vectors of the given width.
func (p Pooling) Dim(width int) int { return width * len(p.Modes) }

// Apply pools hidden, n rows of width floats. The first skip rows are left
// out of every mode except cls (sentence-transformers masks a prompt this
// way); skip is 0 unless a prompt is excluded.
func (p Pooling) Apply(hidden []float32, width, skip int) []float32 {
	out := make([]float32, 0, p.Dim(width))
	for _, m := range p.Modes {
		out = append(out, Pool(m, hidden, width, skip)...)
	}
	return out
}

// Pool computes one pooling mode over n = len(hidden)/width token vectors,
// leaving out the first skip tokens.
func Pool(mode string, hidden []float32, width, skip int) []float32 {
	n := len(hidden) / width
	out := make([]float32, width)
	if n == 0 {
		return out
	}
	row := func(i int) []float32 { return hidden[i*width : (i+1)*width] }
	skip = min(skip, n)
	kept := n - skip
	switch mode {
	case "cls":
		copy(out, row(0))
	case "lasttoken":
		if kept > 0 {
			copy(out, row(n-1))
		}
	case "max":
		if kept == 0 {
			// Every token masked: the reference's masked value wins.
			for i := range out {
				out[i] = -1e9
			}
			break
		}
		copy(out, row(skip))
		for i := skip + 1; i < n; i++ {
			for j, v := range row(i) {
				out[j] = max(out[j], v)
			}
		}
	case "mean", "mean_sqrt_len_tokens", "weightedmean":
		sum := make([]float64, width)
		var weight float64
		for i := skip; i < n; i++ {
			w := 1.0
			if mode == "weightedmean" {
				w = float64(i + 1)
			}
			for j, v := range row(i) {
				sum[j] += w * float64(v)
			}
			weight += w
		}
		div := max(weight, 1e-9)
		if mode == "mean_sqrt_len_tokens" {
			div = math.Sqrt(weight)
		}
		for j := range out {
			if div > 0 {
				out[j] = float32(sum[j] / div)
			}
		}
	}
	return out
}

// normalizeL2 scales v to unit length, as torch's F.normalize (the norm is
// floored at 1e-12).
func normalizeL2(v []float32) {
	var s float64
	for _, x := range v {
		s += float64(x) * float64(x)
	}
	n := max(math.Sqrt(s), 1e-12)
	for i := range v {
		v[i] = float32(float64(v[i]) / n)
	}
}
