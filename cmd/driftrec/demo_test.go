package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
)

// openDemoStore opens a store the demo command filled.
func openDemoStore(t *testing.T, dir string) *engine.Engine {
	t.Helper()
	c := common{dataDir: dir, encoder: "lexical", models: t.TempDir(), logLevel: "error"}
	c.fileCfg.Engine = engine.DefaultConfig()
	eng, err := c.open(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

func TestDemoLoadsMovieLens(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	data := filepath.Join("..", "..", "eval", "testdata", "ml-mini")
	args := []string{"demo", "-load-only", "-quiet", "-encoder", "lexical", "-dataset", data, "-data-dir", dir, "-users", "0"}
	var out, errs bytes.Buffer
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("demo: exit %d\n%s%s", code, out.String(), errs.String())
	}
	if !strings.HasPrefix(out.String(), "loaded 539 items, ") || !strings.Contains(out.String(), " of 30 users from ml-mini") {
		t.Fatalf("demo said %q", out.String())
	}
	// A second run finds the data and leaves it alone.
	out.Reset()
	if code := run(context.Background(), args, &out, &errs); code != 0 || !strings.Contains(out.String(), "already holds 539 items") {
		t.Fatalf("second demo: exit %d: %q %s", code, out.String(), errs.String())
	}

	eng := openDemoStore(t, dir)
	users, err := eng.Users(context.Background(), "", 100)
	if err != nil || len(users) != 30 {
		t.Fatalf("users %v %v", users, err)
	}
	// Times are shifted so that the newest rating was an hour ago.
	var newest time.Time
	var ratings, comments int
	for _, u := range users {
		evs, err := eng.UserEvents(context.Background(), u, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range evs {
			if ev.Time.After(newest) {
				newest = ev.Time
			}
			switch ev.Type {
			case driftrec.EventRating:
				ratings++
				if ev.Value == nil || ev.Item == "" {
					t.Fatalf("rating without value or item: %+v", ev)
				}
			case driftrec.EventComment:
				comments++
			}
		}
	}
	if age := time.Since(newest); age < 59*time.Minute || age > 2*time.Hour {
		t.Fatalf("newest event %s ago, want about an hour", age)
	}
	if ratings != 866 || comments != 14 {
		t.Fatalf("%d ratings and %d comments replayed, want 866 and 14", ratings, comments)
	}
	it, err := eng.Item(context.Background(), "1")
	if err != nil || !strings.HasPrefix(it.Text, "Toy Story (1995). Adventure, Animation") || len(it.Categories) == 0 {
		t.Fatalf("item 1: %+v %v", it, err)
	}
}

func TestDemoChoosesUsersInIDOrder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	data := filepath.Join("..", "..", "eval", "testdata", "ml-mini")
	var out, errs bytes.Buffer
	args := []string{"demo", "-load-only", "-quiet", "-encoder", "lexical", "-dataset", data, "-data-dir", dir, "-users", "3"}
	if code := run(context.Background(), args, &out, &errs); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errs.String())
	}
	users, err := openDemoStore(t, dir).Users(context.Background(), "", 100)
	// ml-mini's first users by number are 2, 3 and 12 (the store lists
	// them in byte order).
	if err != nil || strings.Join(users, ",") != "12,2,3" {
		t.Fatalf("users %v %v", users, err)
	}
}

func TestDemoBundledShop(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	// The default dataset path is relative to the working folder; from the
	// package folder it does not exist, so the bundled shop is loaded.
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"demo", "-load-only", "-quiet", "-encoder", "lexical", "-data-dir", dir}, &out, &errs); code != 0 {
		t.Fatalf("demo: exit %d\n%s", code, errs.String())
	}
	if !strings.Contains(out.String(), "from shop") {
		t.Fatalf("demo said %q", out.String())
	}
	if p, err := openDemoStore(t, dir).Profile(context.Background(), "chen"); err != nil || p.Events != 6 {
		t.Fatalf("chen: %+v %v", p, err)
	}
}

func TestDemoFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"demo", "-load-only", "-dataset", filepath.Join(t.TempDir(), "missing")},
		{"demo", "-load-only", "-users", "-1"},
		{"demo", "-load-only", "-encoder", "lexical", "-data-dir", t.TempDir(), "-dataset", "demo_test.go"},
	} {
		var out, errs bytes.Buffer
		if code := run(context.Background(), args, &out, &errs); code != 1 || errs.Len() == 0 {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs.String())
		}
	}
}

// TestServeConsoleFlags runs the binary: the console is at / with its
// policy unless -no-console, and the chat flags are checked before
// anything is opened.
func TestServeConsoleFlags(t *testing.T) {
	get := func(url string) (int, string, string) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Security-Policy"), string(body)
	}
	s := startServer(t, "-data-dir", t.TempDir(), "-encoder", "lexical", "-eval-report", filepath.Join(t.TempDir(), "report.json"))
	code, csp, body := get(s.url + "/")
	if code != 200 || !strings.Contains(csp, "script-src 'self'") || !strings.Contains(body, "/assets/js/app.js") {
		t.Fatalf("console: %d %q", code, csp)
	}
	if code, _, body := get(s.url + "/v1/eval/report"); code != 404 || !strings.Contains(body, "driftrec eval") {
		t.Fatalf("eval report before any evaluation: %d %s", code, body)
	}
	off := startServer(t, "-data-dir", t.TempDir(), "-encoder", "lexical", "-no-console")
	if code, _, _ := get(off.url + "/"); code != 404 {
		t.Fatalf("-no-console still serves /: %d", code)
	}
	var out, errs bytes.Buffer
	if code := run(context.Background(), []string{"serve", "-data-dir", t.TempDir(), "-chat-url", "http://127.0.0.1:1/v1"}, &out, &errs); code != 1 ||
		!strings.Contains(errs.String(), "-chat-url and -chat-model go together") {
		t.Fatalf("chat flags: exit %d %q", code, errs.String())
	}
}
