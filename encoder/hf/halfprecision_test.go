package hf

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/driftrec/driftrec/safetensors"
)

// reference is testdata/<model>/reference.json, written by
// testdata/make_reference.py with transformers 5.17.0 and
// sentence-transformers 6.0.1: a random model saved in BF16 or F16, run in
// float32 on the exactly upcast weights, so that the only difference left
// is float32 rounding.
type reference struct {
	Texts []struct {
		Text            string      `json:"text"`
		InputIDs        []int       `json:"input_ids"`
		CLS             []float32   `json:"cls"`
		Mean            []float32   `json:"mean"`
		Max             []float32   `json:"max"`
		MeanSqrtLen     []float32   `json:"mean_sqrt_len"`
		PoolerOutput    []float32   `json:"pooler_output"`
		LastHiddenState [][]float32 `json:"last_hidden_state"`
	} `json:"texts"`
	SentenceTransformers [][]float32 `json:"sentence_transformers"`
}

// TestHalfPrecisionReferences loads the BF16 BERT and F16 XLM-R folders and
// compares every tensor with the reference.
func TestHalfPrecisionReferences(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modes   []string
		checkST bool
	}{
		{"bert-bf16", []string{"cls", "max"}, true},
		{"xlmr-f16", []string{"mean", "mean_sqrt_len_tokens"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join("testdata", tc.name)
			data, err := os.ReadFile(filepath.Join(dir, "reference.json"))
			if err != nil {
				t.Fatal(err)
			}
			var ref reference
			if err := json.Unmarshal(data, &ref); err != nil {
				t.Fatal(err)
			}
			e, err := Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.Pooling().Modes; len(got) != 2 || got[0] != tc.modes[0] || got[1] != tc.modes[1] {
				t.Fatalf("pooling modes %v, want %v", got, tc.modes)
			}
			if e.Dim() != 64 || e.MaxTokens() != 48 {
				t.Fatalf("Dim %d MaxTokens %d, want 64 and 48", e.Dim(), e.MaxTokens())
			}
			inputs := make([]Input, len(ref.Texts))
			texts := make([]string, len(ref.Texts))
			for i, rt := range ref.Texts {
				enc, err := e.Tokenize(rt.Text)
				if err != nil {
					t.Fatal(err)
				}
				if !sameInts(enc.IDs, rt.InputIDs) {
					t.Fatalf("text %d: ids %v, want %v", i, enc.IDs, rt.InputIDs)
				}
				inputs[i] = Input{IDs: enc.IDs, TypeIDs: enc.TypeIDs}
				texts[i] = rt.Text
			}
			hidden, err := e.Model().Forward(context.Background(), inputs)
			if err != nil {
				t.Fatal(err)
			}
			const w, tol = 32, 1e-4
			s := newStats()
			for i, rt := range ref.Texts {
				h := hidden[i]
				for r, want := range rt.LastHiddenState {
					if d := s.diff("last_hidden_state", maxAbsDiff(h[r*w:(r+1)*w], want)); d > tol {
						t.Errorf("text %d row %d: off by %g", i, r, d)
					}
				}
				for mode, want := range map[string][]float32{"cls": rt.CLS, "mean": rt.Mean, "max": rt.Max, "mean_sqrt_len_tokens": rt.MeanSqrtLen} {
					if d := s.diff(mode, maxAbsDiff(Pool(mode, h, w, 0), want)); d > tol {
						t.Errorf("text %d: %s off by %g", i, mode, d)
					}
				}
				p, err := e.Model().PoolerOutput(h)
				if err != nil {
					t.Fatal(err)
				}
				if d := s.diff("pooler_output", maxAbsDiff(p, rt.PoolerOutput)); d > tol {
					t.Errorf("text %d: pooler output off by %g", i, d)
				}
			}
			vecs, err := e.Encode(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			// The pipeline's output is the reference's poolings side by
			// side. sentence-transformers' own vectors are compared only
			// for the BERT folder: the XLM-R folder has no
			// tokenizer_config.json, so transformers 5 tokenized with its
			// built-in XLM-R pipeline instead of the file's (it keeps
			// neither NFKC nor lone spaces), a different input.
			for i, rt := range ref.Texts {
				parts := map[string][]float32{"cls": rt.CLS, "mean": rt.Mean, "max": rt.Max, "mean_sqrt_len_tokens": rt.MeanSqrtLen}
				var want []float32
				for _, m := range tc.modes {
					want = append(want, parts[m]...)
				}
				c := cosine(vecs[i], want)
				s.minCos = min(s.minCos, c)
				if d := s.diff("pipeline", maxAbsDiff(vecs[i], want)); d > tol || c < 1-1e-5 {
					t.Errorf("text %d: pipeline off by %g, cosine %.8f", i, d, c)
				}
				if tc.checkST {
					if d := s.diff("sentence_transformers", maxAbsDiff(vecs[i], ref.SentenceTransformers[i])); d > tol {
						t.Errorf("text %d: off sentence-transformers by %g", i, d)
					}
				}
			}
			s.log(t)
		})
	}
}

// TestGoldenInHalfPrecision writes the golden models' weights as F16 and
// BF16 and checks that the encoder's vectors stay close to the float32
// reference: within the rounding the formats imply.
func TestGoldenInHalfPrecision(t *testing.T) {
	for _, name := range []string{"bert-wordpiece", "xlmr-unigram"} {
		g := readGolden(t, name)
		texts := make([]string, len(g.Texts))
		for i, gt := range g.Texts {
			texts[i] = gt.Text
		}
		for _, tc := range []struct {
			dtype  safetensors.DType
			minCos float64
		}{
			// F16 keeps 11 significant bits, BF16 8. Rounding the weights
			// (std 0.3, two layers) cost at worst 1e-6 (F16) and 5e-5
			// (BF16) of cosine when this test was written; the bounds
			// leave a factor of ten.
			{safetensors.F16, 0.99999},
			{safetensors.BF16, 0.9995},
		} {
			t.Run(name+"/"+string(tc.dtype), func(t *testing.T) {
				dir := copyFolderAs(t, filepath.Join(goldenRoot, name), tc.dtype)
				e, err := Load(dir)
				if err != nil {
					t.Fatal(err)
				}
				vecs, err := e.Encode(context.Background(), texts)
				if err != nil {
					t.Fatal(err)
				}
				worst := 1.0
				for i, gt := range g.Texts {
					c := cosine(vecs[i], gt.SentenceTransformers)
					worst = min(worst, c)
					if c < tc.minCos {
						t.Errorf("text %d: cosine %.6f to the float32 reference, want ≥ %g", i, c, tc.minCos)
					}
				}
				t.Logf("min cosine to the float32 reference: %.6f", worst)
			})
		}
	}
}

// copyFolderAs copies a model folder into a temporary one, rewriting
// model.safetensors in dtype.
func copyFolderAs(t *testing.T, src string, dtype safetensors.DType) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		if d.Name() == "golden.json" {
			return nil
		}
		if d.Name() == "model.safetensors" {
			return convertWeights(path, out, dtype)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(out, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

func convertWeights(src, dst string, dtype safetensors.DType) error {
	f, err := safetensors.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	var ts []safetensors.Tensor
	for _, name := range f.Names() {
		data, shape, err := f.Float32(name)
		if err != nil {
			return err
		}
		ts = append(ts, safetensors.Tensor{Name: name, DType: dtype, Shape: shape, Data: data})
	}
	return safetensors.WriteFile(dst, ts, f.Metadata)
}
