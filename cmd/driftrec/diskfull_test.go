package main

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFull runs the server under a file size limit (RLIMIT_FSIZE, set
// by the shell's ulimit), which makes the store's file stop growing the
// way a full disk does (EFBIG instead of ENOSPC). Ingestion must then fail
// with a clear 503 JSON error and write nothing, the server must keep
// serving reads, and after a restart without the limit the file must open
// and hold exactly the acknowledged events.
func TestDiskFull(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatalf("the test needs bash for ulimit: %v", err)
	}
	data := filepath.Join(t.TempDir(), "data")
	args := fmt.Sprintf("%q serve -addr 127.0.0.1:0 -data-dir %q -encoder lexical -log-level error -no-console", binary, data)
	// 20 MB: bbolt grows its file 16 MiB at a time, so the second growth
	// fails.
	cmd := exec.Command("bash", "-c", "ulimit -f 20000 && exec "+args)
	s, logs, err := tryStartCmd(t, cmd, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, logs)
	}
	filler := strings.Repeat("x", 2000)
	acked := map[string]int{}
	full := false
	for i := 0; i < 200 && !full; i++ {
		var evs []map[string]any
		for j := range 500 {
			evs = append(evs, map[string]any{"user": fmt.Sprintf("u%d", j%20), "type": "query", "text": fmt.Sprintf("%d-%d %s", i, j, filler)})
		}
		body, _ := json.Marshal(evs)
		code, resp := s.call(t, "POST", "/v1/events", string(body))
		switch code {
		case 200:
			for _, e := range evs {
				acked[e["user"].(string)]++
			}
		case 503:
			e, _ := resp["error"].(map[string]any)
			if e["code"] != "unavailable" || !strings.Contains(e["message"].(string), "disk is full") {
				t.Fatalf("disk full answered %v", resp)
			}
			full = true
		default:
			t.Fatalf("batch %d: %d %v", i, code, resp)
		}
	}
	if !full {
		t.Fatal("the file size limit was never reached")
	}
	// Still serving: health, reads, and a clear error for the next write.
	if code, _ := s.call(t, "GET", "/healthz", ""); code != 200 {
		t.Fatalf("healthz after disk full: %d", code)
	}
	if code, body := s.call(t, "GET", "/v1/users/u3/events?limit=5", ""); code != 200 {
		t.Fatalf("read after disk full: %d %v", code, body)
	}
	code, _ := s.call(t, "POST", "/v1/events", `[{"user":"late","type":"query","text":"`+strings.Repeat("y", 60000)+`"}]`)
	if code != 503 && code != 200 {
		t.Fatalf("write after disk full: %d", code)
	}
	if code == 200 {
		acked["late"]++
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	s.cmd.Wait()

	s2, _ := startLogged(t, nil, "-data-dir", data, "-encoder", "lexical", "-log-level", "warn", "-no-console")
	total := 0
	for u, n := range acked {
		_, body := s2.call(t, "GET", "/v1/users/"+u+"/events?limit=100000", "")
		if got := len(body["events"].([]any)); got != n {
			t.Fatalf("%s: %d events stored, %d acknowledged", u, got, n)
		}
		_, p := s2.call(t, "GET", "/v1/users/"+u+"/profile", "")
		if int(p["events"].(float64)) != n {
			t.Fatalf("%s: the profile counts %v events, %d acknowledged", u, p["events"], n)
		}
		total += n
	}
	if code, _ := s2.call(t, "POST", "/v1/events", `[{"user":"after","type":"query","text":"space again"}]`); code != 200 {
		t.Fatalf("ingestion after the limit is lifted: %d", code)
	}
	t.Logf("%d events acknowledged before the limit; all stored after the restart", total)
}
