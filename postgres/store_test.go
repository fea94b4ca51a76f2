package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/postgres"
	"github.com/driftrec/driftrec/postgres/pgtest"
	"github.com/driftrec/driftrec/seal"
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

// TestSealedStore runs the conformance suite with encryption at rest, and
// checks that no event text or item reaches the tables in plain.
func TestSealedStore(t *testing.T) {
	kr := storetest.NewKeyring(t)
	dsns := map[driftrec.Store]string{}
	storetest.Run(t,
		func(t *testing.T) driftrec.Store {
			dsn := server.Schema(t)
			s, err := postgres.Open(t.Context(), dsn, postgres.WithSealer(kr))
			if err != nil {
				t.Fatal(err)
			}
			dsns[s] = dsn
			return s
		},
		storetest.TimePrecision(time.Microsecond),
		storetest.Reopen(func(t *testing.T, s driftrec.Store) driftrec.Store {
			dsn := dsns[s]
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			s2, err := postgres.Open(t.Context(), dsn, postgres.WithSealer(kr))
			if err != nil {
				t.Fatal(err)
			}
			dsns[s2] = dsn
			return s2
		}))

	dsn := server.Schema(t)
	s, err := postgres.Open(t.Context(), dsn, postgres.WithSealer(kr))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const secret = "离婚律师 divorce lawyer"
	events := []driftrec.Event{{User: "u", Type: driftrec.EventQuery, Text: secret, Time: time.Now()},
		{User: "u", Type: driftrec.EventPurchase, Item: "secret-item", Time: time.Now()}}
	if err := s.IngestEvents(t.Context(), events, func(map[string]*driftrec.Profile) (map[string]*driftrec.Profile, error) {
		return map[string]*driftrec.Profile{"u": {User: "u", Recent: []driftrec.EventRef{{Type: driftrec.EventQuery, Text: secret}}}}, nil
	}); err != nil {
		t.Fatal(err)
	}
	conn := schemaConn(t, dsn)
	var plain int
	if err := conn.QueryRow(t.Context(), `SELECT count(*) FROM events WHERE text <> '' OR item <> '' OR type <> '' OR position($1::bytea in sealed) > 0`,
		[]byte(secret)).Scan(&plain); err != nil {
		t.Fatal(err)
	}
	var inProfile bool
	if err := conn.QueryRow(t.Context(), `SELECT position($1::bytea in data) > 0 FROM profiles WHERE user_id = 'u'`, []byte(secret)).Scan(&inProfile); err != nil {
		t.Fatal(err)
	}
	if plain != 0 || inProfile {
		t.Fatalf("plain data in the tables: %d event rows, profile %v", plain, inProfile)
	}
	// Without the master key the data does not open.
	s2, err := postgres.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if _, err := s2.Profile(t.Context(), "u"); !errors.Is(err, driftrec.ErrSealed) {
		t.Fatalf("Profile without the key: %v", err)
	}
	// Rotation re-wraps the key; deleting the user deletes it.
	next, _ := seal.NewMasterKey()
	nm, _ := seal.ParseMasterKey([]byte(next))
	s3, err := postgres.Open(t.Context(), dsn, postgres.WithSealer(seal.NewKeyring(nm, kr.Current())))
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	if n, err := s3.RewrapUserKeys(t.Context()); n != 1 || err != nil {
		t.Fatalf("RewrapUserKeys: %d %v", n, err)
	}
	s4, err := postgres.Open(t.Context(), dsn, postgres.WithSealer(seal.NewKeyring(nm)))
	if err != nil {
		t.Fatal(err)
	}
	defer s4.Close()
	if n := len(userEventsOf(t, s4, "u")); n != 2 {
		t.Fatalf("%d events after rotation", n)
	}
	if ok, err := s4.DeleteUser(t.Context(), "u"); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var keys int
	if err := conn.QueryRow(t.Context(), "SELECT count(*) FROM profiles WHERE data_key IS NOT NULL").Scan(&keys); err != nil || keys != 0 {
		t.Fatalf("data keys after delete: %d %v", keys, err)
	}
}

func userEventsOf(t *testing.T, s driftrec.Store, user string) []driftrec.Event {
	t.Helper()
	var out []driftrec.Event
	if err := s.UserEvents(t.Context(), user, func(e driftrec.Event) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}
