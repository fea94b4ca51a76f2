package generate

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Evidence is a past event a recommended item resembles.
type Evidence struct {
	// Type is the event type ("query", "click", ...).
	Type string
	// Text is the event's text, or its item's text.
	Text       string
	Similarity float64
	// Current marks events of the current session.
	Current bool
}

// Reason holds the facts behind one recommended item.
type Reason struct {
	// Item is the item's text.
	Item string
	// Interest is the label of the interest the item serves ("" for none)
	// and Share that interest's part of the list.
	Interest string
	Share    float64
	// Because are the past events the item resembles, most similar first.
	Because []Evidence
	// Popular marks a popularity pick (a user without a profile).
	Popular bool
}

// Phrased is one sentence per recommended item, and their provenance.
type Phrased struct {
	Reasons  []string `json:"reasons"`
	Lang     Lang     `json:"language"`
	Source   Source   `json:"source"`
	Model    string   `json:"model,omitempty"`
	Fallback string   `json:"fallback,omitempty"`
}

// maxReasonRunes bounds one phrased reason from a model.
const maxReasonRunes = 400

// PhraseReasons writes one sentence per item saying why it is
// recommended. A model is asked once for the whole list; an answer that is
// not a JSON array of as many sentences is discarded for the templates.
// lang empty detects the language from the items and events.
func (g *Generator) PhraseReasons(ctx context.Context, lang Lang, reasons []Reason) Phrased {
	if lang == "" {
		var texts []string
		for _, r := range reasons {
			texts = append(texts, r.Item, r.Interest)
			for _, b := range r.Because {
				texts = append(texts, b.Text)
			}
		}
		lang = DetectLanguage(texts...)
	}
	out := Phrased{Lang: lang, Source: FromTemplate}
	if len(reasons) == 0 {
		out.Reasons = []string{}
		return out
	}
	facts, err := json.Marshal(reasonFacts(reasons))
	if err != nil {
		facts = []byte("[]")
	}
	text, ok, fb := g.complete(ctx, "reasons", []Message{
		{Role: "system", Content: "You explain to a user why each item was recommended to them, in one short friendly " +
			"sentence per item, " + languageInstruction(lang) + ", addressing the user as \"you\". Use only the facts given " +
			"(the events the item resembles, whether they happened in the current session, the interest it serves). " +
			"Answer with a JSON array of strings, one per item in the given order, and nothing else."},
		{Role: "user", Content: string(facts)},
	})
	if ok {
		sentences, err := parseSentences(text, len(reasons))
		if err == nil {
			out.Reasons, out.Source, out.Model = sentences, FromModel, g.chat.Model()
			return out
		}
		fb = err.Error()
		g.log.Warn("chat model's reasons unusable; using the templates", "err", err)
	}
	out.Fallback = fb
	p := phrasesFor(lang)
	out.Reasons = make([]string, len(reasons))
	for i := range reasons {
		out.Reasons[i] = reasonTemplate(&reasons[i], p)
	}
	return out
}

type reasonFact struct {
	Item     string         `json:"item"`
	Interest string         `json:"interest,omitempty"`
	Share    string         `json:"share_of_list,omitempty"`
	Because  []evidenceFact `json:"resembles,omitempty"`
	Popular  bool           `json:"popular,omitempty"`
}

type evidenceFact struct {
	Action     string `json:"your_action"`
	Text       string `json:"text"`
	Similarity string `json:"similarity"`
	Current    bool   `json:"in_current_session"`
}

func reasonFacts(reasons []Reason) []reasonFact {
	out := make([]reasonFact, len(reasons))
	for i, r := range reasons {
		f := reasonFact{Item: r.Item, Interest: r.Interest, Popular: r.Popular}
		if r.Interest != "" {
			f.Share = fmt.Sprintf("%d%%", percent(r.Share))
		}
		for _, b := range r.Because[:min(len(r.Because), 2)] {
			f.Because = append(f.Because, evidenceFact{Action: b.Type, Text: b.Text, Similarity: fmt.Sprintf("%.2f", b.Similarity), Current: b.Current})
		}
		out[i] = f
	}
	return out
}

// parseSentences reads a JSON array of n non-empty strings, tolerating
// prose or code fences around it.
func parseSentences(text string, n int) ([]string, error) {
	start, end := strings.IndexByte(text, '['), strings.LastIndexByte(text, ']')
	if start < 0 || end < start {
		return nil, fmt.Errorf("model answer is not a JSON array of %d sentences", n)
	}
	var out []string
	if err := json.Unmarshal([]byte(text[start:end+1]), &out); err != nil {
		return nil, fmt.Errorf("model answer is not a JSON array of %d sentences: %v", n, err)
	}
	if len(out) != n {
		return nil, fmt.Errorf("model gave %d sentences for %d items", len(out), n)
	}
	for i, s := range out {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil, fmt.Errorf("model gave an empty sentence for item %d", i)
		}
		if utf8.RuneCountInString(s) > maxReasonRunes {
			s = string([]rune(s)[:maxReasonRunes]) + "…"
		}
		out[i] = s
	}
	return out, nil
}

func reasonTemplate(r *Reason, p *phrases) string {
	if r.Popular || (len(r.Because) == 0 && r.Interest == "") {
		return p.popular
	}
	if len(r.Because) == 0 {
		return fmt.Sprintf(p.fitsOnly, p.quote(r.Interest))
	}
	b := r.Because[0]
	when := p.earlier
	if b.Current {
		when = p.inSession
	}
	clause := p.action(b.Type, b.Text) + when
	if p.whenFirst {
		clause = when + p.action(b.Type, b.Text)
	}
	s := fmt.Sprintf(p.because, clause, b.Similarity)
	if r.Interest == "" {
		return s + p.stop
	}
	return s + fmt.Sprintf(p.fits, p.quote(r.Interest), percent(r.Share))
}
