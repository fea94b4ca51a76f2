// Package pgtest gives tests a real PostgreSQL server without asking anyone
// to start one. Start uses the server named by DRIFTREC_TEST_POSTGRES when
// that is set (CI may point it at a service); otherwise it finds the
// installed server binaries (initdb, postgres), creates a throwaway cluster
// in a temporary folder and runs it on a free port on 127.0.0.1 until Stop.
// Each test then gets a schema of its own (Schema), so tests never see each
// other's tables and need no cleanup order.
//
// The binaries are looked for in DRIFTREC_PG_BINDIR, on PATH, then in the
// Debian and RPM locations (/usr/lib/postgresql/*/bin,
// /usr/pgsql-*/bin). PostgreSQL refuses to run as root, so a test running
// as root runs the server as the "postgres" system user that the packages
// create.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// EnvDSN names the environment variable with the DSN of a server to use
// instead of starting one.
const EnvDSN = "DRIFTREC_TEST_POSTGRES"

// EnvBinDir names the environment variable with the folder of the server
// binaries, when they are somewhere unusual.
const EnvBinDir = "DRIFTREC_PG_BINDIR"

// Server is a PostgreSQL server for tests.
type Server struct {
	// DSN connects to the server's default database as a superuser.
	DSN   string
	admin *pgxpool.Pool

	// Set when Start started the server itself.
	dir  string
	cmd  *exec.Cmd
	logs *lockedBuffer
	done chan error
}

// Start returns the server named by DRIFTREC_TEST_POSTGRES or starts one.
func Start(ctx context.Context) (*Server, error) {
	if dsn := os.Getenv(EnvDSN); dsn != "" {
		return connect(ctx, &Server{DSN: dsn})
	}
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // another process may take the free port first
		s, err := startServer(ctx, bin)
		if err == nil {
			return s, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func findBinaries() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
				return false
			}
		}
		return true
	}
	if dir := os.Getenv(EnvBinDir); dir != "" {
		if has(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("pgtest: %s=%s has no initdb and postgres", EnvBinDir, dir)
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
		if has(filepath.Dir(p)) {
			return filepath.Dir(p), nil
		}
	}
	var candidates []string
	for _, pattern := range []string{"/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin"} {
		m, _ := filepath.Glob(pattern)
		candidates = append(candidates, m...)
	}
	// Prefer the newest major version.
	sort.Slice(candidates, func(i, j int) bool { return versionOf(candidates[i]) > versionOf(candidates[j]) })
	for _, dir := range candidates {
		if has(dir) {
			return dir, nil
		}
	}
	return "", errors.New("pgtest: no PostgreSQL server binaries (initdb, postgres) found; install them " +
		"(Debian: apt-get install -y postgresql), set " + EnvBinDir + ", or start a server with " +
		"scripts/start-postgres.sh and export the " + EnvDSN + " it prints")
}

func versionOf(dir string) int {
	for _, part := range strings.Split(dir, "/") {
		part = strings.TrimPrefix(part, "pgsql-")
		if v, err := strconv.Atoi(part); err == nil {
			return v
		}
	}
	return 0
}

func startServer(ctx context.Context, bin string) (_ *Server, err error) {
	dir, err := os.MkdirTemp("", "driftrec-pg-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	defer func() {
		if err != nil {
			os.RemoveAll(dir)
		}
	}()
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres",
		"--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, logs: &lockedBuffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "max_connections=200")
	// If the test binary dies without calling Stop, the server goes with
	// it instead of outliving it.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("pgtest: start postgres: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	s.DSN = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)

	deadline := time.Now().Add(60 * time.Second)
	for {
		ready, err := connect(ctx, s)
		if err == nil {
			return ready, nil
		}
		select {
		case werr := <-s.done:
			return nil, fmt.Errorf("pgtest: postgres exited (%v):\n%s", werr, s.logs.String())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("pgtest: postgres did not accept connections within a minute: %v\n%s", err, s.logs.String())
		}
	}
}

// serverCredential returns the user to run the server as: nil (ourselves)
// unless we are root.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses to; there is no postgres user to run it as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func connect(ctx context.Context, s *Server) (*Server, error) {
	pool, err := pgxpool.New(ctx, s.DSN)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgtest: connect to %s: %w", redact(s.DSN), err)
	}
	s.admin = pool
	return s, nil
}

func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}

// Stop stops a server that Start started and removes its files; for a
// server from DRIFTREC_TEST_POSTGRES it only disconnects.
func (s *Server) Stop() error {
	if s.admin != nil {
		s.admin.Close()
	}
	if s.cmd == nil {
		return nil
	}
	// SIGINT is PostgreSQL's fast shutdown: it disconnects clients.
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	return os.RemoveAll(s.dir)
}

// Logs returns what a server started by Start has logged.
func (s *Server) Logs() string {
	if s.logs == nil {
		return ""
	}
	return s.logs.String()
}

// Schema creates an empty schema for the test and returns a DSN whose
// connections use it (search_path); the schema is dropped when the test
// ends.
func (s *Server) Schema(tb testing.TB) string {
	tb.Helper()
	dsn, drop, err := s.NewSchema(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("pgtest: %v", err)
		}
	})
	return dsn
}

// NewSchema creates an empty schema with a random name and returns a DSN
// that uses it and a function that drops it.
func (s *Server) NewSchema(ctx context.Context) (dsn string, drop func() error, err error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := s.admin.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return "", nil, fmt.Errorf("pgtest: create schema: %w", err)
	}
	drop = func() error {
		if _, err := s.admin.Exec(context.Background(), "DROP SCHEMA "+ident+" CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", name, err)
		}
		return nil
	}
	return withSearchPath(s.DSN, name), drop, nil
}

// withSearchPath adds a search_path parameter to a DSN in either of the
// forms libpq (and pgx) accept: a URL or keyword=value pairs.
func withSearchPath(dsn, schema string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			q := u.Query()
			q.Set("search_path", schema)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " search_path=" + schema
}

// Admin returns a superuser connection pool to the server, for tests that
// need to act on it (terminate backends, inspect state).
func (s *Server) Admin() *pgxpool.Pool { return s.admin }

// lockedBuffer collects the server's output from its two pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
