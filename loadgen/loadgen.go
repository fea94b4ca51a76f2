// Package loadgen is driftrec's load generator: it drives a running server
// over HTTP on the loopback interface with a synthetic catalogue and user
// population, and measures what users of a recommender service ask about —
// catalogue load rate, durable event ingestion per second (one event per
// request and in batches), recommendation latency percentiles under
// concurrent clients, and memory per item and per profile.
//
// It refuses targets that are not loopback addresses: it is a benchmark,
// not a tool to load other people's servers.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config describes a run.
type Config struct {
	// Target is the server's base URL; its host must be a loopback address.
	Target string
	// Items and Users size the synthetic population.
	Items, Users int
	// Duration is how long each timed phase runs.
	Duration time.Duration
	// Clients lists the concurrency levels of the timed phases.
	Clients []int
	// Batches lists the event batch sizes measured (1 = one event per
	// request).
	Batches []int
	// N is the length of the recommendation lists asked for.
	N int
	// Seed makes the population and the request mix reproducible.
	Seed uint64
	// SkipCatalogue assumes the catalogue is already loaded.
	SkipCatalogue bool
	// Settle, when set, runs before each memory reading and each timed
	// phase; a bench that serves in its own process passes runtime.GC so
	// that the heap deltas count live data, not garbage awaiting
	// collection, and no phase pays for the previous one's garbage.
	Settle func() `json:"-"`
	// Around, when set, is called as each timed phase starts (name
	// "ingest" or "recommend") and the function it returns as the phase
	// ends: a bench uses it to profile one phase.
	Around func(name string, clients, batch int) (done func()) `json:"-"`
	// QuiesceTimeout bounds the wait, before each timed phase, for the
	// server's write-behind backlog (driftrec_profiles_unflushed) to
	// drain; default 2 minutes.
	QuiesceTimeout time.Duration
}

// Phase is the outcome of one timed phase.
type Phase struct {
	Name     string  `json:"name"`
	Clients  int     `json:"clients"`
	Batch    int     `json:"batch,omitempty"`
	Requests int     `json:"requests"`
	Units    int     `json:"units"` // items, events or recommendations
	Seconds  float64 `json:"seconds"`
	Rate     float64 `json:"per_second"`
	P50ms    float64 `json:"p50_ms"`
	P99ms    float64 `json:"p99_ms"`
	P999ms   float64 `json:"p999_ms"`
	Errors   int     `json:"errors"`
}

