package uselite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// checkAgainst compares vectors with reference vectors under the package's
// tolerances.
func checkAgainst(t *testing.T, what string, texts []string, got, want [][]float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d vectors, want %d", what, len(got), len(want))
	}
	worstCos, worstDiff := 1.0, 0.0
	for i := range want {
		cos, diff := compareVectors(got[i], want[i])
		worstCos, worstDiff = min(worstCos, cos), max(worstDiff, diff)
		if cos < minCosine || diff > maxAbsDiff {
			t.Errorf("%s %q: cosine %.7f, max abs diff %.2g against TensorFlow.js", what, texts[i], cos, diff)
		}
	}
	if len(want) > 1 {
		t.Logf("%s, %d texts: min cosine %.8f, max abs diff %.3g", what, len(want), worstCos, worstDiff)
	}
}

func TestEncodeMatchesReferenceBatch(t *testing.T) {
	e := loadTestEncoder(t)
	golden := sharedGolden(t)
	var texts []string
	for _, g := range golden.Texts[:len(golden.BatchOfFirst8)] {
		texts = append(texts, g.Text)
	}
	got, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "batch of first 8", texts, got, golden.BatchOfFirst8)
}

// TestEncodeMatchesReferenceEdgeCases covers texts longer than the model's
// 128 tokens (only the first 128 count), whitespace-only and emoji texts,
// and an empty text in the middle of a batch.
func TestEncodeMatchesReferenceEdgeCases(t *testing.T) {
	e := loadTestEncoder(t)
	var extra extraGolden
	readJSON(t, filepath.Join("testdata", "tfjs-extra.json"), &extra)
	longest := 0
	var texts []string
	var want [][]float32
	var singles [][]float32
	for _, g := range extra.Texts {
		texts = append(texts, g.Text)
		want = append(want, g.Embedding)
		longest = max(longest, len(g.TokenIDs))
		got, err := e.Encode(context.Background(), []string{g.Text})
		if err != nil {
			t.Fatal(err)
		}
		singles = append(singles, got[0])
	}
	checkAgainst(t, "one call per text", texts, singles, want)
	if longest <= e.MaxTokens() {
		t.Fatalf("longest reference text has %d tokens; the test needs one over %d", longest, e.MaxTokens())
	}
	got, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "all at once", texts, got, want)

	got, err = e.Encode(context.Background(), extra.BatchTexts)
	if err != nil {
		t.Fatal(err)
	}
	checkAgainst(t, "batch with an empty text", extra.BatchTexts, got, extra.Batch)
}

// TestEncodeBatchEqualsSingle checks that a text's vector does not depend on
// the texts encoded with it, however the call is cut into chunks.
func TestEncodeBatchEqualsSingle(t *testing.T) {
	e := loadTestEncoder(t)
	var texts []string
	for _, g := range sharedGolden(t).Texts {
		texts = append(texts, g.Text)
	}
	single := make([][]float32, len(texts))
	for i, text := range texts {
		v, err := e.Encode(context.Background(), []string{text})
		if err != nil {
			t.Fatal(err)
		}
		single[i] = v[0]
	}
	for _, chunkTokens := range []int{minChunkTokens, maxChunkTokens} {
		e.chunkTokens = chunkTokens
		batch, err := e.Encode(context.Background(), texts)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for i := range texts {
			_, diff := compareVectors(batch[i], single[i])
			worst = max(worst, diff)
		}
		// Only the order of float32 additions inside the matrix kernels may
		// differ between a row in a big product and in a small one.
		if worst > 1e-6 {
			t.Errorf("chunks of %d tokens: batched and single vectors differ by up to %.2g", chunkTokens, worst)
		}
		t.Logf("chunks of %d tokens: batched vs single max abs diff %.2g", chunkTokens, worst)
	}
}

func TestPlanChunks(t *testing.T) {
	lengths := func(ns ...int) [][]int32 {
		out := make([][]int32, len(ns))
		for i, n := range ns {
			out[i] = make([]int32, n)
		}
		return out
	}
	tests := []struct {
		name        string
		tokens      [][]int32
		workers     int
		chunkTokens int
		wantChunks  int
	}{
		{"one text", lengths(5), 2, 512, 1},
		{"small call split across workers", lengths(20, 20, 20, 20), 2, 512, 2},
		{"one long text alone", lengths(128, 3, 3), 4, 32, 2},
		{"empty texts", lengths(0, 0, 0), 2, 512, 1},
		{"large call", lengths(slices.Repeat([]int{10}, 1000)...), 2, 512, 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := planChunks(tt.tokens, tt.workers, tt.chunkTokens)
			if len(chunks) != tt.wantChunks {
				t.Errorf("%d chunks, want %d", len(chunks), tt.wantChunks)
			}
			seen := make([]bool, len(tt.tokens))
			for _, c := range chunks {
				total := 0
				for _, i := range c {
					if seen[i] {
						t.Fatalf("text %d in two chunks", i)
					}
					seen[i] = true
					total += len(tt.tokens[i])
				}
				if len(c) > 1 && total > tt.chunkTokens || len(c) > maxChunkTexts {
					t.Errorf("chunk of %d texts holds %d tokens, budget %d", len(c), total, tt.chunkTokens)
				}
			}
			if i := slices.Index(seen, false); i >= 0 {
				t.Errorf("text %d in no chunk", i)
			}
		})
	}
}

