// Package bridge builds driftrec's default encoder: a dictionary-bridged,
// cross-lingual combination of the pretrained Universal Sentence Encoder
// Lite and the lexical encoder.
//
// USE-Lite knows English only; it maps Chinese to unknown tokens. Chinese
// text is therefore segmented and glossed into English over CC-CEDICT
// (package zh/gloss) before USE-Lite embeds it, so that 跑步时穿的鞋 and
// 运动鞋 meet in the pretrained semantic space, and Chinese queries match
// English items. The lexical encoder (character n-grams for Chinese, words
// and trigrams for Latin script) is concatenated with a small weight: it
// keeps exact names, codes and rare words that neither the dictionary nor
// the pretrained vocabulary knows. The weights were tuned on the labelled
// Chinese relevance set in zh/testdata (see TestWeights and
// docs/chinese.md).
package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"unicode"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/encoder/hybrid"
	"github.com/driftrec/driftrec/encoder/lexical"
	"github.com/driftrec/driftrec/encoder/uselite"
	"github.com/driftrec/driftrec/zh/cedict"
	"github.com/driftrec/driftrec/zh/gloss"
)

// Default weights of the parts in the similarity (see TestWeights).
const (
	DefaultSemanticWeight = 0.8
	DefaultLexicalWeight  = 0.2
	DefaultSynonyms       = 3
)

// Options configure Open. Zero values take the defaults.
type Options struct {
	SemanticWeight float64
	LexicalWeight  float64
	// Synonyms is how many senses of a Chinese word enter its gloss.
	Synonyms int
	// LexicalDim is the lexical part's dimension (default 1024).
	LexicalDim int
	// Logger receives the dictionary's conversion notice on first use;
	// nil means slog.Default().
	Logger *slog.Logger
}

// Encoder is the bridged encoder. Besides driftrec.Encoder it tells
// explanations which English gloss a Chinese text was embedded as.
type Encoder struct {
	*hybrid.Encoder
	glosser *gloss.Glosser
}

// Open loads USE-Lite from models/use-lite and CC-CEDICT from
// models/cc-cedict (see scripts/fetch-models.sh).
func Open(ctx context.Context, models string, opts Options) (*Encoder, error) {
	use, err := uselite.Load(filepath.Join(models, "use-lite"))
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	g, err := OpenGlosser(ctx, models, opts)
	if err != nil {
		return nil, err
	}
	return New(use, g, opts)
}

// OpenGlosser loads CC-CEDICT from models/cc-cedict as Open does.
func OpenGlosser(ctx context.Context, models string, opts Options) (*gloss.Glosser, error) {
	if opts.Synonyms <= 0 {
		opts.Synonyms = DefaultSynonyms
	}
	dict, err := cedict.Open(ctx, filepath.Join(models, "cc-cedict"), cedict.Options{Logger: opts.Logger})
	if err != nil {
		return nil, fmt.Errorf("bridge: %w", err)
	}
	return gloss.New(dict, gloss.Options{Synonyms: opts.Synonyms}), nil
}

// New builds the bridged encoder from its semantic encoder (USE-Lite, or
// an equivalent such as the evaluation's cached copy of it) and a glosser,
// with a fresh lexical part: its statistics are fitted per catalogue, so
// each engine needs its own Encoder.
func New(semantic driftrec.Encoder, g *gloss.Glosser, opts Options) (*Encoder, error) {
	if opts.SemanticWeight <= 0 {
		opts.SemanticWeight = DefaultSemanticWeight
	}
	if opts.LexicalWeight <= 0 {
		opts.LexicalWeight = DefaultLexicalWeight
	}
	h, err := hybrid.New(
		hybrid.Part{Encoder: gloss.NewEncoder(g, semantic), Weight: opts.SemanticWeight},
		hybrid.Part{Encoder: lexical.New(lexical.Options{Dim: opts.LexicalDim}), Weight: opts.LexicalWeight},
	)
	if err != nil {
		return nil, err
	}
	return &Encoder{Encoder: h, glosser: g}, nil
}

// Factory checks the parts once and returns a function that builds a
// fresh Encoder from them on each call, for callers that need one per
// engine (the lexical part's statistics are fitted per catalogue), such as
// the evaluation's replays.
func Factory(semantic driftrec.Encoder, g *gloss.Glosser, opts Options) (func() *Encoder, error) {
	if _, err := New(semantic, g, opts); err != nil {
		return nil, err
	}
	return func() *Encoder {
		e, err := New(semantic, g, opts)
		if err != nil {
			panic(fmt.Sprintf("bridge: parts that built an encoder failed: %v", err)) // New is deterministic
		}
		return e
	}, nil
}

// Gloss returns the English a Chinese text was embedded as, or "" for text
// without Han characters.
func (e *Encoder) Gloss(text string) string {
	for _, r := range text {
		if unicode.Is(unicode.Han, r) {
			en, _ := e.glosser.Gloss(text)
			return en
		}
	}
	return ""
}