// Memory is the server's memory as its /metrics report it.
type Memory struct {
	RSSBytes      float64 `json:"rss_bytes"`
	HeapBytes     float64 `json:"heap_inuse_bytes"`
	BytesPerItem  float64 `json:"bytes_per_item,omitempty"`
	BytesPerUser  float64 `json:"bytes_per_profile,omitempty"`
	ProfilesBuilt int     `json:"profiles,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Config Config  `json:"config"`
	Phases []Phase `json:"phases"`
	Memory struct {
		Start         Memory `json:"start"`
		AfterItems    Memory `json:"after_items"`
		AfterProfiles Memory `json:"after_profiles"`
	} `json:"memory"`
}

// Progress receives a line per phase as it starts.
type Progress func(phase string)

// vocabularyText is the word list synthetic titles and queries are drawn from.
const vocabularyText = `running shoes trail insole coffee mug espresso beans kettle grinder bread sourdough
bagel croissant camping tent sleeping bag stove lantern backpack hiking boots laptop sleeve charger keyboard mouse
monitor headphones earbuds speaker phone case cable watch band fitness tracker yoga mat dumbbell kettlebell bottle
jacket rain waterproof wool socks scarf gloves hat novel thriller cookbook travel guide map puzzle board game lego
paint brush canvas pen notebook desk lamp chair cushion blanket pillow towel soap shampoo brush razor perfume`

// itemText makes a deterministic product title.
func itemText(rng *rand.Rand, vocabulary []string, i int) string {
	var b strings.Builder
	for k := 0; k < 3+rng.IntN(3); k++ {
		b.WriteString(vocabulary[rng.IntN(len(vocabulary))])
		b.WriteByte(' ')
	}
	fmt.Fprintf(&b, "model %d", i)
	return b.String()
}

// Run executes the phases against cfg.Target.
func Run(ctx context.Context, cfg Config, progress Progress) (*Report, error) {
	if err := checkLoopback(cfg.Target); err != nil {
		return nil, err
	}
	if progress == nil {
		progress = func(string) {}
	}
	if cfg.N <= 0 {
		cfg.N = 10
	}
	c := &client{settle: cfg.Settle, base: strings.TrimRight(cfg.Target, "/"), words: strings.Fields(vocabularyText), http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
	}}
	rep := &Report{Config: cfg}
	var err error
	if rep.Memory.Start, err = c.memory(ctx); err != nil {
		return nil, err
	}
	if !cfg.SkipCatalogue {
		progress(fmt.Sprintf("loading %d items", cfg.Items))
		ph, err := c.loadCatalogue(ctx, cfg)
		if err != nil {
			return nil, err
		}
		rep.Phases = append(rep.Phases, ph)
	}
	if rep.Memory.AfterItems, err = c.memory(ctx); err != nil {
		return nil, err
	}
	if cfg.Items > 0 {
		rep.Memory.AfterItems.BytesPerItem = (rep.Memory.AfterItems.HeapBytes - rep.Memory.Start.HeapBytes) / float64(cfg.Items)
	}
	// Give every user a history before measuring recommendations.
	progress(fmt.Sprintf("building %d profiles", cfg.Users))
	warm, err := c.ingest(ctx, cfg, 1000, 2, func(done int) bool { return done >= cfg.Users*10 }, "warm-up")
	if err != nil {
		return nil, err
	}
	rep.Phases = append(rep.Phases, warm)
	if rep.Memory.AfterProfiles, err = c.memory(ctx); err != nil {
		return nil, err
	}
	if cfg.Users > 0 {
		rep.Memory.AfterProfiles.ProfilesBuilt = cfg.Users
		rep.Memory.AfterProfiles.BytesPerUser = (rep.Memory.AfterProfiles.HeapBytes - rep.Memory.AfterItems.HeapBytes) / float64(cfg.Users)
	}
	deadline := func() func(int) bool {
		end := time.Now().Add(cfg.Duration)
		return func(int) bool { return time.Now().After(end) }
	}
	// timed runs one timed phase on a quiet server, inside cfg.Around.
	timed := func(name string, clients, batch int, label string, run func(stop func(int) bool) (Phase, error)) error {
		if err := c.quiesce(ctx, cfg.QuiesceTimeout); err != nil {
			return err
		}
		progress(label)
		done := around(cfg, name, clients, batch)
		ph, err := run(deadline())
		done()
		if err != nil {
			return err
		}
		rep.Phases = append(rep.Phases, ph)
		return nil
	}
	for _, batch := range cfg.Batches {
		for _, cl := range cfg.Clients {
			if batch > 1 && cl > 2 {
				continue // batched ingestion is one or two writers in practice
			}
			err := timed("ingest", cl, batch, fmt.Sprintf("ingesting, batch %d, %d clients", batch, cl), func(stop func(int) bool) (Phase, error) {
				return c.ingest(ctx, cfg, batch, cl, stop, "ingest")
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for _, cl := range cfg.Clients {
		err := timed("recommend", cl, 0, fmt.Sprintf("recommending, %d clients", cl), func(stop func(int) bool) (Phase, error) {
			return c.recommend(ctx, cfg, cl, stop)
		})
		if err != nil {
			return nil, err
		}
	}
	return rep, nil
}

func around(cfg Config, name string, clients, batch int) func() {
	if cfg.Around == nil {
		return func() {}
	}
	if done := cfg.Around(name, clients, batch); done != nil {
		return done
	}
	return func() {}
}

// quiesce waits until the server has written the profiles that the last
// phase changed, then settles. A timed phase must measure its own requests:
// a write-behind flush of the previous phase's thousands of profiles would
// otherwise compete with them for the same cores. Servers that do not
// report a backlog are taken as quiet.
func (c *client) quiesce(ctx context.Context, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	for {
		m, err := c.metrics(ctx, "driftrec_profiles_unflushed")
		if err != nil {
			return fmt.Errorf("loadgen: waiting for the server to flush profiles: %w", err)
		}
		if m["driftrec_profiles_unflushed"] == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("loadgen: the server still had %.0f unflushed profiles after %v", m["driftrec_profiles_unflushed"], timeout)
		case <-time.After(50 * time.Millisecond):
		}
	}
	if c.settle != nil {
		c.settle()
	}
	return nil
}

// checkLoopback refuses targets that are not on this machine.
func checkLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("loadgen: invalid target %q", target)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("loadgen: target %q is not a loopback address; the load generator only drives servers on this machine", target)
	}
	return nil
}

type client struct {
	base   string
	words  []string
	http   *http.Client
	settle func()
}

// maxErrorsWithoutProgress ends an ingestion phase whose requests have all
// failed this many times.
const maxErrorsWithoutProgress = 100

func (c *client) do(ctx context.Context, method, path string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	return nil
}

func (c *client) loadCatalogue(ctx context.Context, cfg Config) (Phase, error) {
	rng := rand.New(rand.NewPCG(cfg.Seed, 1))
	const batch = 1000
	start := time.Now()
	ph := Phase{Name: "catalogue", Clients: 1, Batch: batch}
	type item struct {
		ID   string `json:"id"`
		Text string `json:"text"`
	}
	for i := 0; i < cfg.Items; i += batch {
		var items []item
		for j := i; j < min(i+batch, cfg.Items); j++ {
			items = append(items, item{ID: "i" + strconv.Itoa(j), Text: itemText(rng, c.words, j)})
		}
		body, _ := json.Marshal(items)
		if err := c.do(ctx, "PUT", "/v1/items", body); err != nil {
			return ph, fmt.Errorf("loadgen: loading the catalogue: %w", err)
		}
		ph.Requests++
		ph.Units += len(items)
	}
	ph.Seconds = time.Since(start).Seconds()
	ph.Rate = float64(ph.Units) / ph.Seconds
	return ph, nil
}

type event struct {
	User string `json:"user"`
	Type string `json:"type"`
	Item string `json:"item,omitempty"`
	Text string `json:"text,omitempty"`
}

// ingest runs clients that each send batches of events until stop says so.
func (c *client) ingest(ctx context.Context, cfg Config, batch, clients int, stop func(done int) bool, name string) (Phase, error) {
	var done, errs atomic.Int64
	lat := newLatencies()
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed+uint64(w)+7, uint64(batch)))
			evs := make([]event, 0, batch)
			for !stop(int(done.Load())) && ctx.Err() == nil {
				evs = evs[:0]
				for len(evs) < batch {
					u := "u" + strconv.Itoa(rng.IntN(max(cfg.Users, 1)))
					if rng.IntN(5) == 0 {
						evs = append(evs, event{User: u, Type: "query", Text: c.words[rng.IntN(len(c.words))] + " " + c.words[rng.IntN(len(c.words))]})
					} else {
						evs = append(evs, event{User: u, Type: []string{"view", "click", "purchase", "like"}[rng.IntN(4)], Item: "i" + strconv.Itoa(rng.IntN(max(cfg.Items, 1)))})
					}
				}
				body, _ := json.Marshal(evs)
				t := time.Now()
				if err := c.do(ctx, "POST", "/v1/events", body); err != nil {
					firstErr.CompareAndSwap(nil, err)
					// A server that refuses everything would otherwise
					// keep a count-bounded phase (the warm-up) spinning
					// forever.
					if errs.Add(1) >= maxErrorsWithoutProgress && done.Load() == 0 {
						return
					}
					continue
				}
				lat.add(time.Since(t))
				done.Add(int64(len(evs)))
			}
		}(w)
	}
	wg.Wait()
	ph := lat.phase(name, clients, time.Since(start))
	ph.Batch, ph.Units, ph.Errors = batch, int(done.Load()), int(errs.Load())
	ph.Rate = float64(ph.Units) / ph.Seconds
	if ph.Units == 0 {
		if e, ok := firstErr.Load().(error); ok {
			return ph, fmt.Errorf("loadgen: %s: %w", name, e)
		}
	}
	return ph, nil
}

func (c *client) recommend(ctx context.Context, cfg Config, clients int, stop func(int) bool) (Phase, error) {
	var done, errs atomic.Int64
	lat := newLatencies()
	start := time.Now()
	var wg sync.WaitGroup
	var firstErr atomic.Value
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(cfg.Seed+uint64(w)+99, 3))
			for !stop(int(done.Load())) && ctx.Err() == nil {
				u := "u" + strconv.Itoa(rng.IntN(max(cfg.Users, 1)))
				t := time.Now()
				if err := c.do(ctx, "GET", "/v1/users/"+u+"/recommendations?n="+strconv.Itoa(cfg.N), nil); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				lat.add(time.Since(t))
				done.Add(1)
			}
		}(w)
	}
	wg.Wait()
	ph := lat.phase("recommend", clients, time.Since(start))
	ph.Units, ph.Errors = int(done.Load()), int(errs.Load())
	ph.Rate = float64(ph.Units) / ph.Seconds
	if ph.Units == 0 {
		if e, ok := firstErr.Load().(error); ok {
			return ph, fmt.Errorf("loadgen: recommend: %w", e)
		}
	}
	return ph, nil
}

// memory reads the server's resident and heap bytes from /metrics.
func (c *client) memory(ctx context.Context) (Memory, error) {
	if c.settle != nil {
		c.settle()
	}
	m, err := c.metrics(ctx, "process_resident_memory_bytes", "go_memstats_heap_inuse_bytes")
	if err != nil {
		return Memory{}, err
	}
	return Memory{RSSBytes: m["process_resident_memory_bytes"], HeapBytes: m["go_memstats_heap_inuse_bytes"]}, nil
}

// metrics reads the named unlabelled series from /metrics; a series the
// server does not export is absent from the map.
func (c *client) metrics(ctx context.Context, names ...string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadgen: read metrics: %w", err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok || !slices.Contains(names, name) {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}

// latencies collects request durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func newLatencies() *latencies { return &latencies{} }

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) phase(name string, clients int, took time.Duration) Phase {
	l.mu.Lock()
	defer l.mu.Unlock()
	slices.Sort(l.d)
	q := func(p float64) float64 {
		if len(l.d) == 0 {
			return 0
		}
		i := int(p * float64(len(l.d)-1))
		return float64(l.d[i]) / float64(time.Millisecond)
	}
	return Phase{Name: name, Clients: clients, Requests: len(l.d), Seconds: took.Seconds(), P50ms: q(0.5), P99ms: q(0.99), P999ms: q(0.999)}
}
