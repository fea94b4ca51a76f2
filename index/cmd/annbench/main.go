// Command annbench measures the HNSW index against the exact scan on the
// same vectors in one run: recall@k against exact results, query latency
// percentiles, build time and memory per item, for each storage type and
// efSearch, and optionally filtered search at several selectivities.
//
// Vectors are synthetic clustered data (index/internal/clustered) unless
// -vectors names a .npy or .f32 file or a driftrec embedded store (a .db
// file, read while no server has it open: its catalogue's item vectors,
// as the configured encoder made them), whose last -queries rows become
// the queries. Examples:
//
//	go run ./index/cmd/annbench -n 100000
//	go run ./index/cmd/annbench -n 10000,100000 -storage f32,f16,int8 -ef 32,64,96,128
//	go run ./index/cmd/annbench -vectors items.npy -metric cosine
//	go run ./index/cmd/annbench -vectors data/driftrec.db -storage int8,int4
//	go run ./index/cmd/annbench -n 100000 -storage f32 -filters 0.001,0.01,0.05,0.2
//
// It is not part of CI: a 100k run takes minutes, a 1M run hours on two
// cores.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/index/internal/clustered"
	"github.com/driftrec/driftrec/index/internal/vecfile"
)

type options struct {
	sizes    []int
	dim      int
	queries  int
	k        int
	storages []index.Storage
	efs      []int
	m, efc   int
	metric   index.Metric
	vectors  string
	workers  int
	filters  []float64
	discard  bool
	hard     bool
	seed     uint64
	repeat   int
}

func main() {
	if err := run(); err != nil {
		slog.Error("annbench", "err", err)
		os.Exit(1)
	}
}

func run() error {
	var o options
	var sizes, storages, efs, metric, filters string
	flag.StringVar(&sizes, "n", "10000,100000", "catalogue sizes, comma-separated")
	flag.IntVar(&o.dim, "dim", 512, "vector dimension (synthetic data, or of a .f32 file)")
	flag.IntVar(&o.queries, "queries", 1000, "number of queries")
	flag.IntVar(&o.k, "k", 10, "neighbours per query")
	flag.StringVar(&storages, "storage", "f32,f16,int8", "storage types, comma-separated")
	flag.StringVar(&efs, "ef", "32,64,96,128", "efSearch values, comma-separated")
	flag.IntVar(&o.m, "m", 0, "HNSW M (0: the index default)")
	flag.IntVar(&o.efc, "efc", 0, "HNSW efConstruction (0: the index default)")
	flag.StringVar(&metric, "metric", "cosine", "cosine, dot or euclidean")
	flag.StringVar(&o.vectors, "vectors", "", "vectors file (.npy or .f32) or driftrec store (.db) instead of synthetic data")
	flag.IntVar(&o.workers, "workers", 0, "build goroutines (0: GOMAXPROCS)")
	flag.StringVar(&filters, "filters", "", "category selectivities to measure filtered search at, e.g. 0.001,0.01,0.1")
	flag.BoolVar(&o.discard, "discard", false, "discard float32 originals with f16/int8 storage (no re-ranking)")
	flag.BoolVar(&o.hard, "hard", false, "uniform random unit vectors (no clusters): the worst case")
	flag.Uint64Var(&o.seed, "seed", 1, "data and build seed")
	flag.IntVar(&o.repeat, "repeat", 3, "query passes per setting; latencies are the median over passes")
	flag.Parse()

	var err error
	if o.sizes, err = parseInts(sizes); err != nil {
		return fmt.Errorf("-n: %w", err)
	}
	if o.efs, err = parseInts(efs); err != nil {
		return fmt.Errorf("-ef: %w", err)
	}
	for _, s := range strings.Split(storages, ",") {
		st, err := index.ParseStorage(strings.TrimSpace(s))
		if err != nil {
			return err
		}
		o.storages = append(o.storages, st)
	}
	if o.metric, err = index.ParseMetric(metric); err != nil {
		return err
	}
	if filters != "" {
		for _, f := range strings.Split(filters, ",") {
			p, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || p <= 0 || p > 1 {
				return fmt.Errorf("-filters: %q is not a share in (0, 1]", f)
			}
			o.filters = append(o.filters, p)
		}
	}
	if o.queries < 1 || o.k < 1 || o.repeat < 1 {
		return fmt.Errorf("-queries, -k and -repeat must be positive")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	printMachine()
	var file vecfile.Matrix
	if o.vectors != "" {
		read := func() (vecfile.Matrix, error) { return vecfile.ReadFile(o.vectors, o.dim) }
		if strings.HasSuffix(o.vectors, ".db") {
			read = func() (vecfile.Matrix, error) { return storeVectors(ctx, o.vectors) }
		}
		if file, err = read(); err != nil {
			return err
		}
		if file.Rows() <= o.queries {
			return fmt.Errorf("%s has %d vectors; need more than -queries %d", o.vectors, file.Rows(), o.queries)
		}
		o.dim = file.Dim
		fmt.Printf("vectors: %s, %d × %d\n", o.vectors, file.Rows(), file.Dim)
	}
	for _, n := range o.sizes {
		items, queries, err := dataFor(o, file, n)
		if err != nil {
			return err
		}
		if err := benchSize(ctx, o, items, queries); err != nil {
			return err
		}
	}
	return nil
}

func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func printMachine() {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if name, ok := strings.CutPrefix(line, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(name), ":"))
				break
			}
		}
	}
	fmt.Printf("machine: %s, GOMAXPROCS=%d, %s %s/%s\n", model, runtime.GOMAXPROCS(0), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Printf("command: %s\n", strings.Join(os.Args, " "))
}

