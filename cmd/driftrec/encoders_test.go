package main

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOpenEncoderAutoFallsBack: the default encoder needs both downloads;
// with either one missing the server still starts, on the lexical encoder.
func TestOpenEncoderAutoFallsBack(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, tc := range []struct {
		name    string
		present []string
	}{
		{"nothing fetched", nil},
		{"dictionary missing", []string{"use-lite"}},
		{"use-lite missing", []string{"cc-cedict"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			models := t.TempDir()
			for _, dir := range tc.present {
				if err := os.MkdirAll(filepath.Join(models, dir), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(models, dir, ".complete"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			enc, err := openEncoder(context.Background(), "auto", models, remoteFlags{}, log)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(enc.ID(), "lexical/") {
				t.Fatalf("auto with %v fetched: encoder %s, want lexical", tc.present, enc.ID())
			}
		})
	}
	if _, err := openEncoder(context.Background(), "word2vec", t.TempDir(), remoteFlags{}, log); err == nil {
		t.Fatal("an unknown encoder name was accepted")
	}
}
