package main

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/postgres"
)

func openBolt(path string, noSync bool, log *slog.Logger, sealer driftrec.Sealer) (driftrec.Store, error) {
	s, err := bolt.Open(path, &bolt.Options{NoSync: noSync, Sealer: sealer, Logger: log})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string, log *slog.Logger, sealer driftrec.Sealer) (driftrec.Store, error) {
	opts := []postgres.Option{postgres.WithLogger(log)}
	if sealer != nil {
		opts = append(opts, postgres.WithSealer(sealer))
	}
	s, err := postgres.Open(ctx, dsn, opts...)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// storeCollectors exports the embedded store's counters on /metrics: its
// group commit (transactions, calls and events they held) and the event
// log's fold (docs/scaling.md). It reaches the store through the
// pseudonym layer; other stores have none.
func storeCollectors(st driftrec.Store) []prometheus.Collector {
	for {
		w, ok := st.(interface{ Inner() driftrec.Store })
		if !ok {
			break
		}
		st = w.Inner()
	}
	bs, ok := st.(*bolt.Store)
	if !ok {
		return nil
	}
	counter := func(name, help string, v func(bolt.Stats) uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help},
			func() float64 { return float64(v(bs.Stats())) })
	}
	return []prometheus.Collector{
		counter("driftrec_store_commits_total", "Ingestion transactions the embedded store committed (group commit).",
			func(s bolt.Stats) uint64 { return s.Commits }),
		counter("driftrec_store_ingest_calls_total", "Ingestion calls whose events those transactions held.",
			func(s bolt.Stats) uint64 { return s.Calls }),
		counter("driftrec_store_events_total", "Events the embedded store committed.",
			func(s bolt.Stats) uint64 { return s.Events }),
		counter("driftrec_store_folds_total", "Folds of closed epochs from the event log's first tier into the second.",
			func(s bolt.Stats) uint64 { return s.Folds }),
		counter("driftrec_store_folded_events_total", "Events the folds moved.",
			func(s bolt.Stats) uint64 { return s.Folded }),
	}
}
