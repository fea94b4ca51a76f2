package eval

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/driftrec/driftrec/dataset"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/engine"
)

func benchTimeline(b *testing.B) (*dataset.Dataset, *Timeline) {
	d, err := dataset.Load(filepath.Join("testdata", "ml-mini"), "")
	if err != nil {
		b.Fatal(err)
	}
	return d, NewTimeline(d, 4)
}

// BenchmarkReplayEngine replays the small dataset through the engine with
// the default configuration: the unit of work of every driftrec row and
// sweep point.
func BenchmarkReplayEngine(b *testing.B) {
	d, tl := benchTimeline(b)
	items := CatalogueItems(d, tl)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		m, err := NewEngineMethod(ctx, lexical.New(lexical.Options{}), engine.DefaultConfig(), items, []Variant{{Name: "default"}}, false)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := replay(ctx, tl, m, replayOptions{}); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
	b.ReportMetric(float64(len(tl.Steps)), "events/op")
}

// BenchmarkReplayBaselines replays the small dataset through both
// baselines.
func BenchmarkReplayBaselines(b *testing.B) {
	_, tl := benchTimeline(b)
	ctx := context.Background()
	for b.Loop() {
		for _, m := range []Method{NewPopularity(tl), NewItemKNN(tl, 10)} {
			if _, err := replay(ctx, tl, m, replayOptions{}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkScore measures turning one replay into the report's metrics
// and intervals (1000 resamples).
func BenchmarkScore(b *testing.B) {
	d, tl := benchTimeline(b)
	items := CatalogueItems(d, tl)
	texts := make([]string, len(items))
	for i := range items {
		texts[i] = items[i].Text
	}
	ctx := context.Background()
	res, err := replay(ctx, tl, NewPopularity(tl), replayOptions{})
	if err != nil {
		b.Fatal(err)
	}
	o := DefaultOptions()
	sc, err := newScorer(ctx, d, tl, texts, &o)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		sc.report("popularity", "", true, res, 0, nil)
	}
}
