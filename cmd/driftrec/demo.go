package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/demo"
	"github.com/driftrec/driftrec/engine"
)

// defaultDemoDataset is where the shared MovieLens sample sits next to a
// checkout of the repository.
const defaultDemoDataset = "../shared/data/ml-latest-small"

// runDemo loads demo data into its own store and serves it with the web
// console: the MovieLens catalogue with a few hundred users' ratings and
// tags replayed as events when the dataset is at hand, else the bundled
// Chinese/English shop of "serve -demo". A store that already holds the
// data is served as it is.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	data := fs.String("dataset", defaultDemoDataset, "MovieLens folder (ml-latest-small, ml-100k or ml-1m); when the default is absent, the bundled shop catalogue")
	users := fs.Int("users", 300, "users whose ratings and tags are replayed, in order of their IDs (0: all)")
	loadOnly := fs.Bool("load-only", false, "load the data and exit instead of serving")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: driftrec demo [flags] [-- serve flags]")
		fmt.Fprintln(stderr, "\nLoads demo data into -data-dir (default ./data/demo-<dataset>) unless it is already there, then serves it")
		fmt.Fprintln(stderr, "with the web console. Flags after -- go to driftrec serve (e.g. -- -chat-url URL -chat-model NAME).")
		fs.PrintDefaults()
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *users < 0 {
		return fmt.Errorf("-users must be 0 (all) or more")
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	_, envDataset := os.LookupEnv("DRIFTREC_DATASET")
	name := "shop"
	if _, err := os.Stat(*data); err == nil {
		name = filepath.Base(filepath.Clean(*data))
	} else if explicit["dataset"] || envDataset {
		return fmt.Errorf("-dataset %s: %w", *data, err)
	}
	_, envDir := os.LookupEnv("DRIFTREC_DATA_DIR")
	if !explicit["data-dir"] && !envDir && c.fileCfg.DataDir == "" {
		c.dataDir = filepath.Join("data", "demo-"+name)
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if err := loadDemo(ctx, &c, log, name, *data, *users, stdout, stderr); err != nil {
		return err
	}
	if *loadOnly {
		return nil
	}
	// Serve the store just loaded, with the flags given here.
	serveArgs := []string{"-data-dir", c.dataDir, "-addr", *addr}
	demoOnly := map[string]bool{"dataset": true, "users": true, "load-only": true, "data-dir": true, "addr": true}
	fs.Visit(func(f *flag.Flag) {
		if !demoOnly[f.Name] {
			serveArgs = append(serveArgs, "-"+f.Name+"="+f.Value.String())
		}
	})
	return runServe(ctx, append(serveArgs, fs.Args()...), stdout, stderr)
}

// loadDemo fills an empty store and closes it again.
func loadDemo(ctx context.Context, c *common, log *slog.Logger, name, dir string, users int, stdout, stderr io.Writer) error {
	if name != "shop" {
		// Refitting the lexical statistics each time the catalogue doubles
		// would embed the movies several times over; loadMovieLens fits them
		// once, on the whole catalogue.
		if c.fileCfg.Engine.MaxBatch == 0 {
			c.fileCfg.Engine = engine.DefaultConfig()
		}
		c.fileCfg.Engine.Refit = false
	}
	eng, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	if n := eng.Items(); n > 0 {
		fmt.Fprintf(stdout, "%s already holds %d items; serving them (delete the folder to load the demo again)\n", c.dataDir, n)
		return eng.Close()
	}
	start := time.Now()
	var counts demo.Counts
	if name == "shop" {
		counts, err = demo.Load(ctx, eng)
	} else {
		counts, err = loadMovieLens(ctx, eng, dir, users, c.quiet, stderr)
	}
	if cerr := eng.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("load the %s demo into %s: %w", name, c.dataDir, err)
	}
	fmt.Fprintf(stdout, "loaded %d items, %d events of %d users from %s into %s in %s\n",
		counts.Items, counts.Events, counts.Users, name, c.dataDir, time.Since(start).Round(time.Second))
	return nil
}

// demoBatch is the number of items or events per call while loading.
const demoBatch = 500

