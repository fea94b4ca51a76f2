package hf

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/driftrec/driftrec/safetensors"
)

func goldenTexts(t testing.TB, name string) []string {
	g := readGolden(t, name)
	texts := make([]string, len(g.Texts))
	for i, gt := range g.Texts {
		texts[i] = gt.Text
	}
	return texts
}

// TestEncodeIndependentOfChunkingAndConcurrency checks that a text's vector
// does not depend on which texts share its forward pass, nor on other calls
// running at the same time.
func TestEncodeIndependentOfChunkingAndConcurrency(t *testing.T) {
	dir := filepath.Join(goldenRoot, "xlmr-unigram")
	texts := goldenTexts(t, "xlmr-unigram")
	one, err := LoadOptions(dir, Options{Workers: 1, ChunkTokens: 1})
	if err != nil {
		t.Fatal(err)
	}
	want, err := one.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	many, err := LoadOptions(dir, Options{Workers: 4, ChunkTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			// Each goroutine asks for a different rotation of the texts.
			rot := append(append([]string(nil), texts[g:]...), texts[:g]...)
			got, err := many.Encode(context.Background(), rot)
			if err != nil {
				errs <- err
				return
			}
			for i := range rot {
				if d := maxAbsDiff(got[i], want[(i+g)%len(texts)]); d > 1e-5 {
					errs <- errors.New("vector changed with chunking: " + rot[i])
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEncodeEdgeCases(t *testing.T) {
	e, err := Load(filepath.Join(goldenRoot, "bert-wordpiece"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := e.Encode(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Errorf("no texts: %v, %v", got, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.Encode(ctx, []string{"a"}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	// A text far past the limit is truncated, not rejected.
	long := strings.Repeat("word ", 5000)
	vecs, err := e.Encode(context.Background(), []string{long, ""})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vecs {
		if len(v) != e.Dim() {
			t.Fatalf("vector of %d, want %d", len(v), e.Dim())
		}
	}
	if _, err := e.Model().Forward(context.Background(), []Input{{IDs: []int{2, 5000, 3}}}); err == nil {
		t.Error("id past the vocabulary accepted")
	}
	if _, err := e.Model().Forward(context.Background(), []Input{{IDs: make([]int, 200)}}); err == nil {
		t.Error("sequence past the position table accepted")
	}
	if _, err := e.Model().Forward(context.Background(), []Input{{IDs: []int{2, 3}, TypeIDs: []int{0, 7}}}); err == nil {
		t.Error("type id past the table accepted")
	}
}

// copyGolden copies a golden folder into a temporary one and lets edit
// change its files.
func copyGolden(t *testing.T, name string, edit func(dir string)) string {
	t.Helper()
	dst := copyFolderAs(t, filepath.Join(goldenRoot, name), safetensors.F32)
	if edit != nil {
		edit(dst)
	}
	return dst
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func editJSON(t *testing.T, path string, f func(m map[string]any)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	writeJSON(t, path, m)
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(t *testing.T, dir string)
		want string
	}{
		{"no weights", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "model.safetensors")) }, "model.safetensors"},
		{"no tokenizer", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "tokenizer.json")) }, "tokenizer.json"},
		{"unsupported architecture", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["model_type"] = "mpnet" })
		}, `model_type "mpnet"`},
		{"relative positions", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["position_embedding_type"] = "relative_key" })
		}, "relative_key"},
		{"unknown activation", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["hidden_act"] = "mish" })
		}, `hidden_act "mish"`},
		{"config disagrees with weights", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["intermediate_size"] = 256 })
		}, "shape"},
		{"heads do not divide width", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["num_attention_heads"] = 5 })
		}, "num_attention_heads"},
		{"huge layer count", func(t *testing.T, dir string) {
			editJSON(t, filepath.Join(dir, "config.json"), func(m map[string]any) { m["num_hidden_layers"] = 1e9 })
		}, "num_hidden_layers"},
		{"unknown module", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, "modules.json"), []map[string]any{
				{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
				{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
				{"idx": 2, "name": "2", "path": "2_LSTM", "type": "sentence_transformers.models.LSTM"},
			})
		}, "LSTM"},
		{"module outside the folder", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, "modules.json"), []map[string]any{
				{"idx": 0, "name": "0", "path": "../../etc", "type": "sentence_transformers.models.Transformer"},
			})
		}, "leaves the folder"},
		{"unknown pooling mode", func(t *testing.T, dir string) {
			writeJSON(t, filepath.Join(dir, "1_Pooling", "config.json"), map[string]any{"pooling_mode": "median"})
		}, `"median"`},
		{"truncated weights", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "model.safetensors")
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)/2], 0o644)
		}, "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyGolden(t, "bert-wordpiece", func(dir string) { tc.edit(t, dir) })
			_, err := Load(dir)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestPlainTransformersFolder: without modules.json the folder is pooled by
