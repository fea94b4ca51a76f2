package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/driftrec/driftrec/demo"
	"github.com/driftrec/driftrec/httpapi"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "listen address")
	withDemo := fs.Bool("demo", false, "load the bundled demo catalogue and users when the catalogue is empty")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); serve HTTPS when set with -tls-key")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM)")
	maxBody := fs.Int64("max-body", 16<<20, "largest request body in bytes")
	var cf consoleFlags
	cf.register(fs)
	var af accessFlags // privacy.go
	af.register(fs)
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("-tls-cert and -tls-key go together")
	}
	log, err := c.logger(stderr)
	if err != nil {
		return err
	}
	extra, err := cf.options(log)
	if err != nil {
		return err
	}
	eng, err := c.open(ctx, log)
	if err != nil {
		return err
	}
	defer eng.Close()
	if *withDemo && eng.Items() == 0 {
		n, err := demo.Load(ctx, eng)
		if err != nil {
			return fmt.Errorf("load demo: %w", err)
		}
		log.Info("demo loaded", "items", n.Items, "events", n.Events, "users", n.Users)
	}
	kr, err := c.privacy.keyring()
	if err != nil {
		return err
	}
	guard, access, err := af.options(ctx, &c, eng, kr, log)
	if err != nil {
		return err
	}
	extra = append(extra, guard...)
	af.warnIfOpen(*addr, log, &c)
	retentionCtx, stopRetention := context.WithCancel(ctx)
	retentionDone := make(chan struct{})
	go func() { defer close(retentionDone); runRetention(retentionCtx, eng, af.retentionRuns, log) }()
	defer func() { stopRetention(); <-retentionDone }() // before eng.Close
	srv := httpapi.New(eng, httpapi.Config{MaxBodyBytes: *maxBody, Version: version}, append([]httpapi.Option{httpapi.WithLogger(log)}, extra...)...)
	srv.Registry().MustRegister(storeCollectors(eng.Store())...)
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          nil,
		TLSConfig:         &tls.Config{MinVersion: tls.VersionTLS12},
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	log.Info("serving", "url", fmt.Sprintf("%s://%s", scheme, ln.Addr()), "encoder", eng.Encoder().ID(), "items", eng.Items())
	// The address line on stdout lets scripts and tests find a port chosen
	// with :0.
	fmt.Fprintf(stdout, "listening on %s://%s\n", scheme, ln.Addr())
	errc := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			errc <- hs.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("shutting down")
	access.Drain()
	if af.drainDelay > 0 {
		time.Sleep(af.drainDelay)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
