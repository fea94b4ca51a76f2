package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/collab"
)

// TestTrainCommand trains on the MovieLens fixture through the command
// line, loads what it wrote, and checks that the long step shows progress
// unless -quiet asks for silence.
func TestTrainCommand(t *testing.T) {
	data := filepath.Join("..", "..", "eval", "testdata", "ml-mini")
	for _, tc := range []struct {
		name      string
		quiet     bool
		wantsBars bool
	}{
		{"with progress", false, true},
		{"quiet", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "collab.bin")
			args := []string{"train", "-data", data, "-out", out, "-encoder", "lexical", "-transition-dim", "8", "-cooccur-dim", "64", "-log-level", "warn"}
			if tc.quiet {
				args = append(args, "-quiet")
			}
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
				t.Fatalf("train exited %d\n%s", code, stderr.String())
			}
			if got := strings.Contains(stderr.String(), "encoding item texts"); got != tc.wantsBars {
				t.Errorf("progress shown %v, want %v; stderr:\n%s", got, tc.wantsBars, stderr.String())
			}
			m, err := collab.LoadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if m.Len() == 0 || m.Adapter == nil || !strings.Contains(stdout.String(), "wrote "+out) {
				t.Fatalf("model with %d items, adapter %v; stdout %q", m.Len(), m.Adapter != nil, stdout.String())
			}
		})
	}
}
