package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/importer"
	"github.com/driftrec/driftrec/index"
)

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	items := fs.String("items", "", "file of items (.csv or .jsonl)")
	events := fs.String("events", "", "file of events (.csv or .jsonl)")
	batch := fs.Int("batch", 1000, "records per transaction")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: driftrec import [-items FILE] [-events FILE] [flags]")
		fmt.Fprintln(stderr, "\nItems are imported before events. CSV needs a header row; see the importer package for the columns.")
		fs.PrintDefaults()
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *items == "" && *events == "" {
		fs.Usage()
		return errUsage
	}
	eng, err := c.openEngine(ctx, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *items != "" {
		n, err := importFile(*items, c.quiet, stderr, "items", func(r io.Reader, f importer.Format) (int, error) {
			return importer.Items(r, f, *batch, func(b []driftrec.Item) error {
				_, err := eng.UpsertItems(ctx, b)
				return err
			})
		})
		if err != nil {
			// Batches before the failing one are committed; say how many,
			// so that a re-run can start after them instead of repeating
			// them.
			return fmt.Errorf("%s: %w (the first %d items were imported before the error)", *items, err, n)
		}
		fmt.Fprintf(stdout, "imported %d items\n", n)
	}
	if *events != "" {
		n, err := importFile(*events, c.quiet, stderr, "events", func(r io.Reader, f importer.Format) (int, error) {
			return importer.Events(r, f, *batch, func(b []driftrec.Event) error {
				_, err := eng.Ingest(ctx, b)
				return err
			})
		})
		if err != nil {
			// Batches before the failing one are committed; say how many,
			// so that a re-run can start after them instead of repeating
			// them.
			return fmt.Errorf("%s: %w (the first %d events were imported before the error)", *events, err, n)
		}
		fmt.Fprintf(stdout, "imported %d events\n", n)
	}
	return nil
}

// importFile opens a file, shows a byte-based progress bar while fn reads
// it, and reports how many records fn took.
func importFile(path string, quiet bool, stderr io.Writer, what string, fn func(io.Reader, importer.Format) (int, error)) (int, error) {
	f, err := importer.FormatOf(path)
	if err != nil {
		return 0, err
	}
	file, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer file.Close()
	st, err := file.Stat()
	if err != nil {
		return 0, err
	}
	r, done := progressReader(file, st.Size(), "importing "+what, quiet, stderr)
	defer done()
	return fn(r, f)
}

func runRecommend(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("recommend", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	user := fs.String("user", "", "user to recommend for (required)")
	n := fs.Int("n", 10, "number of items")
	reqAlpha := fs.Float64("request-alpha", -1, "α for this request only (-1: the configured default)")
	category := fs.String("category", "", "comma-separated categories to restrict to")
	diversity := fs.Float64("diversity", 0, "MMR diversity λ in [0,1]")
	metric := fs.String("metric", "cosine", "cosine, dot or euclidean")
	asJSON := fs.Bool("json", false, "print JSON with explanations")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *user == "" {
		fmt.Fprintln(stderr, "driftrec recommend: -user is required")
		return errUsage
	}
	m, err := index.ParseMetric(*metric)
	if err != nil {
		return err
	}
	eng, err := c.openEngine(ctx, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	o := engine.RecommendOptions{N: *n, Diversity: *diversity, Metric: m, Explain: true}
	if *reqAlpha >= 0 {
		o.Alpha = reqAlpha
	}
	if *category != "" {
		o.Categories = strings.Split(*category, ",")
	}
	rec, err := eng.Recommend(ctx, *user, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rec)
	}
	if rec.Cold {
		fmt.Fprintln(stdout, "(no profile yet: popular items)")
	}
	for i, it := range rec.Items {
		why := ""
		if e := it.Explanation; e != nil {
			if e.Interest != nil {
				why = fmt.Sprintf("interest %q (share %.2f)", e.Interest.Label, e.Interest.Share)
			}
			if len(e.Because) > 0 {
				b := e.Because[0]
				t := b.Text
				if t == "" {
					t = b.Item
				}
				why += fmt.Sprintf("; like your %s %q", b.Type, t)
			}
		}
		fmt.Fprintf(stdout, "%2d. %-20s %.3f  %s  — %s\n", i+1, it.ID, it.Score, it.Text, why)
	}
	return nil
}

func runEmbed(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("embed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "Usage: driftrec embed [flags] TEXT...\n\nPrints each text's vector from the configured encoder, without opening a store: the\nlexical encoder's statistics fitted on a catalogue are not loaded, so for the vectors a\nrunning server uses, ask it (POST /v1/embeddings).")
		return errUsage
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	enc, err := openEncoder(ctx, c.encoder, c.models, c.remote, log)
	if err != nil {
		return err
	}
	vecs, err := enc.Encode(ctx, fs.Args())
	if err != nil {
		return err
	}
	out := json.NewEncoder(stdout)
	out.SetEscapeHTML(false)
	for i, v := range vecs {
		rec := map[string]any{"text": fs.Arg(i), "encoder": enc.ID(), "dim": len(v), "vector": v}
		if g, ok := enc.(interface{ Gloss(string) string }); ok {
			if gl := g.Gloss(fs.Arg(i)); gl != "" {
				rec["gloss"] = gl
			}
		}
		if err := out.Encode(rec); err != nil {
			return err
		}
	}
	return nil
}

func runReindex(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("reindex", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	refit := fs.Bool("refit", true, "refit a fittable encoder's statistics (the lexical IDF) on the catalogue")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	eng, err := c.openEngine(ctx, stderr)
	if err != nil {
		return err
	}
	defer eng.Close()
	bars := newStageBars(c.quiet, stderr)
	res, err := eng.Reindex(ctx, *refit, bars.update)
	bars.finish()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "reindexed %d items and %d profiles with %s in %s\n", res.Items, res.Profiles, res.Encoder, res.Took.Round(1e6))
	return nil
}