// loadMovieLens loads a MovieLens release: every movie (title and genres
// as its text, genres as its categories), then the ratings and tags of the
// first users in order of their IDs, replayed as rating and comment
// events in time order. Times are shifted by one constant so that the
// newest rating of the dataset happened an hour ago: order and gaps are
// kept, and recent users look recent.
func loadMovieLens(ctx context.Context, eng *engine.Engine, dir string, users int, quiet bool, stderr io.Writer) (demo.Counts, error) {
	d, err := dataset.Load(dir, "")
	if errors.Is(err, fs.ErrNotExist) {
		return demo.Counts{}, fmt.Errorf("%s is not a MovieLens folder: %w", dir, err)
	}
	if err != nil {
		return demo.Counts{}, err
	}
	items := make([]driftrec.Item, 0, len(d.Items))
	for _, m := range d.Items {
		text := m.Title
		if len(m.Genres) > 0 {
			text += ". " + strings.Join(m.Genres, ", ")
		}
		items = append(items, driftrec.Item{ID: m.ID, Text: text, Categories: m.Genres})
	}
	// Fit a fittable encoder's statistics (the lexical IDF) on the whole
	// catalogue before embedding anything, so each movie is embedded once;
	// the Reindex below then finds nothing stale and only saves the state.
	if f, ok := eng.Encoder().(engine.Fitter); ok {
		if x, ok := eng.Encoder().(interface{ Fittable() bool }); !ok || x.Fittable() {
			texts := make([]string, len(items))
			for i := range items {
				texts[i] = items[i].Text
			}
			f.Fit(texts)
		}
	}
	bar := countBar(len(items), "embedding movies", "movies", quiet, stderr)
	for start := 0; start < len(items); start += demoBatch {
		end := min(start+demoBatch, len(items))
		if _, err := eng.UpsertItems(ctx, items[start:end]); err != nil {
			return demo.Counts{}, err
		}
		_ = bar.Add(end - start)
	}
	_ = bar.Finish()
	bars := newStageBars(quiet, stderr)
	if _, err := eng.Reindex(ctx, true, bars.update); err != nil {
		return demo.Counts{}, err
	}
	bars.finish()

	chosen := chooseUsers(d, users)
	var newest time.Time
	for _, x := range d.Interactions {
		if x.Time.After(newest) {
			newest = x.Time
		}
	}
	shift := time.Now().Add(-time.Hour).Sub(newest).Truncate(time.Second)
	type timed struct {
		ev    driftrec.Event
		order int
	}
	var evs []timed
	for _, x := range d.Interactions {
		if !chosen[x.User] {
			continue
		}
		ev := driftrec.Event{User: x.User, Type: x.Type, Item: x.Item, Text: x.Text, Session: x.Session, Time: x.Time.Add(shift)}
		if x.HasValue {
			v := x.Value
			ev.Value = &v
		}
		evs = append(evs, timed{ev, 2 * x.Order})
	}
	for _, x := range d.Context {
		if !chosen[x.User] {
			continue
		}
		ev := driftrec.Event{User: x.User, Type: x.Type, Item: x.Item, Text: x.Text, Session: x.Session, Time: x.Time.Add(shift)}
		if x.HasValue {
			v := x.Value
			ev.Value = &v
		}
		evs = append(evs, timed{ev, 2*x.Order + 1})
	}
	slices.SortStableFunc(evs, func(a, b timed) int {
		return cmp.Or(a.ev.Time.Compare(b.ev.Time), cmp.Compare(a.order, b.order))
	})
	bar = countBar(len(evs), "replaying events", "events", quiet, stderr)
	batch := make([]driftrec.Event, 0, demoBatch)
	for start := 0; start < len(evs); start += demoBatch {
		batch = batch[:0]
		for _, t := range evs[start:min(start+demoBatch, len(evs))] {
			batch = append(batch, t.ev)
		}
		if _, err := eng.Ingest(ctx, batch); err != nil {
			return demo.Counts{}, err
		}
		_ = bar.Add(len(batch))
	}
	_ = bar.Finish()
	return demo.Counts{Items: len(items), Events: len(evs), Users: len(chosen)}, nil
}

// chooseUsers returns the first n users in numeric order of their IDs
// (all with n = 0), so the demo holds the same users on every machine.
func chooseUsers(d *dataset.Dataset, n int) map[string]bool {
	seen := map[string]bool{}
	var ids []string
	for _, x := range d.Interactions {
		if !seen[x.User] {
			seen[x.User] = true
			ids = append(ids, x.User)
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		ia, ea := strconv.Atoi(a)
		ib, eb := strconv.Atoi(b)
		if ea == nil && eb == nil {
			return cmp.Compare(ia, ib)
		}
		return strings.Compare(a, b)
	})
	if n > 0 && n < len(ids) {
		ids = ids[:n]
	}
	out := make(map[string]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out
}

// countBar is a progress bar over a count of things, with rate and ETA;
// quiet gives a bar that prints nothing.
func countBar(total int, desc, unit string, quiet bool, w io.Writer) *progressbar.ProgressBar {
	if quiet {
		return progressbar.DefaultSilent(int64(total))
	}
	return progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionOnCompletion(func() { io.WriteString(w, "\n") }),
	)
}
