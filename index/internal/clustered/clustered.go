// Package clustered generates seeded synthetic vectors that look, to a
// nearest-neighbour index, roughly like text embeddings: points gathered
// around cluster centres, varying mostly within a low-rank subspace per
// cluster (a low intrinsic dimension) plus a little isotropic noise. The
// index tests and the annbench command use it until real catalogue
// embeddings are plugged in.
package clustered

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Config describes a distribution. Generate and Queries with the same
// Config draw from the same clusters.
type Config struct {
	Dim      int
	Clusters int
	// Rank is the dimension of each cluster's subspace of variation; 0
	// makes the within-cluster variation isotropic (the hard case, with an
	// intrinsic dimension equal to Dim).
	Rank int
	// Spread is the standard deviation of a point's offset from its centre
	// (as a vector norm, relative to a centre of norm 1) along the
	// subspace, and Noise the isotropic part.
	Spread, Noise float64
	// Normalize scales every point to norm 1, as most text encoders do.
	Normalize bool
	Seed      uint64
}

// Default is the distribution used for the recorded benchmarks: rank-24
// clusters with 0.5 spread and 0.2 noise, normalised. clusters scales with
// the catalogue: use Clusters(n).
func Default(dim, clusters int, seed uint64) Config {
	return Config{Dim: dim, Clusters: clusters, Rank: 24, Spread: 0.5, Noise: 0.2, Normalize: true, Seed: seed}
}

// Clusters is the default number of clusters for n items: about √n, so
// that clusters grow with the catalogue as genres and topics do.
func Clusters(n int) int { return max(8, int(math.Sqrt(float64(n)))) }

// Generator draws points from a Config.
type Generator struct {
	cfg     Config
	centres [][]float32
	bases   [][]float32 // per cluster, Rank rows of Dim
	rng     *rand.Rand
}

// New builds the cluster centres and subspaces of cfg; points are then
// drawn by Fill from a stream seeded by stream, so that items and queries
// use different streams of the same distribution.
func New(cfg Config, stream uint64) (*Generator, error) {
	if cfg.Dim <= 0 || cfg.Clusters <= 0 || cfg.Rank < 0 || cfg.Spread < 0 || cfg.Noise < 0 {
		return nil, fmt.Errorf("clustered: invalid config %+v", cfg)
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	g := &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, stream))}
	d := cfg.Dim
	for range cfg.Clusters {
		c := make([]float32, d)
		for j := range c {
			c[j] = float32(rng.NormFloat64() / math.Sqrt(float64(d)))
		}
		g.centres = append(g.centres, c)
		b := make([]float32, cfg.Rank*d)
		for j := range b {
			// Each of Rank directions has variance Spread²/Rank, so the
			// offset's expected squared norm is Spread².
			b[j] = float32(rng.NormFloat64() * cfg.Spread / math.Sqrt(float64(cfg.Rank*d)))
		}
		g.bases = append(g.bases, b)
	}
	return g, nil
}

// Fill writes len(dst)/Dim points into dst (row-major).
func (g *Generator) Fill(dst []float32) {
	d := g.cfg.Dim
	noise := g.cfg.Noise / math.Sqrt(float64(d))
	z := make([]float32, g.cfg.Rank)
	for p := 0; p+d <= len(dst); p += d {
		v := dst[p : p+d]
		k := g.rng.IntN(g.cfg.Clusters)
		copy(v, g.centres[k])
		for r := range z {
			z[r] = float32(g.rng.NormFloat64())
		}
		b := g.bases[k]
		for r, zr := range z {
			row := b[r*d : (r+1)*d]
			for j := range v {
				v[j] += zr * row[j]
			}
		}
		var n float64
		for j := range v {
			v[j] += float32(g.rng.NormFloat64() * noise)
			n += float64(v[j]) * float64(v[j])
		}
		if g.cfg.Normalize && n > 0 {
			inv := float32(1 / math.Sqrt(n))
			for j := range v {
				v[j] *= inv
			}
		}
	}
}

// Points returns n fresh points.
func (g *Generator) Points(n int) []float32 {
	out := make([]float32, n*g.cfg.Dim)
	g.Fill(out)
	return out
}
