package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/eval"
)

func runTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	data := fs.String("data", "", "train on a dataset (MovieLens folder or event log) instead of the store's event log")
	holdout := fs.Bool("holdout", true, "with -data: leave out each user's last two interactions (the evaluation's validation and test events)")
	out := fs.String("out", "models/collab.bin", "where to write the model")
	// The flags adjust the default parts in place (co-occurrence first,
	// transitions second), so settings without a flag keep their defaults.
	parts := collab.DefaultParts()
	cooccur, transition := &parts[0], &parts[1]
	fs.IntVar(&cooccur.Dim, "cooccur-dim", cooccur.Dim, "dimensions of the co-occurrence part (exact up to this many users, a random projection beyond)")
	fs.IntVar(&transition.Dim, "transition-dim", transition.Dim, "dimensions of the transition part (what follows what)")
	fs.IntVar(&transition.Window, "window", transition.Window, "how many following items count as what comes next")
	fs.Float64Var(&transition.Ridge, "transition-ridge", transition.Ridge, "fit the transition part's target side by ridge regression from the state of the preceding items to the next one, with this penalty (0: keep the factorisation's)")
	lambda := fs.Float64("lambda", 1, "ridge penalty of the text adapter")
	noAdapter := fs.Bool("no-adapter", false, "skip the text adapter (texts then get no collaborative part)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: driftrec train [flags]\n\nLearns item vectors from users' sequences (co-occurrence, and transitions by randomised SVD with targets")
		fmt.Fprintln(stderr, "refitted by ridge regression) and a linear adapter from the encoder's text vectors into them; serve -collab")
		fmt.Fprintln(stderr, "FILE loads the result.")
		fs.PrintDefaults()
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	start := time.Now()
	var seqs [][]string
	var items []driftrec.Item
	if *data != "" {
		d, err := dataset.Load(*data, "")
		if err != nil {
			return err
		}
		seqs, items = datasetSequences(d, *holdout)
	} else {
		st, err := c.openStore(ctx, log)
		if err != nil {
			return err
		}
		seqs, items, err = storeSequences(ctx, st)
		st.Close()
		if err != nil {
			return err
		}
	}
	m, err := collab.Train(seqs, collab.Options{Seed: 1, Parts: parts})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "learned vectors for %d items (%d dimensions in %d parts) from %d sequences in %s\n", m.Len(), m.TargetDim(), len(m.Parts), len(seqs), time.Since(start).Round(time.Millisecond))
	if !*noAdapter {
		enc, err := openEncoder(ctx, c.encoder, c.models, c.remote, log)
		if err != nil {
			return err
		}
		texts := make([]string, len(items))
		for i := range items {
			texts[i] = items[i].Text
		}
		// Encoding the catalogue is the long step with a pretrained
		// encoder (minutes for ten thousand titles on two cores), so it
		// goes in chunks behind a progress bar.
		bar := countBar(len(texts), "encoding item texts", "items", c.quiet, stderr)
		vecs := make([][]float32, 0, len(texts))
		for lo := 0; lo < len(texts); lo += trainEncodeChunk {
			chunk, err := enc.Encode(ctx, texts[lo:min(lo+trainEncodeChunk, len(texts))])
			if err != nil {
				return fmt.Errorf("encode item texts: %w", err)
			}
			vecs = append(vecs, chunk...)
			bar.Add(len(chunk))
		}
		bar.Finish()
		byID := make(map[string][]float32, len(items))
		for i := range items {
			byID[items[i].ID] = vecs[i]
		}
		if err := m.FitAdapter(enc.ID(), byID, *lambda); err != nil {
			return err
		}
		fmt.Fprintf(stderr, "fitted the adapter from %s (%d dims)\n", enc.ID(), enc.Dim())
	}
	if err := m.SaveFile(*out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s (%d items × %d dims, adapter %v) in %s\n", *out, m.Len(), m.TargetDim(), m.Adapter != nil, time.Since(start).Round(time.Millisecond))
	return nil
}

// trainEncodeChunk is how many item texts go to the encoder at once.
const trainEncodeChunk = 256

// datasetSequences returns users' item sequences in time order (without
// each user's last two interactions when holdout is set) and the catalogue
// with the evaluation's item texts.
func datasetSequences(d *dataset.Dataset, holdout bool) ([][]string, []driftrec.Item) {
	tl := eval.NewTimeline(d, 0)
	seqs := map[string][]string{}
	var order []string
	for _, s := range tl.Steps {
		if s.Event.Item == "" || s.Phase == eval.PhaseContext {
			continue
		}
		if holdout && s.Phase != eval.PhaseTrain {
			continue
		}
		u := s.Event.User
		if _, ok := seqs[u]; !ok {
			order = append(order, u)
		}
		seqs[u] = append(seqs[u], s.Event.Item)
	}
	out := make([][]string, 0, len(order))
	for _, u := range order {
		out = append(out, seqs[u])
	}
	return out, eval.CatalogueItems(d, tl)
}

// storeSequences reads every user's positive item events in order and the
// catalogue from a store.
func storeSequences(ctx context.Context, st driftrec.Store) ([][]string, []driftrec.Item, error) {
	var users []string
	if err := st.ScanUsers(ctx, func(u string) error { users = append(users, u); return nil }); err != nil {
		return nil, nil, err
	}
	var seqs [][]string
	for _, u := range users {
		var s []string
		err := st.UserEvents(ctx, u, func(ev driftrec.Event) error {
			if ev.Item != "" && ev.Type != driftrec.EventDislike && ev.Type != driftrec.EventSkip {
				s = append(s, ev.Item)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		if len(s) > 1 {
			seqs = append(seqs, s)
		}
	}
	var items []driftrec.Item
	err := st.ScanItems(ctx, func(it driftrec.EmbeddedItem) error { items = append(items, it.Item); return nil })
	return seqs, items, err
}