// mean, unnormalised, as sentence-transformers treats a bare checkpoint.
func TestPlainTransformersFolder(t *testing.T) {
	dir := copyGolden(t, "bert-wordpiece", func(dir string) { os.Remove(filepath.Join(dir, "modules.json")) })
	e, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := readGolden(t, "bert-wordpiece")
	vecs, err := e.Encode(context.Background(), goldenTexts(t, "bert-wordpiece"))
	if err != nil {
		t.Fatal(err)
	}
	for i, gt := range g.Texts {
		if d := maxAbsDiff(vecs[i], gt.Mean); d > 1e-4 {
			t.Errorf("text %d: off the mean by %g", i, d)
		}
	}
}

// TestDenseAndPrompt adds a Dense module and a prompt left out of pooling,
// and recomputes the pipeline by hand from the model's hidden states.
func TestDenseAndPrompt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	w := make([]float32, 16*64)
	b := make([]float32, 16)
	for i := range w {
		w[i] = float32(r.NormFloat64() * 0.2)
	}
	for i := range b {
		b[i] = float32(r.NormFloat64() * 0.2)
	}
	dir := copyGolden(t, "bert-wordpiece", func(dir string) {
		writeJSON(t, filepath.Join(dir, "modules.json"), []map[string]any{
			{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
			{"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
			{"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"},
			{"idx": 3, "name": "3", "path": "3_Normalize", "type": "sentence_transformers.models.Normalize"},
		})
		writeJSON(t, filepath.Join(dir, "1_Pooling", "config.json"), map[string]any{"pooling_mode": "mean", "include_prompt": false})
		writeJSON(t, filepath.Join(dir, "2_Dense", "config.json"), map[string]any{
			"in_features": 64, "out_features": 16, "bias": true, "activation_function": "torch.nn.modules.activation.Tanh"})
		if err := safetensors.WriteFile(filepath.Join(dir, "2_Dense", "model.safetensors"), []safetensors.Tensor{
			{Name: "linear.weight", Shape: []int{16, 64}, Data: w},
			{Name: "linear.bias", Shape: []int{16}, Data: b},
		}, nil); err != nil {
			t.Fatal(err)
		}
	})
	prompt := "query: "
	e, err := LoadOptions(dir, Options{Prompt: &prompt})
	if err != nil {
		t.Fatal(err)
	}
	if e.Dim() != 16 {
		t.Fatalf("Dim %d, want 16", e.Dim())
	}
	texts := []string{"comfortable running shoes", "性价比高的运动鞋", ""}
	got, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	// The prompt's tokens with [CLS] but without the closing [SEP].
	pe, _ := e.Tokenizer().Encode(prompt)
	skip := pe.Len() - 1
	if skip < 2 {
		t.Fatalf("prompt of %d tokens", skip)
	}
	for i, text := range texts {
		enc, err := e.Tokenizer().Encode(prompt + text)
		if err != nil {
			t.Fatal(err)
		}
		hs, err := e.Model().Forward(context.Background(), []Input{{IDs: enc.IDs, TypeIDs: enc.TypeIDs}})
		if err != nil {
			t.Fatal(err)
		}
		pooled := Pool("mean", hs[0], 64, skip)
		want := make([]float32, 16)
		for o := range want {
			var s float64
			for k := range 64 {
				s += float64(w[o*64+k]) * float64(pooled[k])
			}
			want[o] = float32(math.Tanh(s + float64(b[o])))
		}
		normalizeL2(want)
		if d := maxAbsDiff(got[i], want); d > 1e-5 {
			t.Errorf("text %q: off by %g", text, d)
		}
	}
}
