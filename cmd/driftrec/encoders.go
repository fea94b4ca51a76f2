package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/bridge"
	"github.com/driftrec/driftrec/encoder/hf"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/remote"
	"github.com/driftrec/driftrec/encoder/uselite"
)

// encoderHelp lists the encoder names for flag help.
const encoderHelp = "encoder: auto (USE-Lite bridged to Chinese by CC-CEDICT, plus lexical; lexical alone when the model files are missing), bridge, use-lite, lexical, remote (see -remote-*), or hf:/path/to/sentence-transformers/folder"

// remoteFlags configure the remote encoder.
type remoteFlags struct {
	url, model, apiKey string
}

// openEncoder builds the encoder named by spec.
func openEncoder(ctx context.Context, spec, models string, rf remoteFlags, log *slog.Logger) (driftrec.Encoder, error) {
	switch {
	case spec == "auto" || spec == "":
		// The bridge needs both downloads; with either missing, serve
		// something rather than refuse to start.
		for _, dir := range []string{"use-lite", "cc-cedict"} {
			if _, err := os.Stat(filepath.Join(models, dir, ".complete")); errors.Is(err, fs.ErrNotExist) {
				log.Warn("pretrained files not found; using the lexical encoder (run scripts/fetch-models.sh for the default)", "models", models, "missing", dir)
				return lexical.New(lexical.Options{}), nil
			}
		}
		fallthrough
	case spec == "bridge":
		enc, err := bridge.Open(ctx, models, bridge.Options{Logger: log})
		if err != nil {
			return nil, fmt.Errorf("encoder %s: %w", spec, err)
		}
		return enc, nil
	case spec == "lexical":
		return lexical.New(lexical.Options{}), nil
	case spec == "use-lite":
		enc, err := uselite.Load(filepath.Join(models, "use-lite"))
		if err != nil {
			return nil, fmt.Errorf("encoder use-lite: %w", err)
		}
		return enc, nil
	case spec == "remote":
		enc, err := remote.New(ctx, remote.Config{BaseURL: rf.url, Model: rf.model, APIKey: rf.apiKey})
		if err != nil {
			return nil, err
		}
		return enc, nil
	case strings.HasPrefix(spec, "hf:"):
		return openHF(strings.TrimPrefix(spec, "hf:"))
	}
	return nil, fmt.Errorf("unknown encoder %q; want auto, bridge, use-lite, lexical, remote or hf:/path", spec)
}

func openHF(dir string) (driftrec.Encoder, error) {
	enc, err := hf.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("encoder hf:%s: %w", dir, err)
	}
	return enc, nil
}
