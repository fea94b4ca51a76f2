package index

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/kernel"
	"gonum.org/v1/gonum/mat"
)

func TestPCAProbe(t *testing.T) {
	if os.Getenv("PCAPROBE") == "" {
		t.Skip()
	}
	words := strings.Fields(`running shoes trail insole coffee mug espresso beans kettle grinder bread sourdough
bagel croissant camping tent sleeping bag stove lantern backpack hiking boots laptop sleeve charger keyboard mouse
monitor headphones earbuds speaker phone case cable watch band fitness tracker yoga mat dumbbell kettlebell bottle
jacket rain waterproof wool socks scarf gloves hat novel thriller cookbook travel guide map puzzle board game lego
paint brush canvas pen notebook desk lamp chair cushion blanket pillow towel soap shampoo brush razor perfume`)
	rng := rand.New(rand.NewPCG(1, 2))
	n := 100000
	texts := make([]string, n)
	for i := range texts {
		var b strings.Builder
		for k := 0; k < 3+rng.IntN(3); k++ {
			b.WriteString(words[rng.IntN(len(words))])
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "model %d", i)
		texts[i] = b.String()
	}
	enc := lexical.New(lexical.Options{})
	enc.Fit(texts)
	vecs, err := enc.Encode(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	d := len(vecs[0])
	// PCA on a 10k sample
	s := 10000
	X := mat.NewDense(s, d, nil)
	mean := make([]float64, d)
	for i := 0; i < s; i++ {
		for j, x := range vecs[i*n/s] {
			mean[j] += float64(x) / float64(s)
		}
	}
	for i := 0; i < s; i++ {
		for j, x := range vecs[i*n/s] {
			X.Set(i, j, float64(x)-mean[j])
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1/float64(s), X.T())
	var eig mat.EigenSym
	if !eig.Factorize(&cov, true) {
		t.Fatal("eig")
	}
	vals := eig.Values(nil)
	var V mat.Dense
	eig.VectorsTo(&V)
	total := 0.0
	for _, v := range vals {
		total += v
	}
	for _, r := range []int{64, 128, 256, 384} {
		// top r eigenvectors are last r columns
		kept := 0.0
		for k := d - r; k < d; k++ {
			kept += vals[k]
		}
		P := make([][]float32, r) // r × d
		for k := 0; k < r; k++ {
			P[k] = make([]float32, d)
			for j := 0; j < d; j++ {
				P[k][j] = float32(V.At(j, d-1-k))
			}
		}
		proj := func(v []float32, center bool) []float32 {
			out := make([]float32, r)
			c := make([]float32, d)
			for j := range v {
				c[j] = v[j]
				if center {
					c[j] -= float32(mean[j])
				}
			}
			for k := 0; k < r; k++ {
				out[k] = kernel.Dot(P[k], c)
			}
			return out
		}
		pv := make([][]float32, n)
		for i := range vecs {
			pv[i] = proj(vecs[i], true)
		}
		for _, C := range []int{24, 48} {
			hit, tot := 0, 0
			for qi := 0; qi < 200; qi++ {
				q := make([]float32, d)
				for m := 0; m < 3; m++ {
					v := vecs[rng.IntN(n)]
					for j := range q {
						q[j] += v[j]
					}
				}
				pq := proj(q, false)
				type sc struct {
					i int
					s float32
				}
				ex := make([]sc, n)
				ap := make([]sc, n)
				for i := range vecs {
					ex[i] = sc{i, kernel.Dot(q, vecs[i])}
					ap[i] = sc{i, kernel.Dot(pq, pv[i])}
				}
				sort.Slice(ex, func(a, b int) bool { return ex[a].s > ex[b].s })
				sort.Slice(ap, func(a, b int) bool { return ap[a].s > ap[b].s })
				cand := ap[:C]
				rr := make([]sc, C)
				for k, c := range cand {
					rr[k] = sc{c.i, kernel.Dot(q, vecs[c.i])}
				}
				sort.Slice(rr, func(a, b int) bool { return rr[a].s > rr[b].s })
				want := map[int]bool{}
				for _, e := range ex[:10] {
					want[e.i] = true
				}
				for _, e := range rr[:10] {
					if want[e.i] {
						hit++
					}
				}
				tot += 10
			}
			t.Logf("r=%d var=%.3f C=%d recall@10=%.4f", r, kept/total, C, float64(hit)/float64(tot))
		}
	}
}
