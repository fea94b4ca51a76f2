package main

import (
	"context"
	"log/slog"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/postgres"
)

func openBolt(path string, noSync bool) (driftrec.Store, error) {
	s, err := bolt.Open(path, &bolt.Options{NoSync: noSync})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (driftrec.Store, error) {
	s, err := postgres.Open(ctx, dsn, postgres.WithLogger(log))
	if err != nil {
		return nil, err
	}
	return s, nil
}
