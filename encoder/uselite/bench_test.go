package uselite

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// benchTexts are the texts the benchmarks encode: the JSON array of strings
// named by $USELITE_BENCH_TEXTS (scripts/bench-encoder.sh passes the file it
// gives TensorFlow.js), or else the 53 reference texts.
func benchTexts(b *testing.B) []string {
	b.Helper()
	path := os.Getenv("USELITE_BENCH_TEXTS")
	if path == "" {
		path = filepath.Join(repoRoot(b), "..", "shared", "testdata", "use-lite-texts.json")
	}
	var texts []string
	readJSON(b, path, &texts)
	if len(texts) == 0 {
		b.Fatalf("%s holds no texts", path)
	}
	return texts
}

// BenchmarkEncode encodes all texts in one call per iteration and reports
// sentences per second. Run with -cpu 2 to match the project's machines.
func BenchmarkEncode(b *testing.B) {
	e := loadTestEncoder(b)
	texts := benchTexts(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Encode(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkEncodeOneByOne makes one Encode call per text, the way a request
// handler embedding a single query would.
func BenchmarkEncodeOneByOne(b *testing.B) {
	e := loadTestEncoder(b)
	texts := benchTexts(b)
	ctx := context.Background()
	for b.Loop() {
		for _, t := range texts {
			if _, err := e.Encode(ctx, []string{t}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkTokenize measures the tokenizer alone.
func BenchmarkTokenize(b *testing.B) {
	e := loadTestEncoder(b)
	texts := benchTexts(b)
	for b.Loop() {
		for _, t := range texts {
			e.tok.encode(t)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "texts/s")
}
