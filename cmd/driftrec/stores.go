package main

import (
	"context"
	"log/slog"

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
