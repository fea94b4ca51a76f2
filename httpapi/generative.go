package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/generate"
)

// The routes of the generative helpers (package generate). Each answers
// from templates when no chat model is configured or the model fails, and
// says which produced the text.

// maxExpandQuery bounds the query of POST /v1/expand: it is a search box's
// text, and it goes into a model's prompt.
const maxExpandQuery = 1000

func queryLang(r *http.Request) (generate.Lang, error) {
	l, err := generate.ParseLang(r.URL.Query().Get("lang"))
	if err != nil {
		return "", driftrec.FieldErrorf("lang", "%v", err)
	}
	return l, nil
}

// refText is the text of a remembered event: its own text, else its item's.
func (s *Server) refText(ctx context.Context, ref *driftrec.EventRef) string {
	if ref.Text != "" {
		return ref.Text
	}
	if it, err := s.eng.Item(ctx, ref.Item); err == nil && it.Text != "" {
		return it.Text
	}
	return ref.Item
}

func (s *Server) refTexts(ctx context.Context, refs []driftrec.EventRef) []string {
	out := make([]string, 0, len(refs))
	for i := range refs {
		out = append(out, s.refText(ctx, &refs[i]))
	}
	return out
}

// fadingBelow marks an interest as fading when its importance now is under
// this fraction of the highest importance its trace recorded.
const fadingBelow = 0.5

func (s *Server) getUserSummary(w http.ResponseWriter, r *http.Request) error {
	lang, err := queryLang(r)
	if err != nil {
		return err
	}
	p, err := s.eng.Profile(r.Context(), r.PathValue("user"))
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if p.Updated.After(now) {
		now = p.Updated
	}
	if v := r.URL.Query().Get("at"); v != "" {
		if now, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return driftrec.FieldErrorf("at", "at must be an RFC 3339 time")
		}
	}
	v := s.eng.Model().View(p, now, -1)
	in := generate.UserSummary{User: p.User, Lang: lang}
	newest, newestAt := -1, time.Time{}
	for _, q := range v.Queries {
		if q.Interest < 0 || q.Interest >= len(p.Interests) {
			continue
		}
		it := &p.Interests[q.Interest]
		peak := 0.0
		for _, tp := range it.Trace {
			peak = max(peak, tp.Importance)
		}
		in.Interests = append(in.Interests, generate.Interest{
			Label: s.eng.Label(it), Share: q.Share, Count: it.Count,
			Exemplars: s.refTexts(r.Context(), it.Exemplars),
			Fading:    peak > 0 && q.Importance < fadingBelow*peak,
		})
		if it.Created.After(newestAt) {
			newest, newestAt = len(in.Interests)-1, it.Created
		}
	}
	if newest >= 0 && len(in.Interests) > 1 {
		in.Interests[newest].Newest = true
	}
	if v.Short != nil {
		in.Session = s.refTexts(r.Context(), p.Short.Events)
	}
	in.Rejected = s.refTexts(r.Context(), p.Negative.Events)
	res := s.generator().Summarize(r.Context(), in)
	writeJSON(w, http.StatusOK, struct {
		User string `json:"user"`
		generate.Result
	}{p.User, res})
	return nil
}

// phrasedItem is a recommended item with its reason as a sentence.
type phrasedItem struct {
	engine.ItemResult
	Reason string `json:"reason"`
}

type phrasedJSON struct {
	User     string          `json:"user"`
	Alpha    float64         `json:"alpha"`
	At       time.Time       `json:"at"`
	Cold     bool            `json:"cold_start,omitempty"`
	Items    []phrasedItem   `json:"items"`
	Language generate.Lang   `json:"language"`
	Source   generate.Source `json:"source"`
	Model    string          `json:"model,omitempty"`
	Fallback string          `json:"fallback,omitempty"`
}

func (s *Server) getPhrasedRecommendations(w http.ResponseWriter, r *http.Request) error {
	o, err := recommendOptions(r)
	if err != nil {
		return err
	}
	o.Explain = true
	lang, err := queryLang(r)
	if err != nil {
		return err
	}
	rec, err := s.eng.Recommend(r.Context(), r.PathValue("user"), o)
	if err != nil {
		return err
	}
	reasons := make([]generate.Reason, len(rec.Items))
	for i, it := range rec.Items {
		rs := generate.Reason{Item: it.Text}
		if rs.Item == "" {
			rs.Item = it.ID
		}
		e := it.Explanation
		if e == nil || e.Source == "popular" || rec.Cold {
			rs.Popular = true
		} else {
			if e.Interest != nil {
				rs.Interest, rs.Share = e.Interest.Label, e.Interest.Share
			}
			for _, b := range e.Because {
				text := b.Text
				if text == "" {
					text = b.Item
				}
				rs.Because = append(rs.Because, generate.Evidence{Type: string(b.Type), Text: text, Similarity: b.Similarity, Current: b.Current})
			}
		}
		reasons[i] = rs
	}
	ph := s.generator().PhraseReasons(r.Context(), lang, reasons)
	out := phrasedJSON{
		User: rec.User, Alpha: rec.Alpha, At: rec.At, Cold: rec.Cold, Items: make([]phrasedItem, len(rec.Items)),
		Language: ph.Lang, Source: ph.Source, Model: ph.Model, Fallback: ph.Fallback,
	}
	for i, it := range rec.Items {
		out.Items[i] = phrasedItem{ItemResult: it, Reason: ph.Reasons[i]}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// expandJSON is the body of POST /v1/expand.
type expandJSON struct {
	Query      string   `json:"query"`
	Lang       string   `json:"lang"`
	Search     bool     `json:"search"`
	N          int      `json:"n"`
	Categories []string `json:"categories"`
}

func (s *Server) postExpand(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	var req expandJSON
	if err := decodeStrict(body, &req, ""); err != nil {
		return err
	}
	q := strings.TrimSpace(req.Query)
	switch {
	case q == "":
		return driftrec.FieldErrorf("query", "give a query to expand")
	case len(q) > maxExpandQuery:
		return driftrec.FieldErrorf("query", "query is %d bytes; the limit is %d", len(q), maxExpandQuery)
	}
	lang, err := generate.ParseLang(req.Lang)
	if err != nil {
		return driftrec.FieldErrorf("lang", "%v", err)
	}
	if req.N == 0 {
		req.N = 10
	}
	if req.N < 1 || req.N > engine.MaxN {
		return driftrec.FieldErrorf("n", "n must be between 1 and %d", engine.MaxN)
	}
	near, err := s.eng.Search(r.Context(), q, 5, req.Categories)
	if err != nil {
		return err
	}
	related := make([]string, 0, len(near))
	for _, h := range near {
		if h.Text != "" {
			related = append(related, h.Text)
		}
	}
	res := s.generator().Expand(r.Context(), generate.Expansion{Query: q, Related: related, Lang: lang})
	out := map[string]any{"query": q, "expansion": res}
	if req.Search {
		// A model's description may drop the user's own words; keep them.
		text := res.Text
		if !strings.HasPrefix(text, q) {
			text = q + "\n" + text
		}
		hits, err := s.eng.Search(r.Context(), text, req.N, req.Categories)
		if err != nil {
			return err
		}
		out["search_text"] = text
		out["items"] = hits
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