func dataFor(o options, file vecfile.Matrix, n int) (items, queries vecfile.Matrix, err error) {
	if file.Dim > 0 {
		avail := file.Rows() - o.queries
		if n > avail {
			slog.Warn("catalogue smaller than requested", "requested", n, "available", avail)
			n = avail
		}
		items = vecfile.Matrix{Dim: file.Dim, Data: file.Data[:n*file.Dim]}
		queries = vecfile.Matrix{Dim: file.Dim, Data: file.Data[avail*file.Dim:]}
		return items, queries, nil
	}
	if o.hard {
		return gaussian(n, o.dim, o.seed, 1), gaussian(o.queries, o.dim, o.seed, 2), nil
	}
	cfg := clustered.Default(o.dim, clustered.Clusters(n), o.seed)
	ig, err := clustered.New(cfg, 1)
	if err != nil {
		return items, queries, err
	}
	qg, err := clustered.New(cfg, 2)
	if err != nil {
		return items, queries, err
	}
	return vecfile.Matrix{Dim: o.dim, Data: ig.Points(n)}, vecfile.Matrix{Dim: o.dim, Data: qg.Points(o.queries)}, nil
}

// gaussian draws n unit vectors uniformly from the sphere: no clusters and
// an intrinsic dimension equal to dim, the worst case for any ANN index.
func gaussian(n, dim int, seed, stream uint64) vecfile.Matrix {
	rng := rand.New(rand.NewPCG(seed, stream))
	data := make([]float32, n*dim)
	for i := 0; i < n; i++ {
		v := data[i*dim : (i+1)*dim]
		var s float64
		for j := range v {
			x := rng.NormFloat64()
			v[j] = float32(x)
			s += x * x
		}
		inv := float32(1 / math.Sqrt(s))
		for j := range v {
			v[j] *= inv
		}
	}
	return vecfile.Matrix{Dim: dim, Data: data}
}

func itemID(i int) string { return "i" + strconv.Itoa(i) }

// categoriesFor puts item i, independently per selectivity p, in category
// "p<p>" with probability p, uncorrelated with the clusters: the hard case
// for a graph walk, whose neighbourhoods then hold few admitted items.
func categoriesFor(sel []float64, rng *rand.Rand) []string {
	var cs []string
	for _, p := range sel {
		if rng.Float64() < p {
			cs = append(cs, catName(p))
		}
	}
	return cs
}

func catName(p float64) string { return "p" + strconv.FormatFloat(p, 'g', -1, 64) }

func heapBytes() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func benchSize(ctx context.Context, o options, items, queries vecfile.Matrix) error {
	n := items.Rows()
	rng := rand.New(rand.NewPCG(o.seed, 3))
	entries := make([]index.Entry, n)
	for i := range entries {
		entries[i] = index.Entry{ID: itemID(i), Vector: items.Row(i), Categories: categoriesFor(o.filters, rng)}
	}
	fmt.Printf("\n## n=%d dim=%d queries=%d k=%d metric=%v\n\n", n, items.Dim, queries.Rows(), o.k, o.metric)

	base := heapBytes()
	t0 := time.Now()
	exact := index.NewExact()
	for _, e := range entries {
		if err := exact.Add(e.ID, e.Vector, e.Categories); err != nil {
			return err
		}
	}
	exactBuild := time.Since(t0)
	exactMem := float64(heapBytes()-base) / float64(n)

	// Ground truth, timing the exact scan as it goes.
	nq := queries.Rows()
	truth := make([][]index.Hit, nq)
	exactLat := make([]time.Duration, nq)
	for q := range nq {
		t := time.Now()
		truth[q] = exact.Search(queries.Row(q), o.k, o.metric, index.Filter{})
		exactLat[q] = time.Since(t)
	}
	fmt.Printf("| index | storage | ef | build s | recall@%d | p50 ms | p99 ms | bytes/item |\n|---|---|---|---|---|---|---|---|\n", o.k)
	fmt.Printf("| exact | f32 | – | %.2f | 1.000 | %.3f | %.3f | %.0f |\n", exactBuild.Seconds(), ms(pct(exactLat, 50)), ms(pct(exactLat, 99)), exactMem)

	for _, st := range o.storages {
		if err := ctx.Err(); err != nil {
			return err
		}
		cfg := index.HNSWConfig{M: o.m, EfConstruction: o.efc, Metric: o.metric, Storage: st,
			DiscardOriginals: o.discard, BuildWorkers: o.workers, Seed: o.seed}
		before := heapBytes()
		h, err := index.NewHNSW(cfg)
		if err != nil {
			return err
		}
		t := time.Now()
		if err := h.AddBatch(ctx, entries); err != nil {
			return err
		}
		build := time.Since(t)
		perItem := float64(heapBytes()-before) / float64(n)
		label := st.String()
		if o.discard && st != index.Float32 {
			label += " (no originals)"
		}
		for _, ef := range o.efs {
			h.SetSearchParams(ef, h.Config().FlatFilterLimit)
			rec, p50, p99 := measure(h, queries, truth, o, index.Filter{})
			fmt.Printf("| hnsw | %s | %d | %.1f | %.4f | %.3f | %.3f | %.0f |\n", label, ef, build.Seconds(), rec, p50, p99, perItem)
		}
		if len(o.filters) > 0 {
			if err := benchFilters(h, exact, queries, o); err != nil {
				return err
			}
		}
		runtime.KeepAlive(h)
	}
	runtime.KeepAlive(exact)
	return nil
}

