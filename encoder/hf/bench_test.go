package hf

import (
	"context"
	"encoding/csv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/tokenizer/hftokenizer"
)

// Benchmarks report sentences/s for the golden models and for random models
// of the sizes of common sentence encoders, built in memory:
//
//	go test -run x -bench . -benchtime 20x ./encoder/hf/
//
// The texts are MovieLens titles with their genres (about 15 tokens) and,
// for "long", four of them joined (about 55 tokens).

// randomModel builds a model of cfg's shape with weights drawn as BERT
// initialises them (normal, std 0.02; LayerNorm at identity).
func randomModel(cfg Config, seed uint64) *Model {
	r := rand.New(rand.NewPCG(seed, 1))
	fill := func(n int) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = float32(r.NormFloat64() * 0.02)
		}
		return s
	}
	ln := func(n int) layerNorm {
		g := make([]float32, n)
		for i := range g {
			g[i] = 1
		}
		return layerNorm{gamma: g, beta: make([]float32, n), eps: float32(cfg.LayerNormEps)}
	}
	lin := func(out, in int) linear { return linear{w: fill(out * in), b: fill(out), in: in, out: out} }
	h, inter := cfg.HiddenSize, cfg.IntermediateSize
	act, _ := activation(cfg.HiddenAct)
	m := &Model{cfg: cfg, act: act, word: fill(cfg.VocabSize * h), pos: fill(cfg.MaxPositionEmbeddings * h),
		typ: fill(cfg.TypeVocabSize * h), embLN: ln(h)}
	for range cfg.NumHiddenLayers {
		m.layers = append(m.layers, layer{qkv: lin(3*h, h), attnOut: lin(h, h), attnLN: ln(h),
			inter: lin(inter, h), out: lin(h, inter), outLN: ln(h)})
	}
	p := lin(h, h)
	m.pooler = &p
	return m
}

func bertShape(hidden, layers, heads, inter int) Config {
	return Config{ModelType: "bert", HiddenSize: hidden, NumHiddenLayers: layers, NumAttentionHeads: heads,
		IntermediateSize: inter, HiddenAct: "gelu", LayerNormEps: 1e-12, MaxPositionEmbeddings: 512,
		VocabSize: 30522, TypeVocabSize: 2}
}

func movieTexts(b *testing.B, n int) []string {
	f, err := os.Open("../../../shared/data/ml-latest-small/movies.csv")
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var out []string
	for _, row := range rows[1 : n+1] {
		out = append(out, row[1]+" "+strings.ReplaceAll(row[2], "|", " "))
	}
	return out
}

func benchEncode(b *testing.B, e *Encoder, texts []string) {
	tokens := 0
	for _, s := range texts {
		enc, _ := e.Tokenize(s)
		tokens += enc.Len()
	}
	ctx := context.Background()
	cpu0 := cpuSeconds()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Encode(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(b.N*len(texts))/sec, "sentences/s")
	b.ReportMetric(float64(b.N*tokens)/sec, "tokens/s")
	// On a shared machine wall time depends on the neighbours; the
	// process's CPU time is steadier.
	b.ReportMetric(float64(b.N*len(texts))/(cpuSeconds()-cpu0), "sentences/cpu-s")
}

func BenchmarkGolden(b *testing.B) {
	texts := movieTexts(b, 256)
	for _, name := range []string{"bert-wordpiece", "xlmr-unigram"} {
		e, err := Load(filepath.Join(goldenRoot, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) { benchEncode(b, e, texts) })
	}
}

func BenchmarkRandomModel(b *testing.B) {
	tok, err := hftokenizer.Load(filepath.Join(goldenRoot, "bert-wordpiece", "tokenizer.json"))
	if err != nil {
		b.Fatal(err)
	}
	tok = tok.WithTruncation(&hftokenizer.Truncation{MaxLength: 128})
	short := movieTexts(b, 256)
	long := make([]string, 64)
	for i := range long {
		long[i] = strings.Join(short[4*i:4*i+4], ". ")
	}
	for _, m := range []struct {
		name string
		cfg  Config
	}{
		{"MiniLM-L6-384", bertShape(384, 6, 12, 1536)},
		{"bge-small-L12-384", bertShape(384, 12, 12, 1536)},
		{"BERT-base-L12-768", bertShape(768, 12, 12, 3072)},
	} {
		e, err := assemble(parts{id: "bench", model: randomModel(m.cfg, 1), tok: tok, maxTokens: 128,
			pipe: pipeline{pooling: Pooling{Modes: []string{"mean"}, IncludePrompt: true}, normalize: true}}, Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(m.name+"/short", func(b *testing.B) { benchEncode(b, e, short) })
		b.Run(m.name+"/long", func(b *testing.B) { benchEncode(b, e, long) })
	}
}
