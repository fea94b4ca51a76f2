package main

import (
	"context"
	"log/slog"
	"strings"
	"unicode/utf8"
)

// redactingHandler keeps user data out of the log. driftrec logs routes,
// counts and errors, never IDs or texts on purpose, but an error's
// message can name the record it failed on ("stored profile of user
// \"alice\": ..."). Every such value is quoted (%q) across the code base,
// so the handler replaces the content of every quoted string in an
// error's message with "…": the message keeps its shape, the log loses the
// user ID or the text.
type redactingHandler struct{ next slog.Handler }

func redactLogs(h slog.Handler) slog.Handler { return redactingHandler{h} }

func (h redactingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.next.Enabled(ctx, l)
}

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactingHandler{h.next.WithAttrs(red)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.next.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, redactQuoted(err.Error()))
		}
	case slog.KindGroup:
		as := v.Group()
		red := make([]any, len(as))
		for i, g := range as {
			red[i] = redactAttr(g)
		}
		return slog.Group(a.Key, red...)
	case slog.KindString:
		if a.Key == "panic" || a.Key == "stack" {
			return slog.String(a.Key, redactQuoted(v.String()))
		}
	}
	return a
}

// redactQuoted replaces the content of every double-quoted string in s
// (with Go escapes) by "…".
func redactQuoted(s string) string {
	if !strings.Contains(s, `"`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '"' {
			r, n := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += n
			continue
		}
		// Find the closing quote, skipping escapes.
		j := i + 1
		for j < len(s) && s[j] != '"' {
			if s[j] == '\\' {
				j++
			}
			j++
		}
		if j >= len(s) {
			b.WriteString(`"…`) // unterminated: hide the rest
			return b.String()
		}
		b.WriteString(`"…"`)
		i = j + 1
	}
	return b.String()
}