func TestEncodeConcurrent(t *testing.T) {
	e := loadTestEncoder(t)
	var texts []string
	for _, g := range sharedGolden(t).Texts {
		texts = append(texts, g.Text)
	}
	want, err := e.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	const callers = 6
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Go(func() {
			// Each caller encodes a different rotation, so chunks differ.
			rot := slices.Concat(texts[c*7:], texts[:c*7])
			got, err := e.Encode(context.Background(), rot)
			if err != nil {
				errs <- err
				return
			}
			for i := range rot {
				j := (i + c*7) % len(texts)
				if _, diff := compareVectors(got[i], want[j]); diff > 1e-6 {
					errs <- fmt.Errorf("caller %d: %q differs by %.2g", c, rot[i], diff)
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

// cancelAfter is a context that reports cancellation once Err has been
// asked n times: cancellation lands mid-call deterministically, without
// timing.
type cancelAfter struct {
	context.Context
	n    atomic.Int64
	done chan struct{}
	once sync.Once
}

func newCancelAfter(n int64) *cancelAfter {
	c := &cancelAfter{Context: context.Background(), done: make(chan struct{})}
	c.n.Store(n)
	return c
}

func (c *cancelAfter) Err() error {
	if c.n.Add(-1) < 0 {
		c.once.Do(func() { close(c.done) })
		return context.Canceled
	}
	return nil
}

func (c *cancelAfter) Done() <-chan struct{} { return c.done }

func TestEncodeHonoursCancellation(t *testing.T) {
	e := loadTestEncoder(t)
	texts := make([]string, 400)
	for i := range texts {
		texts[i] = fmt.Sprintf("text number %d about running shoes and camping gear", i)
	}
	// Encode asks once before starting, once per text while tokenising,
	// once after, then once per layer of every chunk: these counts cancel
	// it in each phase.
	for _, n := range []int64{0, 1, 200, 401, 402, 403, 406} {
		_, err := e.Encode(newCancelAfter(n), texts)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled after %d checks: error %v, want context.Canceled", n, err)
		}
	}
	// The encoder is still usable, its workspaces returned.
	got, err := e.Encode(context.Background(), texts[:3])
	if err != nil || len(got) != 3 {
		t.Fatalf("after cancellations: %d vectors, %v", len(got), err)
	}
}

func TestEncodeEmptyInput(t *testing.T) {
	e := loadTestEncoder(t)
	got, err := e.Encode(context.Background(), nil)
	if err != nil || len(got) != 0 {
		t.Fatalf("Encode(nil) = %d vectors, %v", len(got), err)
	}
	got, err = e.Encode(context.Background(), []string{"", "x"})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range got {
		var sq float64
		for _, x := range v {
			sq += float64(x) * float64(x)
		}
		if math.Abs(sq-1) > 1e-5 {
			t.Errorf("vector %d has squared norm %g", i, sq)
		}
	}
	if got[0][0] == got[1][0] {
		t.Errorf("the empty text and %q got the same vector", "x")
	}
}

func TestEncoderIdentity(t *testing.T) {
	e := loadTestEncoder(t)
	if e.ID() != "use-lite/energetic-ai-0.2.0" {
		t.Errorf("ID() = %q", e.ID())
	}
	if e.Dim() != 512 {
		t.Errorf("Dim() = %d", e.Dim())
	}
	if e.MaxTokens() != 128 {
		t.Errorf("MaxTokens() = %d", e.MaxTokens())
	}
	if got := e.Tokenize("comfortable running shoes"); !slices.Equal(got, []int{2986, 1187, 4064}) {
		t.Errorf("Tokenize = %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "use-lite"))
	if err == nil || !strings.Contains(err.Error(), "scripts/fetch-models.sh") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load of a missing folder: %v; want an fs.ErrNotExist that names scripts/fetch-models.sh", err)
	}

	// A copy of the real model with its last shard cut short.
	src := filepath.Join(modelDir(t), "dist")
	dir := t.TempDir()
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		if err := os.Symlink(filepath.Join(src, ent.Name()), filepath.Join(dir, ent.Name())); err != nil {
			t.Fatal(err)
		}
	}
	last := filepath.Join(dir, "group1-shard7of7")
	data, err := os.ReadFile(last)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(last)
	if err := os.WriteFile(last, data[:len(data)/2], 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("Load with a truncated shard: %v", err)
	}

	os.Remove(filepath.Join(dir, "vocab.json"))
	if err := os.WriteFile(filepath.Join(dir, "vocab.json"), []byte(`[["a",1]`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Load(dir)
	if err == nil || !strings.Contains(err.Error(), "vocab.json") {
		t.Errorf("Load with a broken vocabulary: %v", err)
	}
}
