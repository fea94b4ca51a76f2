package relevance

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/driftrec/driftrec"
)

// Metrics summarise the ranks of a group of queries.
type Metrics struct {
	Queries int
	// Top1 is the share of queries whose relevant item ranked strictly
	// first (a tie for first gives rank 1.5 and does not count).
	Top1 float64
	// MRR is the mean of 1/rank.
	MRR float64
}

// Result is what Evaluate measured.
type Result struct {
	Set     string
	Encoder string
	All     Metrics
	// Shared and NoShared split the queries by Query.SharesChars.
	Shared, NoShared Metrics
	ByDomain         map[string]Metrics
	// Ranks holds each query's rank of its relevant item, by query ID.
	Ranks map[string]float64
}

// batchSize bounds the texts passed to one Encode call so that a large set
// does not hold every vector of a remote encoder's reply at once and
// cancellation is checked between batches.
const batchSize = 256

// Evaluate encodes the set's queries and candidates with enc and ranks each
// query's candidates by cosine similarity.
func Evaluate(ctx context.Context, enc driftrec.Encoder, set *Set) (Result, error) {
	// Each distinct text is encoded once: candidate lists overlap heavily.
	index := make(map[string]int)
	var texts []string
	add := func(t string) {
		if _, ok := index[t]; !ok {
			index[t] = len(texts)
			texts = append(texts, t)
		}
	}
	for _, q := range set.Queries {
		add(q.Query)
		for _, c := range q.Candidates {
			add(c)
		}
	}
	vecs := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += batchSize {
		batch := texts[start:min(start+batchSize, len(texts))]
		out, err := enc.Encode(ctx, batch)
		if err != nil {
			return Result{}, fmt.Errorf("relevance: encoding with %s: %w", enc.ID(), err)
		}
		if len(out) != len(batch) {
			return Result{}, fmt.Errorf("relevance: %s returned %d vectors for %d texts", enc.ID(), len(out), len(batch))
		}
		for i, v := range out {
			if len(v) != enc.Dim() {
				return Result{}, fmt.Errorf("relevance: %s returned a %d-d vector for %q; Dim is %d", enc.ID(), len(v), batch[i], enc.Dim())
			}
		}
		vecs = append(vecs, out...)
	}

	res := Result{Set: set.Name, Encoder: enc.ID(), ByDomain: map[string]Metrics{}, Ranks: make(map[string]float64, len(set.Queries))}
	var all, shared, noShared accumulator
	byDomain := map[string]*accumulator{}
	scores := make([]float64, 0, 16)
	for _, q := range set.Queries {
		qv := vecs[index[q.Query]]
		scores = scores[:0]
		for _, c := range q.Candidates {
			scores = append(scores, cosine(qv, vecs[index[c]]))
		}
		rank := rankOf(scores, slices.Index(q.Candidates, q.Relevant))
		res.Ranks[q.ID] = rank
		all.add(rank)
		if q.SharesChars {
			shared.add(rank)
		} else {
			noShared.add(rank)
		}
		d := byDomain[q.Domain]
		if d == nil {
			d = &accumulator{}
			byDomain[q.Domain] = d
		}
		d.add(rank)
	}
	res.All, res.Shared, res.NoShared = all.metrics(), shared.metrics(), noShared.metrics()
	for name, d := range byDomain {
		res.ByDomain[name] = d.metrics()
	}
	return res, nil
}

// rankOf returns the rank of scores[i]: 1 + the number of higher scores +
// half the number of other equal scores.
func rankOf(scores []float64, i int) float64 {
	higher, equal := 0, 0
	for j, s := range scores {
		switch {
		case j == i:
		case s > scores[i]:
			higher++
		case s == scores[i]:
			equal++
		}
	}
	return 1 + float64(higher) + float64(equal)/2
}

// cosine is the cosine similarity in float64; a zero vector is similar to
// nothing (0).
func cosine(a, b []float32) float64 {
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}

type accumulator struct {
	n, top1 int
	rr      float64
}

func (a *accumulator) add(rank float64) {
	a.n++
	if rank == 1 {
		a.top1++
	}
	a.rr += 1 / rank
}

func (a *accumulator) metrics() Metrics {
	if a.n == 0 {
		return Metrics{}
	}
	return Metrics{Queries: a.n, Top1: float64(a.top1) / float64(a.n), MRR: a.rr / float64(a.n)}
}
