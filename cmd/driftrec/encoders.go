package main

import (
	"fmt"
	"path/filepath"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/uselite"
)

// openEncoder builds the encoder named by spec.
func openEncoder(spec, models string) (driftrec.Encoder, error) {
	switch {
	case spec == "" || spec == "lexical":
		return lexical.New(lexical.Options{}), nil
	case spec == "use-lite":
		enc, err := uselite.Load(filepath.Join(models, "use-lite"))
		if err != nil {
			return nil, fmt.Errorf("encoder use-lite: %w", err)
		}
		return enc, nil
	}
	return nil, fmt.Errorf("unknown encoder %q: want lexical, use-lite or hf:/path", spec)
}
