package uselite

import (
	"context"
	"math"
	"testing"
)

// Tolerances against the TensorFlow.js reference, whose float32 sums run in
// a different order.
const (
	minCosine  = 0.9999
	maxAbsDiff = 1e-4
)

func loadTestEncoder(t testing.TB) *Encoder {
	t.Helper()
	e, err := Load(modelDir(t))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return e
}

// compareVectors returns the cosine similarity and the largest absolute
// element difference of got and want.
func compareVectors(got, want []float32) (cosine, maxDiff float64) {
	var dot, ng, nw float64
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		dot += g * w
		ng += g * g
		nw += w * w
		maxDiff = max(maxDiff, math.Abs(g-w))
	}
	return dot / math.Sqrt(ng*nw), maxDiff
}

func TestEncodeMatchesReference(t *testing.T) {
	e := loadTestEncoder(t)
	golden := sharedGolden(t)
	texts := make([]string, len(golden.Texts))
	for i, g := range golden.Texts {
		texts[i] = g.Text
	}
	got, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(texts) {
		t.Fatalf("got %d vectors for %d texts", len(got), len(texts))
	}
	worstCos, worstDiff := 1.0, 0.0
	for i, g := range golden.Texts {
		if len(got[i]) != e.Dim() {
			t.Fatalf("vector %d has length %d, want %d", i, len(got[i]), e.Dim())
		}
		cos, diff := compareVectors(got[i], g.Embedding)
		worstCos, worstDiff = min(worstCos, cos), max(worstDiff, diff)
		if cos < minCosine || diff > maxAbsDiff {
			t.Errorf("%q: cosine %.7f, max abs diff %.2g against TensorFlow.js", g.Text, cos, diff)
		}
	}
	t.Logf("%d texts: min cosine %.8f, max abs diff %.3g", len(texts), worstCos, worstDiff)
}
