package generate

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Expansion is what a query expansion is written from.
type Expansion struct {
	// Query is the user's short search text.
	Query string
	// Related are texts of the catalogue items nearest the query, most
	// similar first: the template's material and the model's grounding.
	Related []string
	// Lang is the language to write in; empty detects it from the query.
	Lang Lang
}

// maxExpansionBytes bounds an expansion: it is embedded, and encoders read
// only the first few hundred tokens anyway.
const maxExpansionBytes = 2000

// Expand turns a short query into a richer description of what the user
// is looking for, to be embedded and retrieved by. The template appends
// the texts of the nearest catalogue items to the query (pseudo-relevance
// feedback), which pulls the query's vector towards the region of the
// catalogue it already points at; a model writes a description instead.
func (g *Generator) Expand(ctx context.Context, in Expansion) Result {
	lang := resolve(in.Lang, []string{in.Query})
	text, ok, fb := g.complete(ctx, "expand", []Message{
		{Role: "system", Content: "You rewrite a user's short search query as a description of the items they want, for " +
			"semantic retrieval from a catalogue. Write one or two sentences " + languageInstruction(lang) + " naming the kind " +
			"of item, its typical features and uses. Do not invent brands, prices or specific products. Answer with the " +
			"description only."},
		{Role: "user", Content: expansionFacts(in)},
	})
	if ok {
		text = truncateUTF8(text, maxExpansionBytes)
	}
	return g.result(lang, text, ok, fb, func() string { return expansionTemplate(in, lang) })
}

func expansionFacts(in Expansion) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Query: %q\n", in.Query)
	if len(in.Related) > 0 {
		fmt.Fprintf(&b, "Catalogue items that look related, for context only: %s\n", quoteList(in.Related, 5))
	}
	return b.String()
}

func expansionTemplate(in Expansion, lang Lang) string {
	p := phrasesFor(lang)
	q := strings.TrimSpace(in.Query)
	seen := map[string]bool{q: true}
	var rel []string
	for _, t := range in.Related {
		if t = strings.TrimSpace(t); t != "" && !seen[t] {
			seen[t] = true
			rel = append(rel, t)
		}
		if len(rel) == 3 {
			break
		}
	}
	if len(rel) == 0 {
		return q
	}
	sep := "; "
	if lang == Chinese {
		sep = "；"
	}
	return truncateUTF8(q+p.stop+p.sentenceGap+p.related+strings.Join(rel, sep)+p.stop, maxExpansionBytes)
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
