package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/schollz/progressbar/v3"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/bridge"
	"github.com/driftrec/driftrec/encoder/hf"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/uselite"
	"github.com/driftrec/driftrec/eval"
)

func runEval(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "MovieLens folder (ml-latest-small, ml-100k, ml-1m) or event log file (.jsonl/.csv)")
	items := fs.String("items", "", "items file for an event log (.jsonl/.csv)")
	out := fs.String("out", "report.json", "JSON report; the Markdown report and SVG plots are written next to it")
	encoders := fs.String("encoders", "auto", "comma-separated encoders for the text-based methods: lexical, use-lite, bridge (the server's default: USE-Lite over CC-CEDICT glosses ⊕ lexical); auto = lexical plus use-lite when its model is in -models")
	hfDir := fs.String("hf", "", "also evaluate with this sentence-transformers folder (Hugging Face encoder)")
	models := fs.String("models", defaultModels(), "folder of pretrained model files")
	cacheDir := fs.String("cache-dir", "", "folder of cached item embeddings (default: <models>/cache)")
	sweep := fs.Bool("sweep", false, "tune the driftrec methods on validation NDCG@10 and plot each parameter")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "replays run in parallel")
	resamples := fs.Int("resamples", 1000, "bootstrap resamples for the 95% intervals")
	seed := fs.Uint64("seed", 20240601, "bootstrap seed")
	probes := fs.Int("probes", 4, "last training events per user at which list stability is sampled")
	quiet := fs.Bool("quiet", false, "no progress bar")
	logLevel := fs.String("log-level", "warn", "log level: debug, info, warn, error")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: driftrec eval -data PATH [-out report.json] [-sweep] [-hf DIR] [flags]")
		fmt.Fprintln(stderr, "\nReplays the data through the engine and the baselines under the leave-last-two protocol and writes a JSON and Markdown report with plots.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	c := common{logLevel: *logLevel}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if *cacheDir == "" {
		*cacheDir = filepath.Join(*models, "cache")
	}

	specs, caches, err := evalEncoders(*encoders, *hfDir, *models, *cacheDir)
	if err != nil {
		return err
	}
	d, err := dataset.Load(*data, *items)
	if err != nil {
		return err
	}
	o := eval.DefaultOptions()
	o.Encoders, o.Sweep, o.Workers, o.Resamples, o.Seed, o.Probes, o.Log = specs, *sweep, *workers, *resamples, *seed, *probes, log
	if !*quiet {
		bar := progressbar.NewOptions(-1,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription("replay"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("events"),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionThrottle(200_000_000),
			progressbar.OptionOnCompletion(func() { io.WriteString(stderr, "\n") }),
		)
		o.Progress = func(done, total int) {
			bar.ChangeMax(total)
			_ = bar.Set(done)
		}
		defer bar.Finish()
	}
	rep, err := eval.Evaluate(ctx, d, o)
	for _, cache := range caches {
		if serr := cache.Save(); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	if err != nil {
		return err
	}
	rep.Dataset.Path = *data
	rep.Command = "driftrec eval " + strings.Join(args, " ")
	rep.Environment = map[string]string{"go": runtime.Version(), "gomaxprocs": fmt.Sprint(runtime.GOMAXPROCS(0)), "os": runtime.GOOS + "/" + runtime.GOARCH}
	return writeEvalReport(rep, *out, stdout)
}

// evalEncoders opens the encoders named by list (and -hf), wrapping the
// neural ones in the on-disk embedding cache.
func evalEncoders(list, hfDir, models, cacheDir string) ([]eval.EncoderSpec, []*eval.CachedEncoder, error) {
	var specs []eval.EncoderSpec
	var caches []*eval.CachedEncoder
	shared := func(name string, enc driftrec.Encoder) error {
		c, err := eval.NewCachedEncoder(enc, cacheDir)
		if err != nil {
			return err
		}
		caches = append(caches, c)
		specs = append(specs, eval.EncoderSpec{Name: name, New: func() driftrec.Encoder { return c }, Shared: true})
		return nil
	}
	var use *eval.CachedEncoder // one cache for use-lite and bridge
	cachedUSE := func() (*eval.CachedEncoder, error) {
		if use != nil {
			return use, nil
		}
		enc, err := uselite.Load(filepath.Join(models, "use-lite"))
		if err != nil {
			return nil, fmt.Errorf("encoder use-lite: %w", err)
		}
		if use, err = eval.NewCachedEncoder(enc, cacheDir); err != nil {
			return nil, err
		}
		caches = append(caches, use)
		return use, nil
	}
	names := strings.Split(list, ",")
	if list == "auto" {
		names = []string{"lexical"}
		if _, err := os.Stat(filepath.Join(models, "use-lite")); err == nil {
			names = append(names, "use-lite")
		}
	}
	for _, n := range names {
		switch strings.TrimSpace(n) {
		case "":
		case "lexical":
			// Every engine fits its own lexical statistics on the catalogue.
			specs = append(specs, eval.EncoderSpec{Name: "lexical", New: func() driftrec.Encoder { return lexical.New(lexical.Options{}) }})
		case "use-lite":
			c, err := cachedUSE()
			if err != nil {
				return nil, nil, err
			}
			specs = append(specs, eval.EncoderSpec{Name: "use-lite", New: func() driftrec.Encoder { return c }, Shared: true})
		case "bridge":
			// The server's default: USE-Lite (through the same cache) over
			// CC-CEDICT glosses, joined to lexical features that each
			// engine fits on its own catalogue.
			c, err := cachedUSE()
			if err != nil {
				return nil, nil, err
			}
			g, err := bridge.OpenGlosser(context.Background(), models, bridge.Options{})
			if err != nil {
				return nil, nil, fmt.Errorf("encoder bridge: %w", err)
			}
			newBridge, err := bridge.Factory(c, g, bridge.Options{})
			if err != nil {
				return nil, nil, fmt.Errorf("encoder bridge: %w", err)
			}
			specs = append(specs, eval.EncoderSpec{Name: "bridge", New: func() driftrec.Encoder { return newBridge() }})
		default:
			return nil, nil, fmt.Errorf("-encoders: unknown encoder %q: want lexical, use-lite or bridge (and -hf DIR for a Hugging Face folder)", n)
		}
	}
	if hfDir != "" {
		enc, err := hf.Load(hfDir)
		if err != nil {
			return nil, nil, fmt.Errorf("-hf: %w", err)
		}
		if err := shared("hf:"+filepath.Base(filepath.Clean(hfDir)), enc); err != nil {
			return nil, nil, err
		}
	}
	if len(specs) == 0 {
		return nil, nil, fmt.Errorf("-encoders: no encoder given")
	}
	return specs, caches, nil
}

// writeEvalReport writes the JSON report, the Markdown report and the
// plots, and prints the Markdown file's name.
func writeEvalReport(rep *eval.Report, out string, stdout io.Writer) error {
	dir := filepath.Dir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report folder: %w", err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(out, append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	plots, err := eval.WritePlots(rep, dir)
	if err != nil {
		return err
	}
	md := strings.TrimSuffix(out, filepath.Ext(out)) + ".md"
	f, err := os.Create(md)
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err := eval.WriteMarkdown(rep, plots, f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	fmt.Fprintf(stdout, "wrote %s, %s and %d plots; best by validation: %s\n", out, md, len(plots), rep.BestByValidation)
	return nil
}
