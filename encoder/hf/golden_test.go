package hf

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

const goldenRoot = "../../../shared/testdata/hf-golden"

// golden is a folder's golden.json, written by transformers 5.17.0,
// tokenizers and sentence-transformers 6.0.1 (see testdata/README.md).
type golden struct {
	MaxLength int          `json:"max_length"`
	Texts     []goldenText `json:"texts"`
}

type goldenText struct {
	Text                 string      `json:"text"`
	InputIDs             []int       `json:"input_ids"`
	AttentionMask        []int       `json:"attention_mask"`
	TokenTypeIDs         []int       `json:"token_type_ids"`
	LastHiddenState      [][]float32 `json:"last_hidden_state"`
	Mean                 []float32   `json:"mean"`
	CLS                  []float32   `json:"cls"`
	MeanNormalized       []float32   `json:"mean_normalized"`
	CLSNormalized        []float32   `json:"cls_normalized"`
	PoolerOutput         []float32   `json:"pooler_output"`
	SentenceTransformers []float32   `json:"sentence_transformers"`
}

func readGolden(t testing.TB, name string) golden {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(goldenRoot, name, "golden.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g golden
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatal(err)
	}
	return g
}

// maxAbsDiff is the largest |a[i]-b[i]|, +Inf for different lengths.
func maxAbsDiff(a, b []float32) float64 {
	if len(a) != len(b) {
		return math.Inf(1)
	}
	var m float64
	for i := range a {
		m = max(m, math.Abs(float64(a[i])-float64(b[i])))
	}
	return m
}

func cosine(a, b []float32) float64 {
	var ab, aa, bb float64
	for i := range a {
		ab += float64(a[i]) * float64(b[i])
		aa += float64(a[i]) * float64(a[i])
		bb += float64(b[i]) * float64(b[i])
	}
	return ab / math.Sqrt(aa*bb)
}

func sameInts(a, b []int) bool {
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

// stats collects the worst differences seen per tensor, for the log.
type stats struct {
	maxDiff map[string]float64
	minCos  float64
}

func newStats() *stats { return &stats{maxDiff: map[string]float64{}, minCos: 1} }

func (s *stats) log(t *testing.T) {
	keys := make([]string, 0, len(s.maxDiff))
	for k := range s.maxDiff {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("%-22s max abs diff %.3g", k, s.maxDiff[k])
	}
	t.Logf("%-22s min cosine 1 - %.3g", "embedding", 1-s.minCos)
}

func (s *stats) diff(name string, d float64) float64 {
	s.maxDiff[name] = max(s.maxDiff[name], d)
	return d
}

func TestGoldenFolders(t *testing.T) {
	for _, tc := range []struct {
		name   string
		id     string
		pooler bool
	}{
		{"bert-wordpiece", "hf:bert-wordpiece@", true},
		{"xlmr-unigram", "hf:xlmr-unigram@", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := readGolden(t, tc.name)
			e, err := Load(filepath.Join(goldenRoot, tc.name))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(e.ID(), tc.id) || len(e.ID()) != len(tc.id)+12 {
				t.Errorf("ID %q", e.ID())
			}
			if e.Dim() != 64 || e.MaxTokens() != g.MaxLength {
				t.Errorf("Dim %d MaxTokens %d, want 64 and %d", e.Dim(), e.MaxTokens(), g.MaxLength)
			}
			inputs := make([]Input, len(g.Texts))
			for i, gt := range g.Texts {
				enc, err := e.Tokenize(gt.Text)
				if err != nil {
					t.Fatal(err)
				}
				if !sameInts(enc.IDs, gt.InputIDs) || !sameInts(enc.AttentionMask, gt.AttentionMask) {
					t.Errorf("text %d %q: ids %v mask %v, want %v %v", i, gt.Text, enc.IDs, enc.AttentionMask, gt.InputIDs, gt.AttentionMask)
				}
				if gt.TokenTypeIDs != nil && !sameInts(enc.TypeIDs, gt.TokenTypeIDs) {
					t.Errorf("text %d: type ids %v, want %v", i, enc.TypeIDs, gt.TokenTypeIDs)
				}
				inputs[i] = Input{IDs: gt.InputIDs, TypeIDs: gt.TokenTypeIDs}
			}
			// All texts in one packed pass: a masking or packing bug would
			// leak one text into another.
			hidden, err := e.Model().Forward(context.Background(), inputs)
			if err != nil {
				t.Fatal(err)
			}
			s := newStats()
			const tol = 1e-4
			for i, gt := range g.Texts {
				h := hidden[i]
				for r, want := range gt.LastHiddenState {
					if d := s.diff("last_hidden_state", maxAbsDiff(h[r*64:(r+1)*64], want)); d > tol {
						t.Errorf("text %d row %d: last hidden state off by %g", i, r, d)
					}
				}
				mean, cls := Pool("mean", h, 64, 0), Pool("cls", h, 64, 0)
				if d := s.diff("mean", maxAbsDiff(mean, gt.Mean)); d > tol {
					t.Errorf("text %d: mean off by %g", i, d)
				}
				if d := s.diff("cls", maxAbsDiff(cls, gt.CLS)); d > tol {
					t.Errorf("text %d: cls off by %g", i, d)
				}
				normalizeL2(mean)
				normalizeL2(cls)
				if d := s.diff("mean_normalized", maxAbsDiff(mean, gt.MeanNormalized)); d > tol {
					t.Errorf("text %d: normalised mean off by %g", i, d)
				}
				if d := s.diff("cls_normalized", maxAbsDiff(cls, gt.CLSNormalized)); d > tol {
					t.Errorf("text %d: normalised cls off by %g", i, d)
				}
				if tc.pooler {
					p, err := e.Model().PoolerOutput(h)
					if err != nil {
						t.Fatal(err)
					}
					if d := s.diff("pooler_output", maxAbsDiff(p, gt.PoolerOutput)); d > tol {
						t.Errorf("text %d: pooler output off by %g", i, d)
					}
				}
			}
			texts := make([]string, len(g.Texts))
			for i, gt := range g.Texts {
				texts[i] = gt.Text
			}
			vecs, err := e.Encode(context.Background(), texts)
			if err != nil {
				t.Fatal(err)
			}
			for i, gt := range g.Texts {
				c := cosine(vecs[i], gt.SentenceTransformers)
				s.minCos = min(s.minCos, c)
				if c < 1-1e-5 {
					t.Errorf("text %d: cosine to sentence-transformers %.8f", i, c)
				}
				s.diff("sentence_transformers", maxAbsDiff(vecs[i], gt.SentenceTransformers))
			}
			s.log(t)
		})
	}
}
