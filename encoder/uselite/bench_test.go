package uselite

import (
	"context"
	"testing"
)

// BenchmarkEncode encodes the 53 reference texts per iteration and reports
// sentences per second. Run with -cpu 2 to match the project's machines.
func BenchmarkEncode(b *testing.B) {
	e := loadTestEncoder(b)
	golden := sharedGolden(b)
	texts := make([]string, len(golden.Texts))
	for i, g := range golden.Texts {
		texts[i] = g.Text
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.Encode(ctx, texts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(texts))/b.Elapsed().Seconds(), "sentences/s")
}

// BenchmarkTokenize measures the tokenizer alone over the reference texts.
func BenchmarkTokenize(b *testing.B) {
	e := loadTestEncoder(b)
	golden := sharedGolden(b)
	b.ResetTimer()
	for b.Loop() {
		for _, g := range golden.Texts {
			e.tok.encode(g.Text)
		}
	}
}
