package collab

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/lexical"
	"gonum.org/v1/gonum/floats"
)

// blocks makes sequences where items of the same block co-occur: users
// consume items from one block at a time.
func blocks(nBlocks, perBlock, users int, seed uint64) [][]string {
	rng := rand.New(rand.NewPCG(seed, 1))
	var seqs [][]string
	for u := 0; u < users; u++ {
		b := rng.IntN(nBlocks)
		var s []string
		for k := 0; k < 12; k++ {
			if rng.IntN(6) == 0 {
				b = rng.IntN(nBlocks) // the user moves on
			}
			s = append(s, fmt.Sprintf("b%d-i%d", b, rng.IntN(perBlock)))
		}
		seqs = append(seqs, s)
	}
	return seqs
}

func cos(a, b []float32) float64 {
	var d, na, nb float64
	for i := range a {
		d += float64(a[i] * b[i])
		na += float64(a[i] * a[i])
		nb += float64(b[i] * b[i])
	}
	return d / math.Sqrt(na*nb)
}

func TestTrainSeparatesBlocks(t *testing.T) {
	for _, spec := range []PartSpec{{Kind: KindPPMI, Dim: 16}, {Kind: KindCooccur}, {Kind: KindCooccur, Dim: 64}, {Kind: KindTransition, Dim: 16}, {Kind: KindTransition, Dim: 16, Ridge: 1}} {
		t.Run(fmt.Sprintf("%s/ridge=%g", spec.Kind, spec.Ridge), func(t *testing.T) { checkBlocks(t, spec) })
	}
}

// TestRefitPredictsNext: users walk a ring of items forwards, one step at a
// time, and every item's history side is its own axis. With a window of one
// the state before x is x−1 alone, so x's target must be x−1's axis; with a
// window of two the states mix x−1 and x−2 (weights 1 and 0.75) and the
// targets must solve the ridge regression's normal equations
// (SᵀS + λI)·b_x = Sᵀy_x, rebuilt here from the sequences.
func TestRefitPredictsNext(t *testing.T) {
	const n = 12
	rng := rand.New(rand.NewPCG(7, 1))
	var seqs [][]int
	for u := 0; u < 700; u++ { // 4,900 states: more than one chunk
		at := rng.IntN(n)
		var s []int
		for k := 0; k < 8; k++ {
			s = append(s, (at+k)%n)
		}
		seqs = append(seqs, s)
	}
	fit := func(win int, rho float64) []float32 {
		part := Part{Kind: KindTransition, Dim: n, Source: make([]float32, n*n)}
		for i := 0; i < n; i++ {
			part.Source[i*n+i] = 2 // unit after normalisation
		}
		if err := refitTargets(seqs, &part, win, rho); err != nil {
			t.Fatal(err)
		}
		return part.Target
	}
	target := fit(1, 0.01)
	for x := 0; x < n; x++ {
		b := target[x*n : (x+1)*n]
		prev := (x + n - 1) % n
		for i, w := range b {
			if i == prev && w < 0.95 || i != prev && math.Abs(float64(w)) > 1e-4 {
				t.Fatalf("window 1: item %d's target %v should be the axis of %d", x, b, prev)
			}
		}
	}

	const rho = 0.5
	target = fit(2, rho)
	var states [][]float64
	var next []int
	for _, s := range seqs {
		for k := 1; k < len(s); k++ {
			st := make([]float64, n)
			st[s[k-1]] = 1
			if k >= 2 {
				st[s[k-2]] += stateDecay
			}
			nv := math.Sqrt(floats.Dot(st, st))
			floats.Scale(1/nv, st)
			states = append(states, st)
			next = append(next, s[k])
		}
	}
	gram := make([]float64, n*n)
	for _, st := range states {
		for i := range st {
			for j := range st {
				gram[i*n+j] += st[i] * st[j]
			}
		}
	}
	var trace float64
	for i := 0; i < n; i++ {
		trace += gram[i*n+i]
	}
	lambda := rho * trace / n
	for x := 0; x < n; x++ {
		b := target[x*n : (x+1)*n]
		for i := 0; i < n; i++ {
			lhs := lambda * float64(b[i])
			for j := 0; j < n; j++ {
				lhs += gram[i*n+j] * float64(b[j])
			}
			var rhs float64
			for k, st := range states {
				if next[k] == x {
					rhs += st[i]
				}
			}
			if math.Abs(lhs-rhs) > 1e-3*(1+math.Abs(rhs)) {
				t.Fatalf("window 2: item %d's target %v misses the normal equations in row %d: %g ≠ %g", x, b, i, lhs, rhs)
			}
		}
	}
}

