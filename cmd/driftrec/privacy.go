package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/aggregate"
	"github.com/driftrec/driftrec/auth"
	"github.com/driftrec/driftrec/dp"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/httpapi"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/internal/keyfile"
	"github.com/driftrec/driftrec/pseudonym"
	"github.com/driftrec/driftrec/seal"
)

// The secrets come from files (flags) or from environment variables that
// hold the key itself; there are no flags for the keys themselves, so a
// key never shows in a process list.
const (
	masterKeyEnv    = "DRIFTREC_MASTER_KEY"
	pseudonymKeyEnv = "DRIFTREC_PSEUDONYM_KEY"
)

// privacyFlags configure how every command that opens the store keeps
// user data: encryption at rest, pseudonyms, text retention.
type privacyFlags struct {
	masterKeyFile    string
	pseudonymKeyFile string
	textRetention    string
}

func (p *privacyFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&p.masterKeyFile, "master-key-file", "", "encrypt event texts and profiles at rest under this master key file (64 hex digits, mode 600; make one with \"driftrec masterkey new\"); or set "+masterKeyEnv)
	fs.StringVar(&p.pseudonymKeyFile, "pseudonym-key-file", "", "store keyed hashes (HMAC-SHA-256) of user IDs instead of the IDs, with this key file; or set "+pseudonymKeyEnv+". Chosen when a store is created")
	fs.StringVar(&p.textRetention, "text-retention", "30d", "keep the raw texts of events (queries, comments) this long, e.g. 30d or 720h; 0 keeps them forever")
}

// secret reads a key from a file flag or its environment variable.
func secret(file, env, what string) ([]byte, error) {
	v, inEnv := os.LookupEnv(env)
	switch {
	case file != "" && inEnv:
		return nil, fmt.Errorf("the %s is given both as a file and in %s; give one", what, env)
	case file != "":
		k, err := keyfile.Read(file)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		return k, nil
	case inEnv:
		k, err := keyfile.Parse([]byte(v))
		if err != nil {
			return nil, fmt.Errorf("%s in %s: %w", what, env, err)
		}
		return k, nil
	}
	return nil, nil
}

// keyring returns the sealer for -master-key-file, nil without one.
func (p *privacyFlags) keyring() (*seal.Keyring, error) {
	k, err := secret(p.masterKeyFile, masterKeyEnv, "master key")
	if err != nil || k == nil {
		return nil, err
	}
	m, err := seal.MasterKeyFrom(k)
	if err != nil {
		return nil, err
	}
	return seal.NewKeyring(m), nil
}

// retention parses -text-retention.
func (p *privacyFlags) retention() (time.Duration, error) {
	if p.textRetention == "" || p.textRetention == "0" {
		return 0, nil
	}
	var d interest.Duration
	if err := d.UnmarshalText([]byte(p.textRetention)); err != nil || d < 0 {
		return 0, fmt.Errorf("-text-retention %q: want a duration such as 30d or 720h, or 0", p.textRetention)
	}
	return time.Duration(d), nil
}

// bind checks the store against the configured keys (a store made with a
// key cannot be opened without it, nor with another) and wraps it for
// pseudonyms.
func (p *privacyFlags) bind(ctx context.Context, st driftrec.Store, kr *seal.Keyring) (driftrec.Store, error) {
	if kr != nil {
		if err := seal.Bind(ctx, st, kr); err != nil {
			return nil, err
		}
	} else if err := seal.RequireUnsealed(ctx, st); err != nil {
		return nil, err
	}
	key, err := secret(p.pseudonymKeyFile, pseudonymKeyEnv, "pseudonym key")
	if err != nil {
		return nil, err
	}
	if key == nil {
		if err := pseudonym.RequireNone(ctx, st); err != nil {
			return nil, err
		}
		return st, nil
	}
	if err := pseudonym.Bind(ctx, st, key); err != nil {
		return nil, err
	}
	return pseudonym.New(st, key)
}

// policy describes the configured storage for user exports.
func (p *privacyFlags) policy(kr *seal.Keyring) httpapi.DataPolicy {
	d, _ := p.retention()
	_, env := os.LookupEnv(pseudonymKeyEnv)
	return httpapi.DataPolicy{Pseudonyms: p.pseudonymKeyFile != "" || env, EncryptedAtRest: kr != nil, TextRetention: d}
}

