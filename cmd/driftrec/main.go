// Command driftrec is the single binary of the driftrec service: it serves
// the HTTP API and web console, imports data, evaluates and trains models,
// and runs benchmarks. It is the only place where concrete storage,
// encoders and transports are wired together.
//
// Usage:
//
//	driftrec <command> [flags]
//
// Run "driftrec help" for the list of commands and "driftrec <command>
// -h" for a command's flags. Every flag can also be set by an environment
// variable DRIFTREC_<FLAG> (upper case, dashes as underscores) or in the
// TOML file named by -config; flags win over the environment, which wins
// over the file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// command is one subcommand.
type command struct {
	name  string
	short string
	run   func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API and web console", runServe},
		{"demo", "load demo data (MovieLens when present) and serve it with the web console", runDemo},
		{"import", "import items or events from CSV or JSONL files", runImport},
		{"recommend", "print recommendations for a user from the store", runRecommend},
		{"embed", "print the vector of a text with the configured encoder", runEmbed},
		{"reindex", "re-embed the catalogue and rebuild profiles after a model change", runReindex},
		{"bench", "load-test a server on this machine (ingestion, latency, memory)", runBench},
		{"eval", "evaluate recommenders offline on MovieLens or an event log", runEval},
		{"train", "learn collaborative item vectors and a text adapter from the event log", runTrain},
		{"keys", "create, list and revoke API keys", runKeys},
		{"masterkey", "make a master (or pseudonym) key, or rotate the master key of a store", runMasterKey},
		{"compact", "rewrite the embedded store without the leftovers of deleted data (server stopped)", runCompact},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			err := c.run(ctx, args[1:], stdout, stderr)
			switch {
			case err == nil:
				return 0
			case errors.Is(err, flag.ErrHelp):
				return 0
			case errors.Is(err, errUsage):
				return 2
			}
			fmt.Fprintf(stderr, "driftrec %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "driftrec: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

// errUsage reports a command-line mistake already explained to the user.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprintln(w, "driftrec: dynamic user-interest tracking and explained recommendations")
	fmt.Fprintln(w, "\nUsage: driftrec <command> [flags]\n\nCommands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.short)
	}
	fmt.Fprintln(w, "\nFlags may also come from DRIFTREC_<FLAG> environment variables or a -config TOML file.")
}

// parseFlags parses args and then fills every flag not given on the
// command line from the environment (DRIFTREC_<NAME>).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if set[f.Name] {
			return
		}
		env := "DRIFTREC_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(env); ok {
			if err := fs.Set(f.Name, v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", env, v, err))
			}
		}
	})
	return errors.Join(errs...)
}

func runVersion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fmt.Fprintln(stdout, "driftrec", version)
	return nil
}
