package main

import (
	"context"
	"fmt"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/bolt"
)

func openBolt(path string) (driftrec.Store, error) {
	s, err := bolt.Open(path, nil)
	if err != nil {
		return nil, err
	}
	return s, nil
}

func openPostgres(ctx context.Context, dsn string) (driftrec.Store, error) {
	return nil, fmt.Errorf("the PostgreSQL store is not built yet")
}