// accessFlags configure serve's access control and statistics.
type accessFlags struct {
	keysFile      string
	corsOrigins   string
	rateLimit     float64
	rateBurst     int
	dpEpsilon     float64
	dpDelta       float64
	dpWindow      time.Duration
	retentionRuns time.Duration
	drainDelay    time.Duration
}

func (a *accessFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.keysFile, "api-keys-file", "", "API keys file (default api-keys.json in -data-dir); once it exists (\"driftrec keys create\" makes it), every request needs a key")
	fs.StringVar(&a.corsOrigins, "cors-origins", "", "comma-separated origins whose browsers may call the API, or *; empty: none")
	fs.Float64Var(&a.rateLimit, "rate-limit", 0, "requests per second allowed to each client (API key, or address without one); 0: no limit")
	fs.IntVar(&a.rateBurst, "rate-burst", 0, "requests a client may send at once above -rate-limit (default twice the rate)")
	fs.Float64Var(&a.dpEpsilon, "dp-epsilon", dp.DefaultBudget().Epsilon, "privacy budget ε of the statistics (/v1/stats) per -dp-window; each release spends ε = 1")
	fs.Float64Var(&a.dpDelta, "dp-delta", dp.DefaultBudget().Delta, "privacy budget δ per -dp-window")
	fs.DurationVar(&a.dpWindow, "dp-window", dp.DefaultBudget().Window, "release window of the statistics: each is computed once per window")
	fs.DurationVar(&a.retentionRuns, "retention-interval", time.Hour, "how often expired texts are removed (they go within this long of expiring)")
	fs.DurationVar(&a.drainDelay, "drain-delay", 0, "on SIGTERM, answer /readyz with 503 this long before closing the listener, so load balancers stop sending first")
}

// options builds the server options: access control, statistics and the
// data policy.
func (a *accessFlags) options(ctx context.Context, c *common, eng *engine.Engine, kr *seal.Keyring, log *slog.Logger) ([]httpapi.Option, *httpapi.Access, error) {
	path := a.keysFile
	if path == "" {
		path = filepath.Join(c.dataDir, "api-keys.json")
	}
	keys, err := auth.Open(path)
	if err != nil {
		return nil, nil, err
	}
	var origins []string
	for _, o := range strings.Split(a.corsOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			origins = append(origins, o)
		}
	}
	if a.rateLimit < 0 || a.rateBurst < 0 {
		return nil, nil, errors.New("-rate-limit and -rate-burst must not be negative")
	}
	access := httpapi.NewAccess(httpapi.AccessConfig{Keys: keys, CORSOrigins: origins, RatePerSecond: a.rateLimit, RateBurst: a.rateBurst})
	cfg := aggregate.DefaultConfig()
	cfg.Budget = dp.Budget{Epsilon: a.dpEpsilon, Delta: a.dpDelta, Window: a.dpWindow}
	rel, err := aggregate.New(eng, cfg)
	if err != nil {
		return nil, nil, err
	}
	return []httpapi.Option{httpapi.WithAccess(access), httpapi.WithReleases(rel), httpapi.WithDataPolicy(c.privacy.policy(kr))}, access, nil
}

// warnIfOpen says loudly when a server reachable from other machines has
// no API keys.
func (a *accessFlags) warnIfOpen(addr string, log *slog.Logger, c *common) {
	path := a.keysFile
	if path == "" {
		path = filepath.Join(c.dataDir, "api-keys.json")
	}
	if _, err := os.Stat(path); err == nil {
		return // a keys file exists: every request needs a key
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return
	}
	if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
		return
	}
	log.Warn("SERVING WITHOUT API KEYS ON A NON-LOOPBACK ADDRESS: anyone who can reach it can read and delete every user's data; create a key with \"driftrec keys create\"", "addr", addr)
}

// runRetention enforces text retention every interval until ctx ends.
func runRetention(ctx context.Context, eng *engine.Engine, every time.Duration, log *slog.Logger) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			res, err := eng.ExpireTexts(ctx)
			if err != nil {
				if ctx.Err() == nil {
					log.Error("text retention failed; it runs again at the next interval", "err", err)
				}
				continue
			}
			if res.Events > 0 || res.Profiles > 0 {
				log.Info("expired event texts", "before", res.Before, "events", res.Events, "profiles", res.Profiles)
			}
		}
	}
}
