package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashScale is the size of TestCrashUnderLoad, small by default so that
// CI runs it on every change; scripts/crash-test.sh sets the variables for
// a heavy run.
type crashScale struct {
	clients, usersPerClient, batch, killAfter, rounds int
	durability                                        string
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func loadCrashScale() crashScale {
	s := crashScale{
		clients:        envInt("DRIFTREC_CRASH_CLIENTS", 4),
		usersPerClient: envInt("DRIFTREC_CRASH_USERS", 3),
		batch:          envInt("DRIFTREC_CRASH_BATCH", 20),
		killAfter:      envInt("DRIFTREC_CRASH_KILL_AFTER", 400),
		rounds:         envInt("DRIFTREC_CRASH_ROUNDS", 2),
		durability:     os.Getenv("DRIFTREC_CRASH_DURABILITY"),
	}
	if s.durability == "" {
		s.durability = "fsync"
	}
	return s
}

// sentEvent is an event a client sent, identified by the token in its
// text.
type sentEvent struct {
	Token string
	JSON  map[string]any
}

// crashLoad is the ledger of what the clients sent and what the server
// acknowledged, per user in sending order.
type crashLoad struct {
	mu    sync.Mutex
	sent  map[string][]sentEvent
	acked map[string]map[string]bool
	total atomic.Int64
}

var crashWords = []string{"running shoes", "coffee mug", "camping tent", "sourdough bread", "trail insoles", "espresso beans", "跑鞋", "咖啡杯", "面包", "帐篷"}

// drive sends batches for the client's users until the server stops
// answering or stop closes; every batch acknowledged with 200 is recorded.
func (l *crashLoad) drive(url string, client, users, batch, round int, clock *atomic.Int64, stop <-chan struct{}) {
	hc := &http.Client{Timeout: 30 * time.Second}
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		var evs []map[string]any
		var toks []sentEvent
		for k := range batch {
			user := fmt.Sprintf("r%d-c%d-u%d", round, client, (i*batch+k)%users)
			tok := fmt.Sprintf("tok-%d-%d-%d-%d", round, client, i, k)
			ev := map[string]any{"user": user, "type": "query", "text": tok + " " + crashWords[(i+k)%len(crashWords)],
				"ts": time.Unix(1_700_000_000+clock.Add(1), 0).UTC().Format(time.RFC3339)}
			if k%3 == 2 {
				ev["type"], ev["item"] = "click", fmt.Sprintf("item-%d", (i+k)%20)
			}
			evs = append(evs, ev)
			toks = append(toks, sentEvent{Token: tok, JSON: ev})
		}
		l.mu.Lock()
		for _, s := range toks {
			u := s.JSON["user"].(string)
			l.sent[u] = append(l.sent[u], s)
		}
		l.mu.Unlock()
		body, _ := json.Marshal(evs)
		resp, err := hc.Post(url+"/v1/events", "application/json", bytes.NewReader(body))
		if err != nil {
			return // the server is gone: this batch is neither acknowledged nor refused
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return
		}
		l.mu.Lock()
		for _, s := range toks {
			u := s.JSON["user"].(string)
			if l.acked[u] == nil {
				l.acked[u] = map[string]bool{}
			}
			l.acked[u][s.Token] = true
		}
		l.mu.Unlock()
		l.total.Add(int64(len(toks)))
	}
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), "GET", url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, out)
	}
	return out
}

