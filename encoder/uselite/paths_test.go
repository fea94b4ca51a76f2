package uselite

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

const modulePath = "github.com/driftrec/driftrec"

// repoRoot walks up from the test's working directory to the folder whose
// go.mod declares the driftrec module, so tests work from any package depth
// and from a checkout under any name.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("working directory: %v", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && bytes.Contains(data, []byte("module "+modulePath+"\n")) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod declaring %s above the test's working directory", modulePath)
		}
		dir = parent
	}
}

// modelDir is where the USE-Lite weights live: $DRIFTREC_MODELS/use-lite or
// <repo>/models/use-lite. A missing folder fails the test rather than
// skipping it: CI runs scripts/fetch-models.sh before the tests.
func modelDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "models", "use-lite")
	if env := os.Getenv("DRIFTREC_MODELS"); env != "" {
		dir = filepath.Join(env, "use-lite")
	}
	if _, err := os.Stat(filepath.Join(dir, "dist", "model.json")); err != nil {
		t.Fatalf("USE-Lite weights are missing (%v): run scripts/fetch-models.sh first", err)
	}
	return dir
}

type goldenText struct {
	Text      string    `json:"text"`
	TokenIDs  []int32   `json:"token_ids"`
	Embedding []float32 `json:"embedding"`
}

type goldenFile struct {
	Texts         []goldenText `json:"texts"`
	BatchOfFirst8 [][]float32  `json:"batch_of_first_8"`
}

// readGolden reads a golden file in the layout of use-lite-golden.json.
func readGolden(t testing.TB, path string) goldenFile {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden vectors: %v", err)
	}
	var g goldenFile
	if err := json.Unmarshal(data, &g); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	if len(g.Texts) == 0 {
		t.Fatalf("%s holds no texts", path)
	}
	return g
}

// sharedGolden is the TensorFlow.js reference in shared/testdata.
func sharedGolden(t testing.TB) goldenFile {
	t.Helper()
	return readGolden(t, filepath.Join(repoRoot(t), "..", "shared", "testdata", "use-lite-golden.json"))
}

func readJSON(t testing.TB, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
}
