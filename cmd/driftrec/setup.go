package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/collab"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/index"
)

// common holds the flags every command that opens the engine shares.
type common struct {
	configFile string
	dataDir    string
	store      string
	encoder    string
	models     string
	logLevel   string
	quiet      bool
	remote     remoteFlags
	privacy    privacyFlags // privacy.go

	durability   string
	collabFile   string
	collabWeight float64
	indexKind    string
	annThreshold int
	annStorage   string
	annEf        int
	annM         int

	// Model overrides; negative or empty means "from the config file".
	alpha        float64
	maxInterests int
	halfLife     string

	fileCfg fileConfig
}

// fileConfig is the optional TOML configuration file.
type fileConfig struct {
	Addr     string        `toml:"addr"`
	DataDir  string        `toml:"data_dir"`
	Store    string        `toml:"store"`
	Encoder  string        `toml:"encoder"`
	Models   string        `toml:"models"`
	LogLevel string        `toml:"log_level"`
	Engine   engine.Config `toml:"engine"`
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.configFile, "config", "", "optional TOML configuration file")
	fs.StringVar(&c.dataDir, "data-dir", "./data", "folder of the embedded store")
	fs.StringVar(&c.store, "store", "", "store: empty for the embedded store in -data-dir, or a postgres:// URL")
	fs.StringVar(&c.encoder, "encoder", "auto", encoderHelp)
	fs.StringVar(&c.remote.url, "remote-url", "", "remote encoder: base URL of an OpenAI-compatible embeddings server, e.g. http://127.0.0.1:11434/v1")
	fs.StringVar(&c.remote.model, "remote-model", "", "remote encoder: model name")
	fs.StringVar(&c.remote.apiKey, "remote-api-key", "", "remote encoder: API key (prefer the DRIFTREC_REMOTE_API_KEY environment variable)")
	fs.StringVar(&c.models, "models", defaultModels(), "folder of pretrained model files (see scripts/fetch-models.sh)")
	fs.StringVar(&c.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&c.quiet, "quiet", false, "no progress bars (for scripts)")
	fs.StringVar(&c.durability, "durability", "fsync", "embedded store: fsync (an acknowledged event survives power loss) or process (it survives the process being killed, not power loss; no fsync per commit)")
	fs.StringVar(&c.collabFile, "collab", "", "model from driftrec train: item vectors learned from the event log, joined to the encoder's")
	fs.Float64Var(&c.collabWeight, "collab-weight", 0.5, "weight of the learned part in similarities (0..1)")
	fs.StringVar(&c.indexKind, "index", "auto", "item index: auto (exact scan, switching to HNSW above -ann-threshold items), exact, or hnsw")
	fs.IntVar(&c.annThreshold, "ann-threshold", index.DefaultAutoThreshold, "catalogue size at which -index auto switches to HNSW")
	fs.StringVar(&c.annStorage, "ann-storage", "int4", "HNSW vector storage for the graph walk: int4 (default; half the bytes of int8, walks a fifth to two fifths faster at 1,536-d at equal recall, docs/ann.md), int8, float16 or float32; results are re-ranked with the float32 originals")
	fs.IntVar(&c.annM, "ann-m", 0, "HNSW M, the links per node of a new graph (twice that on the bottom layer); 0 keeps the index default, 16. Fewer links walk faster at the same ef but need a larger ef for the same recall (docs/ann.md)")
	fs.IntVar(&c.annEf, "ann-ef", 0, "HNSW efSearch, the candidate list of a graph walk (a query for k items uses at least k); 0 keeps the index default, 96 (docs/ann.md has recall and latency by ef)")
	c.privacy.register(fs)
	fs.Float64Var(&c.alpha, "alpha", -1, "default fusion weight α of the current session (0..1; -1 keeps the configured value)")
	fs.IntVar(&c.maxInterests, "max-interests", 0, "long-term interests per user (0 keeps the configured value)")
	fs.StringVar(&c.halfLife, "half-life", "", "half-life of long-term interests, e.g. 720h or 30d (empty keeps the configured value)")
}

func defaultModels() string {
	if v := os.Getenv("DRIFTREC_MODELS"); v != "" {
		return v
	}
	return "./models"
}

// parse parses the command line, fills flags not given from the
// environment, then from the config file.
func (c *common) parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return c.load(fs)
}

