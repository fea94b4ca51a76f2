// Package generate holds driftrec's optional generative helpers: a client
// for an OpenAI-compatible chat endpoint and three uses of it —
//
//   - a natural-language summary of a user's interests,
//   - the expansion of a short query into a richer description that is
//     embedded and retrieved by (the seed's "generate a description of the
//     content to recommend"),
//   - the phrasing of recommendation explanations as sentences.
//
// The feature is off by default. Without a configured endpoint, and
// whenever the endpoint fails, every helper answers from deterministic
// templates in Chinese or English, matching the language the user writes
// in, so the console and the API behave the same with or without a
// language model; a Result says which produced it and, after a failure,
// why the model was not used.
//
// The inputs are plain structs filled by the transport from profiles and
// recommendations, so this package depends on nothing but the standard
// library and can be tested against any server that speaks the protocol.
package generate

import (
	"context"
	"log/slog"
	"time"
)

// Source says what produced a text.
type Source string

// Sources of generated text.
const (
	FromTemplate Source = "template"
	FromModel    Source = "model"
)

// Result is a generated text and its provenance.
type Result struct {
	Text   string `json:"text"`
	Lang   Lang   `json:"language"`
	Source Source `json:"source"`
	// Model names the chat model when Source is "model".
	Model string `json:"model,omitempty"`
	// Fallback says why the template was used although a model is
	// configured (the model's error), empty otherwise.
	Fallback string `json:"fallback,omitempty"`
}

// Generator produces texts with a chat model when one is configured and
// from templates otherwise. The zero value is not usable; call New. It is
// safe for concurrent use.
type Generator struct {
	chat   *Chat
	log    *slog.Logger
	budget time.Duration
}

// Option customises New.
type Option func(*Generator)

// WithLogger sets the logger for model failures (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(g *Generator) { g.log = l } }

// WithBudget bounds the time one helper waits for the model, retries
// included, before the template answers (default 30 s, under the HTTP
// server's write timeout).
func WithBudget(d time.Duration) Option { return func(g *Generator) { g.budget = d } }

// New returns a generator. chat may be nil: templates only.
func New(chat *Chat, opts ...Option) *Generator {
	g := &Generator{chat: chat, log: slog.Default(), budget: 30 * time.Second}
	for _, o := range opts {
		o(g)
	}
	return g
}

// Model returns the chat model's name, or "" when none is configured.
func (g *Generator) Model() string {
	if g.chat == nil {
		return ""
	}
	return g.chat.Model()
}

// complete asks the model, if any. ok is false when the template must be
// used; fallback then holds the model's error (empty without a model).
func (g *Generator) complete(ctx context.Context, task string, msgs []Message) (text string, ok bool, fallback string) {
	if g.chat == nil {
		return "", false, ""
	}
	ctx, cancel := context.WithTimeout(ctx, g.budget)
	defer cancel()
	out, err := g.chat.Complete(ctx, msgs)
	if err != nil {
		g.log.Warn("chat model failed; using the template", "task", task, "err", err)
		return "", false, err.Error()
	}
	return out, true, ""
}

// result assembles a Result from a model answer or a template.
func (g *Generator) result(lang Lang, modelText string, ok bool, fallback string, template func() string) Result {
	if ok {
		return Result{Text: modelText, Lang: lang, Source: FromModel, Model: g.chat.Model()}
	}
	return Result{Text: template(), Lang: lang, Source: FromTemplate, Fallback: fallback}
}