// measure runs every query o.repeat times and returns recall@k against
// truth and the median over passes of the p50 and p99 latencies (ms).
func measure(h *index.HNSW, queries vecfile.Matrix, truth [][]index.Hit, o options, f index.Filter) (rec, p50, p99 float64) {
	var p50s, p99s []float64
	hits, total := 0, 0
	lat := make([]time.Duration, queries.Rows())
	for pass := range o.repeat {
		for q := range queries.Rows() {
			t := time.Now()
			got := h.Search(queries.Row(q), o.k, o.metric, f)
			lat[q] = time.Since(t)
			if pass == 0 {
				hits += overlap(got, truth[q])
				total += len(truth[q])
			}
		}
		p50s = append(p50s, ms(pct(lat, 50)))
		p99s = append(p99s, ms(pct(lat, 99)))
	}
	if total == 0 {
		rec = 1
	} else {
		rec = float64(hits) / float64(total)
	}
	return rec, median(p50s), median(p99s)
}

// benchFilters measures filtered search at each selectivity under three
// policies: the configured one, graph walk only, and exact scan of the
// category only.
func benchFilters(h *index.HNSW, exact *index.Exact, queries vecfile.Matrix, o options) error {
	cfg := h.Config()
	fmt.Printf("\n| filter share | policy | recall@%d | p50 ms | p99 ms |\n|---|---|---|---|---|\n", o.k)
	for _, p := range o.filters {
		f := index.Filter{Categories: []string{catName(p)}}
		truth := make([][]index.Hit, queries.Rows())
		var lat []time.Duration
		for q := range queries.Rows() {
			t := time.Now()
			truth[q] = exact.Search(queries.Row(q), o.k, o.metric, f)
			lat = append(lat, time.Since(t))
		}
		fmt.Printf("| %g | exact index | 1.0000 | %.3f | %.3f |\n", p, ms(pct(lat, 50)), ms(pct(lat, 99)))
		for _, pol := range []struct {
			name  string
			limit int
		}{{"default", cfg.FlatFilterLimit}, {"graph only", -1}, {"category scan", int(^uint(0) >> 1)}} {
			h.SetSearchParams(cfg.EfSearch, pol.limit)
			rec, p50, p99 := measure(h, queries, truth, o, f)
			fmt.Printf("| %g | %s | %.4f | %.3f | %.3f |\n", p, pol.name, rec, p50, p99)
		}
	}
	h.SetSearchParams(cfg.EfSearch, cfg.FlatFilterLimit)
	fmt.Println()
	return nil
}

func overlap(got, want []index.Hit) int {
	n := 0
	for _, w := range want {
		if slices.ContainsFunc(got, func(g index.Hit) bool { return g.ID == w.ID }) {
			n++
		}
	}
	return n
}

func pct(d []time.Duration, p int) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[min(max(i-1, 0), len(s)-1)]
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// storeVectors reads the item vectors of a driftrec embedded store, in
// the store's order.
func storeVectors(ctx context.Context, path string) (vecfile.Matrix, error) {
	if _, err := os.Stat(path); err != nil {
		return vecfile.Matrix{}, err // bolt.Open would create it
	}
	st, err := bolt.Open(path, nil)
	if err != nil {
		return vecfile.Matrix{}, err
	}
	defer st.Close()
	var m vecfile.Matrix
	err = st.ScanItems(ctx, func(it driftrec.EmbeddedItem) error {
		if m.Dim == 0 {
			m.Dim = len(it.Vector)
		}
		if len(it.Vector) != m.Dim || m.Dim == 0 {
			return fmt.Errorf("item %q has %d dimensions, want %d", it.ID, len(it.Vector), m.Dim)
		}
		m.Data = append(m.Data, it.Vector...)
		return nil
	})
	if err != nil {
		return vecfile.Matrix{}, fmt.Errorf("%s: %w", path, err)
	}
	return m, nil
}