func checkBlocks(t *testing.T, spec PartSpec) {
	m, err := Train(blocks(5, 20, 400, 1), Options{Parts: []PartSpec{spec}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 100 || len(m.Parts) != 1 {
		t.Fatalf("%d items, %d parts", m.Len(), len(m.Parts))
	}
	var same, diff float64
	var ns, nd int
	for i, a := range m.IDs {
		for _, b := range m.IDs[i+1:] {
			va, _ := m.Side(0, a, false)
			vb, _ := m.Side(0, b, true)
			if a[:2] == b[:2] {
				same += cos(va, vb)
				ns++
			} else {
				diff += cos(va, vb)
				nd++
			}
		}
	}
	same, diff = same/float64(ns), diff/float64(nd)
	if same < diff+0.15 || same < 3*diff {
		t.Fatalf("items of a block should be alike: mean cosine %.3f within, %.3f across", same, diff)
	}
	// Deterministic for a seed.
	m2, _ := Train(blocks(5, 20, 400, 1), Options{Parts: []PartSpec{spec}, Seed: 3})
	for i := range m.Parts[0].Source {
		if m.Parts[0].Source[i] != m2.Parts[0].Source[i] {
			t.Fatal("training is not deterministic")
		}
	}
}

func TestAdapterAndEncoder(t *testing.T) {
	seqs := blocks(4, 10, 300, 2)
	m, err := Train(seqs, Options{Parts: []PartSpec{{Kind: KindCooccur, Dim: 32}, {Kind: KindTransition, Dim: 8}}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	words := []string{"shoes running", "coffee mug", "camping tent", "bread bakery"}
	text := lexical.New(lexical.Options{Dim: 64})
	texts := map[string][]float32{}
	var items []driftrec.Item
	var itemTexts []string
	for _, id := range m.IDs {
		var b int
		fmt.Sscanf(id, "b%d", &b)
		txt := words[b] + " " + id
		v, _ := text.Encode(context.Background(), []string{txt})
		texts[id] = v[0]
		items = append(items, driftrec.Item{ID: id, Text: txt})
		itemTexts = append(itemTexts, txt)
	}
	if err := m.FitAdapter(text.ID(), texts, 0.1); err != nil {
		t.Fatal(err)
	}
	enc, err := NewEncoder(text, m, Weights{Text: 0.5, Parts: []float64{0.3, 0.2}})
	if err != nil {
		t.Fatal(err)
	}
	vecs, err := enc.EncodeItems(context.Background(), items, itemTexts)
	if err != nil || len(vecs[0]) != 104 || enc.Dim() != 104 {
		t.Fatalf("%v %d", err, len(vecs[0]))
	}
	// A query about coffee lands nearer coffee items, through both parts.
	q, _ := enc.Encode(context.Background(), []string{"coffee mug"})
	var best string
	bestSim := -2.0
	for i, v := range vecs {
		if s := cos(q[0], v); s > bestSim {
			best, bestSim = items[i].ID, s
		}
	}
	if best[:2] != "b1" {
		t.Fatalf("query 'coffee mug' matched %s", best)
	}
	if p := m.Project(texts[items[0].ID]); len(p) != 40 {
		t.Fatalf("projection has %d dims", len(p))
	}
	// The history side differs from the target side in the transition
	// block only, and stays unit length.
	h := enc.HistoryVector(items[0].ID, vecs[0])
	if cos(h, h) < 0.999 || cos(h, vecs[0]) > 0.9999 || cos(h, vecs[0]) < 0.5 {
		t.Fatalf("history vector: cos with index vector %.4f", cos(h, vecs[0]))
	}
	for i := 0; i < 64+32; i++ {
		if math.Abs(float64(h[i]-vecs[0][i])) > 0.2 {
			t.Fatalf("the text and co-occurrence blocks should match (component %d)", i)
		}
	}
	// An adapter fitted for another encoder is refused.
	if _, err := NewEncoder(lexical.New(lexical.Options{Dim: 32}), m, Weights{Text: 1, Parts: []float64{1, 1}}); err == nil {
		t.Fatal("want error for a mismatched text encoder")
	}
}

func TestSaveLoad(t *testing.T) {
	m, err := Train(blocks(3, 5, 50, 4), Options{Parts: []PartSpec{{Kind: KindCooccur}, {Kind: KindTransition, Dim: 4}}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	m.Adapter, m.TextDim, m.TextEncoder = make([]float32, 6*m.TargetDim()), 6, "enc"
	var buf bytes.Buffer
	if err := m.Save(&buf); err != nil {
		t.Fatal(err)
	}
	got, err := Load(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got.Len() != m.Len() || got.TextEncoder != "enc" || len(got.Adapter) != 6*m.TargetDim() || len(got.Parts) != 2 {
		t.Fatalf("round trip: %+v", got)
	}
	for p := range m.Parts {
		for _, side := range []bool{false, true} {
			for _, id := range m.IDs {
				a, _ := m.Side(p, id, side)
				b, _ := got.Side(p, id, side)
				for i := range a {
					if a[i] != b[i] {
						t.Fatal("vectors differ")
					}
				}
			}
		}
	}
	data := buf.Bytes()
	for _, bad := range [][]byte{nil, data[:10], data[:len(data)-1], append([]byte("XXXX"), data[4:]...)} {
		if _, err := Load(bytes.NewReader(bad)); err == nil {
			t.Fatal("want error for a damaged file")
		}
	}
}

func FuzzLoad(f *testing.F) {
	m, _ := Train(blocks(2, 4, 20, 5), Options{Parts: []PartSpec{{Kind: KindCooccur}, {Kind: KindTransition, Dim: 2}}, Seed: 1})
	var buf bytes.Buffer
	m.Save(&buf)
	f.Add(buf.Bytes()[:buf.Len()-sha256.Size])
	f.Add([]byte("DRCF"))
	f.Fuzz(func(t *testing.T, body []byte) {
		// Seal the input with a valid checksum so that the fuzzer reaches
		// the decoder rather than stopping at the checksum.
		sum := sha256.Sum256(body)
		_, _ = Load(bytes.NewReader(append(body, sum[:]...)))
	})
}

// glossingText stands in for encoder/bridge (which needs model files): a
// text encoder that also glosses.
type glossingText struct{ *lexical.Encoder }

func (glossingText) Gloss(text string) string { return "gloss of " + text }

func TestEncoderForwardsGloss(t *testing.T) {
	m, err := Train(blocks(2, 5, 50, 1), Options{Parts: []PartSpec{{Kind: KindCooccur, Dim: 8}}, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		text driftrec.Encoder
		want string
	}{
		{"glossing text encoder", glossingText{lexical.New(lexical.Options{Dim: 16})}, "gloss of 跑鞋垫"},
		{"plain text encoder", lexical.New(lexical.Options{Dim: 16}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, err := NewEncoder(tc.text, m, Split(m, 0.5))
			if err != nil {
				t.Fatal(err)
			}
			if got := enc.Gloss("跑鞋垫"); got != tc.want {
				t.Fatalf("Gloss = %q, want %q", got, tc.want)
			}
		})
	}
}