// TestCrashUnderLoad kills the server with SIGKILL in the middle of heavy
// concurrent ingestion, several times, and checks after each restart that
// every acknowledged event is stored, that nothing was stored that was
// never sent, and that every profile is consistent: it counts exactly the
// stored events and equals the profile that replaying them builds. It runs
// with encryption at rest and pseudonyms on, as a careful deployment
// would.
func TestCrashUnderLoad(t *testing.T) {
	sc := loadCrashScale()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	mk, pk := filepath.Join(dir, "master.key"), filepath.Join(dir, "pseudonym.key")
	writeKey(t, mk)
	writeKey(t, pk)
	args := []string{"-data-dir", data, "-encoder", "lexical", "-durability", sc.durability, "-master-key-file", mk, "-pseudonym-key-file", pk, "-log-level", "warn", "-no-console"}
	load := &crashLoad{sent: map[string][]sentEvent{}, acked: map[string]map[string]bool{}}
	var clock atomic.Int64

	for round := range sc.rounds {
		s, logs := startLogged(t, nil, args...)
		if round == 0 {
			var items []string
			for i := range 20 {
				items = append(items, fmt.Sprintf(`{"id":"item-%d","text":"%s %d"}`, i, crashWords[i%len(crashWords)], i))
			}
			if code, body := s.call(t, "PUT", "/v1/items", "["+strings.Join(items, ",")+"]"); code != 200 {
				t.Fatalf("items: %d %v", code, body)
			}
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		start := load.total.Load()
		for c := range sc.clients {
			wg.Add(1)
			go func() { defer wg.Done(); load.drive(s.url, c, sc.usersPerClient, sc.batch, round, &clock, stop) }()
		}
		deadline := time.Now().Add(10 * time.Minute)
		for load.total.Load()-start < int64(sc.killAfter) {
			if time.Now().After(deadline) {
				close(stop)
				t.Fatalf("round %d: only %d events acknowledged in 10 minutes\n%s", round, load.total.Load()-start, logs)
			}
			time.Sleep(5 * time.Millisecond)
		}
		// Mid-stream: the clients are still sending.
		if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		s.cmd.Wait()
		close(stop)
		wg.Wait()
		t.Logf("round %d: killed after %d acknowledged events (%d in all)", round, load.total.Load()-start, load.total.Load())
	}

	s, _ := startLogged(t, nil, args...)
	verify := func(what string) map[string]string {
		t.Helper()
		profiles := map[string]string{}
		at := time.Unix(1_700_000_000+clock.Load()+60, 0).UTC().Format(time.RFC3339)
		for user, sent := range load.sent {
			body := getJSON(t, s.url+"/v1/users/"+user+"/events?limit=100000")
			stored := body["events"].([]any)
			sentAt := map[string]int{}
			for i, e := range sent {
				sentAt[e.Token] = i
			}
			last := -1
			storedTok := map[string]bool{}
			for _, e := range stored {
				tok := strings.Fields(e.(map[string]any)["text"].(string))[0]
				i, ok := sentAt[tok]
				if !ok {
					t.Fatalf("%s: %s holds an event that was never sent: %v", what, user, e)
				}
				if i <= last {
					t.Fatalf("%s: %s's events are out of order", what, user)
				}
				last = i
				storedTok[tok] = true
			}
			for tok := range load.acked[user] {
				if !storedTok[tok] {
					t.Fatalf("%s: %s lost the acknowledged event %s", what, user, tok)
				}
			}
			if len(stored) == 0 {
				continue
			}
			p := getJSON(t, s.url+"/v1/users/"+user+"/profile?at="+at)
			if int(p["events"].(float64)) != len(stored) {
				t.Fatalf("%s: %s's profile counts %v events, the log holds %d", what, user, p["events"], len(stored))
			}
			delete(p, "user")
			b, _ := json.Marshal(p)
			profiles[user] = string(b)
		}
		return profiles
	}
	before := verify("after the crashes")

	// The profiles equal those that replaying the stored log builds.
	replayed := 0
	for user := range before {
		if replayed == 5 {
			break
		}
		replayed++
		body := getJSON(t, s.url+"/v1/users/"+user+"/events?limit=100000")
		var evs []map[string]any
		for _, e := range body["events"].([]any) {
			m := e.(map[string]any)
			delete(m, "seq")
			m["user"] = "replay-" + user
			evs = append(evs, m)
		}
		raw, _ := json.Marshal(evs)
		if code, b := s.call(t, "POST", "/v1/events", string(raw)); code != 200 {
			t.Fatalf("replay: %d %v", code, b)
		}
		at := time.Unix(1_700_000_000+clock.Load()+60, 0).UTC().Format(time.RFC3339)
		p := getJSON(t, s.url+"/v1/users/replay-"+user+"/profile?at="+at)
		delete(p, "user")
		b, _ := json.Marshal(p)
		if string(b) != before[user] {
			t.Fatalf("%s's profile differs from the replay of its log:\n stored %s\n replay %s", user, before[user], b)
		}
	}
	// A clean restart changes nothing.
	s.stop(t)
	s, _ = startLogged(t, nil, args...)
	after := verify("after a clean restart")
	for u, p := range before {
		if after[u] != p {
			t.Fatalf("%s's profile changed across a clean restart", u)
		}
	}
	t.Logf("%d events acknowledged by %d clients over %d kills; %d users checked, %d replayed", load.total.Load(), sc.clients, sc.rounds, len(before), replayed)
}
