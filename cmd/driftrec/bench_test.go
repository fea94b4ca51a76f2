package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftrec/driftrec/loadgen"
)

// TestBenchCommand runs a tiny in-process bench and profiles one phase.
func TestBenchCommand(t *testing.T) {
	dir := t.TempDir()
	prof := filepath.Join(dir, "recommend.prof")
	report := filepath.Join(dir, "bench.json")
	out, err := exec.Command(binary, "bench", "-quiet", "-items", "300", "-users", "10", "-duration", "200ms",
		"-clients", "1", "-batches", "1", "-out", report, "-cpuprofile", prof, "-cpuprofile-phase", "recommend:1").CombinedOutput()
	if err != nil {
		t.Fatalf("bench: %v\n%s", err, out)
	}
	for _, phase := range []string{"catalogue", "warm-up", "ingest", "recommend"} {
		if !strings.Contains(string(out), phase) {
			t.Errorf("bench output lacks the %s phase:\n%s", phase, out)
		}
	}
	if !strings.Contains(string(out), "with encoder lexical") {
		t.Errorf("an in-process bench should default to the lexical encoder:\n%s", out)
	}
	if fi, err := os.Stat(prof); err != nil || fi.Size() == 0 {
		t.Errorf("phase profile not written: %v", err)
	}
	var rep loadgen.Report
	if b, err := os.ReadFile(report); err != nil {
		t.Error(err)
	} else if err := json.Unmarshal(b, &rep); err != nil || len(rep.Phases) == 0 || rep.Config.Items != 300 {
		t.Errorf("JSON report: %v, %+v", err, rep)
	}

	out, err = exec.Command(binary, "bench", "-cpuprofile-phase", "recommend:8").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-cpuprofile-phase needs -cpuprofile") {
		t.Errorf("-cpuprofile-phase alone: %v\n%s", err, out)
	}
}
