package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/loadgen"
)

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	// An in-process bench defaults to the lexical encoder, which needs no
	// model files and embeds a synthetic catalogue in seconds; -encoder,
	// DRIFTREC_ENCODER or the config file still choose another.
	fs.Lookup("encoder").DefValue = "lexical"
	c.encoder = "lexical"
	target := fs.String("target", "", "base URL of a running driftrec on this machine; empty starts one in this process on -store/-data-dir")
	items := fs.Int("items", 10000, "synthetic catalogue size")
	users := fs.Int("users", 1000, "synthetic users")
	duration := fs.Duration("duration", 10*time.Second, "length of each timed phase")
	clients := fs.String("clients", "1,8", "comma-separated client counts")
	batches := fs.String("batches", "1,100,1000", "comma-separated event batch sizes")
	out := fs.String("out", "", "also write the report as JSON to this file")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile (server and load generator) to this file, for go tool pprof")
	profilePhase := fs.String("cpuprofile-phase", "", "with -cpuprofile, profile only this timed phase: recommend:CLIENTS or ingest:BATCH:CLIENTS (e.g. recommend:8); empty profiles the whole run")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: driftrec bench [flags]\n\nA bounded load test on the loopback interface: catalogue load, durable ingestion")
		fmt.Fprintln(stderr, "(one event per request and batched), recommendation latency under concurrent clients,")
		fmt.Fprintln(stderr, "memory per item and per profile. Without -target it serves a fresh store in this process.")
		fs.PrintDefaults()
	}
	if err := c.parse(fs, args); err != nil {
		return err
	}
	cl, err := intList(*clients)
	if err != nil {
		return fmt.Errorf("-clients: %w", err)
	}
	bt, err := intList(*batches)
	if err != nil {
		return fmt.Errorf("-batches: %w", err)
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	inProcess := *target == ""
	if inProcess {
		if !flagSet(fs, "data-dir") && !c.isPostgres() {
			dir, err := os.MkdirTemp("", "driftrec-bench")
			if err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			c.dataDir = dir
		}
		eng, err := c.open(ctx, log)
		if err != nil {
			return err
		}
		defer eng.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		hs := &http.Server{Handler: httpapi.New(eng, httpapi.Config{Version: version}).Handler(), ReadHeaderTimeout: 10 * time.Second}
		go hs.Serve(ln)
		defer hs.Close()
		*target = "http://" + ln.Addr().String()
		fmt.Fprintf(stderr, "serving %s with encoder %s, store %s\n", *target, eng.Encoder().ID(), storeName(&c))
	}
	if *profilePhase != "" && *cpuProfile == "" {
		return fmt.Errorf("-cpuprofile-phase needs -cpuprofile")
	}
	var around func(name string, clients, batch int) func()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if *profilePhase == "" {
			if err := pprof.StartCPUProfile(f); err != nil {
				return fmt.Errorf("-cpuprofile: %w", err)
			}
			defer pprof.StopCPUProfile()
		} else {
			around = func(name string, clients, batch int) func() {
				if phaseLabel(name, clients, batch) != *profilePhase {
					return nil
				}
				if err := pprof.StartCPUProfile(f); err != nil {
					fmt.Fprintf(stderr, "-cpuprofile: %v\n", err)
					return nil
				}
				return pprof.StopCPUProfile
			}
		}
	}
	progress := func(p string) {
		if !c.quiet {
			fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05"), p)
		}
	}
	cfg := loadgen.Config{
		Target: *target, Items: *items, Users: *users, Duration: *duration,
		Clients: cl, Batches: bt, Seed: 1, Around: around,
	}
	if inProcess {
		cfg.Settle = runtime.GC
	}
	rep, err := loadgen.Run(ctx, cfg, progress)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\tclients\tbatch\tunits/s\tp50 ms\tp99 ms\tp99.9 ms\terrors\t")
	for _, ph := range rep.Phases {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t\n", ph.Name, ph.Clients, ph.Batch, ph.Rate, ph.P50ms, ph.P99ms, ph.P999ms, ph.Errors)
	}
	tw.Flush()
	m := rep.Memory
	fmt.Fprintf(stdout, "memory: RSS %.0f MB after items, %.0f MB after profiles; heap %.0f bytes/item, %.0f bytes/profile\n",
		m.AfterItems.RSSBytes/1e6, m.AfterProfiles.RSSBytes/1e6, m.AfterItems.BytesPerItem, m.AfterProfiles.BytesPerUser)
	if *out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return fmt.Errorf("-out: %w", err)
		}
		if err := os.WriteFile(*out, b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// phaseLabel names a timed phase as -cpuprofile-phase does.
func phaseLabel(name string, clients, batch int) string {
	if name == "ingest" {
		return fmt.Sprintf("ingest:%d:%d", batch, clients)
	}
	return fmt.Sprintf("%s:%d", name, clients)
}

func storeName(c *common) string {
	if c.isPostgres() {
		return "postgres"
	}
	return "bolt (" + c.dataDir + ")"
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	env := "DRIFTREC_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	_, inEnv := os.LookupEnv(env)
	return set || inEnv
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%q is not a list of positive integers", s)
		}
		out = append(out, n)
	}
	return out, nil
}