// openEngine makes the logger and opens the engine.
func (c *common) openEngine(ctx context.Context, stderr io.Writer) (*engine.Engine, error) {
	log, err := c.logger(stderr)
	if err != nil {
		return nil, err
	}
	return c.open(ctx, log)
}

// load reads the config file (if any) and applies it under flags that were
// not set explicitly.
func (c *common) load(fs *flag.FlagSet) error {
	c.fileCfg.Engine = engine.DefaultConfig()
	if c.configFile == "" {
		return nil
	}
	md, err := toml.DecodeFile(c.configFile, &c.fileCfg)
	if err != nil {
		return fmt.Errorf("config file %s: %w", c.configFile, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return fmt.Errorf("config file %s: unknown keys %v", c.configFile, und)
	}
	explicit := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { explicit[f.Name] = true })
	for name, v := range map[string]string{
		"data-dir": c.fileCfg.DataDir, "store": c.fileCfg.Store, "encoder": c.fileCfg.Encoder,
		"models": c.fileCfg.Models, "log-level": c.fileCfg.LogLevel, "addr": c.fileCfg.Addr,
	} {
		if v == "" || explicit[name] || os.Getenv("DRIFTREC_"+strings.ToUpper(strings.ReplaceAll(name, "-", "_"))) != "" {
			continue
		}
		if fs.Lookup(name) != nil {
			if err := fs.Set(name, v); err != nil {
				return fmt.Errorf("config file %s: %s: %w", c.configFile, name, err)
			}
		}
	}
	return nil
}

func (c *common) engineConfig() (engine.Config, error) {
	cfg := c.fileCfg.Engine
	if cfg.MaxBatch == 0 {
		cfg = engine.DefaultConfig()
	}
	if c.alpha >= 0 {
		if c.alpha > 1 {
			return cfg, fmt.Errorf("-alpha must be between 0 and 1")
		}
		cfg.Interest.Alpha = c.alpha
	}
	if c.maxInterests > 0 {
		cfg.Interest.MaxInterests = c.maxInterests
	}
	if c.halfLife != "" {
		if err := cfg.Interest.HalfLife.UnmarshalText([]byte(c.halfLife)); err != nil {
			return cfg, fmt.Errorf("-half-life: %w", err)
		}
	}
	return cfg, cfg.Interest.Validate()
}

func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	return slog.New(redactLogs(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))), nil // redact.go
}

// indexConfig is the configured item index.
func (c *common) indexConfig(log *slog.Logger) (index.Config, error) {
	storage, err := index.ParseStorage(c.annStorage)
	if err != nil {
		return index.Config{}, fmt.Errorf("-ann-storage: %w", err)
	}
	if c.annEf < 0 {
		return index.Config{}, fmt.Errorf("-ann-ef: must be 0 (the default) or positive, got %d", c.annEf)
	}
	if c.annM < 0 {
		return index.Config{}, fmt.Errorf("-ann-m: must be 0 (the default) or 2 to 128, got %d", c.annM)
	}
	cfg := index.Config{AutoThreshold: c.annThreshold, HNSW: index.HNSWConfig{Storage: storage, EfSearch: c.annEf, M: c.annM}, Logger: log}
	if _, err := index.NewHNSW(cfg.HNSW); err != nil {
		return index.Config{}, fmt.Errorf("-ann-m/-ann-ef: %w", err)
	}
	switch c.indexKind {
	case "auto", "":
		cfg.Kind = index.KindAuto
	case "exact":
		cfg.Kind = index.KindExact
	case "hnsw":
		cfg.Kind = index.KindHNSW
	default:
		return index.Config{}, fmt.Errorf("-index %q: want auto, exact or hnsw", c.indexKind)
	}
	return cfg, nil
}

// indexSnapshotLoader reads a graph snapshot for the configured index: it
// refuses one built with another vector storage and gives the graph the
// configured search parameters (the snapshot carries the old ones).
func indexSnapshotLoader(cfg index.Config) engine.IndexLoader {
	return func(ctx context.Context, r io.Reader) (index.Index, error) {
		if cfg.Kind == index.KindExact {
			return nil, fmt.Errorf("-index exact keeps no graph")
		}
		g, err := index.LoadHNSW(ctx, r)
		if err != nil {
			return nil, err
		}
		if got := g.Config().Storage; got != cfg.HNSW.Storage {
			return nil, fmt.Errorf("the snapshot's graph stores %v vectors, -ann-storage asks for %v", got, cfg.HNSW.Storage)
		}
		if m := cfg.HNSW.M; m != 0 && g.Config().M != m {
			return nil, fmt.Errorf("the snapshot's graph has M %d, -ann-m asks for %d", g.Config().M, m)
		}
		ef := cfg.HNSW.EfSearch
		if ef == 0 {
			ef = index.DefaultEfSearch
		}
		g.SetSearchParams(ef, cfg.HNSW.FlatFilterLimit)
		if cfg.Kind == index.KindHNSW {
			return g, nil
		}
		return index.AutoWithGraph(cfg, g)
	}
}

