package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEvalCommand runs driftrec eval on the small MovieLens fixture and
// checks the files it promises.
func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "report.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"eval",
		"-data", filepath.Join("..", "..", "eval", "testdata", "ml-mini"),
		"-out", out, "-encoders", "lexical", "-quiet", "-resamples", "100",
		"-cache-dir", filepath.Join(dir, "cache"),
	}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Dataset struct {
			Name string `json:"name"`
		} `json:"dataset"`
		Methods          map[string]map[string]any `json:"methods"`
		BestByValidation string                    `json:"best_by_validation"`
		Command          string                    `json:"command"`
	}
	if err := json.Unmarshal(raw, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Dataset.Name != "ml-mini" || rep.Methods["driftrec/lexical"] == nil || rep.Methods[rep.BestByValidation] == nil {
		t.Errorf("report: dataset %q, best %q, %d methods", rep.Dataset.Name, rep.BestByValidation, len(rep.Methods))
	}
	if !strings.HasPrefix(rep.Command, "driftrec eval -data") {
		t.Errorf("command %q", rep.Command)
	}
	md, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil || !bytes.Contains(md, []byte("# Offline evaluation on ml-mini")) {
		t.Errorf("Markdown report: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "results-ndcg10.svg")); err != nil {
		t.Error(err)
	}
	if !strings.Contains(stdout.String(), "best by validation") {
		t.Errorf("stdout %q", stdout.String())
	}
}

func TestEvalCommandErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval"}, 2, "Usage: driftrec eval"},
		{[]string{"eval", "-data", "/nonexistent/ml"}, 1, "no such file"},
		{[]string{"eval", "-data", ".", "-encoders", "word2vec"}, 1, `unknown encoder "word2vec"`},
	}
	for _, tc := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// TestEvalEncodersBridge: the server's default encoder is an evaluation
// row; it shares USE-Lite's embedding cache and gives each engine its own
// lexical part.
func TestEvalEncodersBridge(t *testing.T) {
	models := filepath.Join("..", "..", "models")
	specs, caches, err := evalEncoders("use-lite,bridge", "", models, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if len(specs) != 2 || specs[1].Name != "bridge" || specs[1].Shared || !specs[0].Shared {
		t.Fatalf("specs %+v", specs)
	}
	if len(caches) != 1 {
		t.Fatalf("%d embedding caches; use-lite and bridge must share one", len(caches))
	}
	a, b := specs[1].New(), specs[1].New()
	if a == b {
		t.Fatal("bridge engines share one encoder, so one lexical fit")
	}
	if a.Dim() != specs[0].New().Dim()+1024 {
		t.Fatalf("bridge dimension %d, USE-Lite %d", a.Dim(), specs[0].New().Dim())
	}
}
