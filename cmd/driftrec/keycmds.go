package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/driftrec/driftrec/auth"
	"github.com/driftrec/driftrec/bolt"
	"github.com/driftrec/driftrec/internal/keyfile"
	"github.com/driftrec/driftrec/seal"
)

// runKeys manages API keys: driftrec keys create|list|revoke.
func runKeys(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintln(stderr, "Usage:\n  driftrec keys create -name NAME -scopes read,ingest,admin\n  driftrec keys list\n  driftrec keys revoke ID")
		fmt.Fprintln(stderr, "\nKeys live in -api-keys-file (default api-keys.json in -data-dir); a running server picks up changes within a second.")
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	sub := args[0]
	fs := flag.NewFlagSet("keys "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./data", "folder of the embedded store")
	file := fs.String("api-keys-file", "", "API keys file (default api-keys.json in -data-dir)")
	name := fs.String("name", "", "create: who or what uses the key")
	scopes := fs.String("scopes", "read", "create: comma-separated scopes: read, ingest, admin")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	path := *file
	if path == "" {
		path = filepath.Join(*dataDir, "api-keys.json")
	}
	switch sub {
	case "create":
		sc, err := auth.ParseScopes(*scopes)
		if err != nil {
			return err
		}
		token, key, err := auth.Create(path, *name, sc, time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "created key %s (%s) with scopes %s; it is shown only now:\n", key.ID, key.Name, *scopes)
		fmt.Fprintln(stdout, token)
		return nil
	case "list":
		keys, err := auth.List(path)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tSCOPES\tCREATED")
		for _, k := range keys {
			sc := make([]string, len(k.Scopes))
			for i, s := range k.Scopes {
				sc[i] = string(s)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(sc, ","), k.Created.Format(time.RFC3339))
		}
		return tw.Flush()
	case "revoke":
		if fs.NArg() != 1 {
			usage()
			return errUsage
		}
		ok, err := auth.Revoke(path, fs.Arg(0))
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("no key with ID %q in %s", fs.Arg(0), path)
		}
		fmt.Fprintf(stdout, "revoked %s\n", fs.Arg(0))
		return nil
	}
	usage()
	return errUsage
}

// runMasterKey makes and rotates master keys: driftrec masterkey new|rotate.
func runMasterKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	usage := func() {
		fmt.Fprintln(stderr, "Usage:\n  driftrec masterkey new [-out FILE]\n  driftrec masterkey rotate -master-key-file OLD -new-master-key-file NEW [store flags]")
		fmt.Fprintln(stderr, "\n\"new\" also makes pseudonym keys (-pseudonym-key-file): both are 32 random bytes.")
	}
	if len(args) == 0 {
		usage()
		return errUsage
	}
	switch args[0] {
	case "new":
		fs := flag.NewFlagSet("masterkey new", flag.ContinueOnError)
		fs.SetOutput(stderr)
		out := fs.String("out", "", "write the key to this file (mode 600; an existing file is not replaced) instead of stdout")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		k, err := keyfile.New()
		if err != nil {
			return err
		}
		if *out == "" {
			fmt.Fprintln(stdout, k)
			return nil
		}
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := fmt.Fprintln(f, k); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "rotate":
		return rotateMasterKey(ctx, args[1:], stdout, stderr)
	}
	usage()
	return errUsage
}

func rotateMasterKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("masterkey rotate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	newFile := fs.String("new-master-key-file", "", "the master key to re-wrap every data key under")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if *newFile == "" {
		return errors.New("give -new-master-key-file (and the current key with -master-key-file or " + masterKeyEnv + ")")
	}
	old, err := c.privacy.keyring()
	if err != nil {
		return err
	}
	if old == nil {
		return errors.New("give the current master key with -master-key-file or " + masterKeyEnv)
	}
	next, err := seal.LoadMasterKey(*newFile)
	if err != nil {
		return err
	}
	kr := seal.NewKeyring(next, old.Current())
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	st, err := c.openBackend(ctx, log, kr)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := seal.Rotate(ctx, st, kr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-wrapped %d data keys under master key %s (was %s)\n", n, next.ID(), old.Current().ID())
	fmt.Fprintln(stdout, "Use the new key from now on. Destroying the old one makes every copy of a deleted user's data key — in backups, free pages, old database rows — unreadable; it also makes backups taken before now unreadable.")
	return nil
}

// runCompact rewrites the embedded store without the free pages that keep
// bytes of deleted and rewritten records.
func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := fs.String("data-dir", "./data", "folder of the embedded store")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	res, err := bolt.Compact(ctx, filepath.Join(*dataDir, "driftrec.db"))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "compacted %s: %d → %d bytes\n", filepath.Join(*dataDir, "driftrec.db"), res.BytesBefore, res.BytesAfter)
	return nil
}