func (c *common) isPostgres() bool {
	return strings.HasPrefix(c.store, "postgres://") || strings.HasPrefix(c.store, "postgresql://")
}

// openStore opens the configured store, sealed and pseudonymised as the
// privacy flags say (privacy.go).
func (c *common) openStore(ctx context.Context, log *slog.Logger) (driftrec.Store, error) {
	kr, err := c.privacy.keyring()
	if err != nil {
		return nil, err
	}
	var sealer driftrec.Sealer
	if kr != nil {
		sealer = kr
	}
	st, err := c.openBackend(ctx, log, sealer)
	if err != nil {
		return nil, err
	}
	wrapped, err := c.privacy.bind(ctx, st, kr)
	if err != nil {
		st.Close()
		return nil, err
	}
	return wrapped, nil
}

// openBackend opens the embedded store or PostgreSQL with sealer, without
// the pseudonym layer (key rotation works below it).
func (c *common) openBackend(ctx context.Context, log *slog.Logger, sealer driftrec.Sealer) (driftrec.Store, error) {
	if c.isPostgres() {
		return openPostgres(ctx, c.store, log, sealer)
	}
	return c.openEmbedded(log, sealer)
}

func (c *common) openEmbedded(log *slog.Logger, sealer driftrec.Sealer) (driftrec.Store, error) {
	if c.store != "" && c.store != "bolt" {
		return nil, fmt.Errorf("-store %q: want empty (embedded) or a postgres:// URL", c.store)
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data folder: %w", err)
	}
	var noSync bool
	switch c.durability {
	case "fsync", "":
	case "process":
		noSync = true
	default:
		return nil, fmt.Errorf("-durability %q: want fsync or process", c.durability)
	}
	return openBolt(filepath.Join(c.dataDir, "driftrec.db"), noSync, log, sealer)
}

// open opens store, encoder and engine.
func (c *common) open(ctx context.Context, log *slog.Logger) (*engine.Engine, error) {
	cfg, err := c.engineConfig()
	if err != nil {
		return nil, err
	}
	enc, err := openEncoder(ctx, c.encoder, c.models, c.remote, log)
	if err != nil {
		return nil, err
	}
	if c.collabFile != "" {
		if enc, err = withCollab(enc, c.collabFile, c.collabWeight); err != nil {
			return nil, err
		}
	}
	st, err := c.openStore(ctx, log)
	if err != nil {
		return nil, err
	}
	if c.isPostgres() && cfg.ProfileFlush > 0 {
		// Replicas share the database: each must see the others' profile
		// updates, so profiles are written with every commit.
		cfg.ProfileFlush = 0
	}
	icfg, err := c.indexConfig(log)
	if err != nil {
		st.Close()
		return nil, err
	}
	idx, err := index.New(icfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	opts := []engine.Option{engine.WithLogger(log), engine.WithIndex(idx)}
	if !c.isPostgres() {
		// Next to the embedded store; replicas on PostgreSQL build theirs.
		opts = append(opts, engine.WithIndexSnapshot(filepath.Join(c.dataDir, "index.snapshot"), indexSnapshotLoader(icfg)))
	}
	retention, err := c.privacy.retention()
	if err != nil {
		st.Close()
		return nil, err
	}
	eng, err := engine.Open(ctx, st, enc, cfg, append(opts, engine.WithTextRetention(retention))...)
	if err != nil {
		st.Close()
		return nil, err
	}
	return eng, nil
}

// withCollab joins the model from driftrec train to the text encoder.
func withCollab(enc driftrec.Encoder, path string, weight float64) (driftrec.Encoder, error) {
	if weight <= 0 || weight >= 1 {
		return nil, fmt.Errorf("-collab-weight must be between 0 and 1 (exclusive)")
	}
	m, err := collab.LoadFile(path)
	if err != nil {
		return nil, err
	}
	return collab.NewEncoder(enc, m, collab.Split(m, weight))
}
