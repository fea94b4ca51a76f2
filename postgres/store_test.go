package postgres_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/postgres"
	"github.com/driftrec/driftrec/postgres/pgtest"
	"github.com/driftrec/driftrec/storetest"
	"github.com/jackc/pgx/v5"
)

// server is the PostgreSQL server of this test binary: the one
// DRIFTREC_TEST_POSTGRES names, or one started from the installed binaries.
var server *pgtest.Server

func TestMain(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	var err error
	server, err = pgtest.Start(ctx)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := server.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop postgres:", err)
	}
	os.Exit(code)
}

// openSchema opens a store on a fresh schema that is dropped when the test
// ends.
func openSchema(t testing.TB) (*postgres.Store, string) {
	t.Helper()
	dsn := server.Schema(t)
	s, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s, dsn
}

func TestStore(t *testing.T) {
	dsns := map[driftrec.Store]string{}
	storetest.Run(t,
		func(t *testing.T) driftrec.Store {
			s, dsn := openSchema(t)
			dsns[s] = dsn
			return s
		},
		storetest.TimePrecision(time.Microsecond),
		storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store {
			dsn := dsns[s]
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := postgres.Open(t.Context(), dsn)
			if err != nil {
				t.Fatal(err)
			}
			dsns[s2] = dsn
			return s2
		}))
}

// schemaConn returns a connection to the schema dsn names, closed when the
// test ends.
func schemaConn(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
