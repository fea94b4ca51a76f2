package generate

import (
	"context"
	"fmt"
	"strings"
)

// Interest describes one long-term interest for a summary.
type Interest struct {
	// Label names the interest (the console shows the same label).
	Label string
	// Share is the interest's part of the recommendation list now (0..1).
	Share float64
	// Count is the number of events behind it.
	Count int
	// Exemplars are texts of the events that represent it best.
	Exemplars []string
	// Newest marks the most recently formed interest: where the user is
	// drifting to.
	Newest bool
	// Fading marks an interest whose importance has decayed well below its
	// peak.
	Fading bool
}

// UserSummary is what a summary is written from.
type UserSummary struct {
	User string
	// Interests, most important first.
	Interests []Interest
	// Session holds the texts of the current session's events (none when
	// the session has ended).
	Session []string
	// Rejected holds texts of what the user disliked or skipped.
	Rejected []string
	// Lang is the language to write in; empty detects it from the texts.
	Lang Lang
}

// texts returns the user's own words, for language detection.
func (u *UserSummary) texts() []string {
	var out []string
	for _, in := range u.Interests {
		out = append(out, in.Label)
		out = append(out, in.Exemplars...)
	}
	out = append(out, u.Session...)
	return append(out, u.Rejected...)
}

// Summarize writes a short paragraph about a user's interests: what they
// care about most, where they are drifting, what they are doing now and
// what they reject.
func (g *Generator) Summarize(ctx context.Context, in UserSummary) Result {
	lang := resolve(in.Lang, in.texts())
	if len(in.Interests) == 0 && len(in.Session) == 0 {
		// Nothing for a model to work with.
		return Result{Text: summaryTemplate(in, lang), Lang: lang, Source: FromTemplate}
	}
	text, ok, fb := g.complete(ctx, "summary", []Message{
		{Role: "system", Content: "You describe a user's interests for the staff of a shop or media site, from the behaviour " +
			"data given. Write two or three plain sentences " + languageInstruction(lang) + ". Mention the main interests by " +
			"their themes, where the user is drifting, and what they avoid. Use only the facts given; do not invent " +
			"products, brands or personal traits. No lists, no headings."},
		{Role: "user", Content: summaryFacts(in)},
	})
	return g.result(lang, text, ok, fb, func() string { return summaryTemplate(in, lang) })
}

// summaryFacts renders the input for the model.
func summaryFacts(in UserSummary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Interests, most important first:\n")
	for _, it := range in.Interests {
		fmt.Fprintf(&b, "- %q: %.0f%% of recommendations, %d events", it.Label, 100*it.Share, it.Count)
		if it.Newest {
			b.WriteString(", newest interest")
		}
		if it.Fading {
			b.WriteString(", fading")
		}
		if len(it.Exemplars) > 0 {
			fmt.Fprintf(&b, "; examples: %s", quoteList(it.Exemplars, 4))
		}
		b.WriteString("\n")
	}
	if len(in.Session) > 0 {
		fmt.Fprintf(&b, "Current session: %s\n", quoteList(in.Session, 6))
	}
	if len(in.Rejected) > 0 {
		fmt.Fprintf(&b, "Rejected: %s\n", quoteList(in.Rejected, 4))
	}
	return b.String()
}

func quoteList(texts []string, max int) string {
	q := make([]string, 0, min(len(texts), max))
	for _, t := range texts[:min(len(texts), max)] {
		q = append(q, fmt.Sprintf("%q", t))
	}
	return strings.Join(q, ", ")
}

// summaryTemplate is the deterministic summary.
func summaryTemplate(in UserSummary, lang Lang) string {
	p := phrasesFor(lang)
	var parts []string
	if len(in.Interests) == 0 {
		parts = append(parts, p.noInterests)
	} else {
		top := in.Interests[:min(len(in.Interests), 3)]
		s := fmt.Sprintf(p.mainly, p.quote(top[0].Label), percent(top[0].Share))
		if len(top) > 1 {
			var rest []string
			for _, it := range top[1:] {
				rest = append(rest, fmt.Sprintf(p.shareOf, p.quote(it.Label), percent(it.Share)))
			}
			s += fmt.Sprintf(p.then, p.and(rest))
		}
		if more := len(in.Interests) - len(top); more > 0 {
			s += fmt.Sprintf(p.more, more)
		}
		parts = append(parts, s+p.stop)
		for i, it := range in.Interests {
			if it.Newest && i > 0 && len(in.Interests) > 1 {
				parts = append(parts, fmt.Sprintf(p.drifting, p.quote(it.Label)))
			}
		}
		var fading []string
		for _, it := range in.Interests {
			if it.Fading {
				fading = append(fading, p.quote(it.Label))
			}
		}
		if len(fading) > 0 {
			parts = append(parts, fmt.Sprintf(p.fading, p.and(fading)))
		}
	}
	if len(in.Session) > 0 {
		parts = append(parts, fmt.Sprintf(p.now, p.list(in.Session, 3)))
	}
	if len(in.Rejected) > 0 {
		parts = append(parts, fmt.Sprintf(p.rejects, p.list(in.Rejected, 3)))
	}
	return strings.Join(parts, p.sentenceGap)
}

func percent(share float64) int { return int(100*share + 0.5) }
