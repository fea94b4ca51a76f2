package main

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestRedactingHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redactLogs(slog.NewTextHandler(&buf, nil)))
	err := fmt.Errorf("engine: %w", fmt.Errorf("bolt: stored profile of user %q: event %d of user %q: corrupt", "alice@example.com", 7, `bob "the" builder`))
	log.Error("request failed", "route", "GET /v1/users/{user}/profile", "err", err, "status", 500)
	log.With("err", errors.New(`text "怀孕初期症状"`)).Warn("x")
	log.Error("panic serving request", "panic", `index out of range in "secret query"`, "stack", `main.f("secret")`)
	out := buf.String()
	for _, leak := range []string{"alice", "bob", "builder", "怀孕", "secret"} {
		if strings.Contains(out, leak) {
			t.Fatalf("the log holds %q:\n%s", leak, out)
		}
	}
	for _, kept := range []string{"stored profile of user", "event 7", "GET /v1/users/{user}/profile", "status=500", "corrupt"} {
		if !strings.Contains(out, kept) {
			t.Fatalf("the log lost %q:\n%s", kept, out)
		}
	}
	for in, want := range map[string]string{
		`no quotes`:          `no quotes`,
		`a "b" c "d\"e" f`:   `a "…" c "…" f`,
		`open "unterminated`: `open "…`,
		`""`:                 `"…"`,
	} {
		if got := redactQuoted(in); got != want {
			t.Errorf("redactQuoted(%q) = %q, want %q", in, got, want)
		}
	}
}
