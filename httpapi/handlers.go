package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
	"github.com/driftrec/driftrec/index"
)

func (s *Server) putItems(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	wire, err := decodeArray[itemJSON](body, 0, "items")
	if err != nil {
		return err
	}
	items := make([]driftrec.Item, len(wire))
	for i, it := range wire {
		items[i] = driftrec.Item{ID: it.ID, Text: it.Text, Categories: it.Categories, Attributes: it.Attributes}
	}
	n, err := s.eng.UpsertItems(r.Context(), items)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"upserted": n})
	return nil
}

func (s *Server) deleteItems(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := decodeStrict(body, &req, ""); err != nil {
		return err
	}
	if len(req.IDs) == 0 {
		return driftrec.FieldErrorf("ids", "give the ids of the items to delete")
	}
	n, err := s.eng.DeleteItems(r.Context(), req.IDs)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
	return nil
}

func (s *Server) getItem(w http.ResponseWriter, r *http.Request) error {
	it, err := s.eng.Item(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, it)
	return nil
}

func (s *Server) deleteItem(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	n, err := s.eng.DeleteItems(r.Context(), []string{id})
	if err != nil {
		return err
	}
	if n == 0 {
		return driftrec.Errorf(driftrec.ENOTFOUND, "item %q not found", id)
	}
	writeJSON(w, http.StatusOK, map[string]int{"deleted": n})
	return nil
}

func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	wire, err := decodeArray[eventJSON](body, 0, "events")
	if err != nil {
		return err
	}
	events := make([]driftrec.Event, len(wire))
	for i := range wire {
		events[i] = wire[i].event()
	}
	res, err := s.eng.Ingest(r.Context(), events)
	if err != nil {
		return err
	}
	for i := range events {
		s.metrics.events.WithLabelValues(string(events[i].Type)).Inc()
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// recommendOptions reads the knobs shared by both recommendation routes
// from the query string.
func recommendOptions(r *http.Request) (engine.RecommendOptions, error) {
	var o engine.RecommendOptions
	var err error
	if o.N, err = queryInt(r, "n", 10); err != nil {
		return o, err
	}
	if o.N < 1 || o.N > engine.MaxN {
		return o, driftrec.FieldErrorf("n", "n must be between 1 and %d", engine.MaxN)
	}
	if o.Alpha, err = queryFloat(r, "alpha"); err != nil {
		return o, err
	}
	d, err := queryFloat(r, "diversity")
	if err != nil {
		return o, err
	}
	if d != nil {
		o.Diversity = *d
	}
	if o.ExcludeSeen, err = queryBool(r, "exclude_seen"); err != nil {
		return o, err
	}
	explain, err := queryBool(r, "explain")
	if err != nil {
		return o, err
	}
	o.Explain = explain == nil || *explain
	if o.Metric, err = index.ParseMetric(r.URL.Query().Get("metric")); err != nil {
		return o, driftrec.FieldErrorf("metric", "%v", err)
	}
	for _, c := range r.URL.Query()["category"] {
		for _, part := range strings.Split(c, ",") {
			if part = strings.TrimSpace(part); part != "" {
				o.Categories = append(o.Categories, part)
			}
		}
	}
	if at := r.URL.Query().Get("at"); at != "" {
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return o, driftrec.FieldErrorf("at", "at must be an RFC 3339 time")
		}
		o.Now = t
	}
	return o, nil
}

func (s *Server) getRecommendations(w http.ResponseWriter, r *http.Request) error {
	o, err := recommendOptions(r)
	if err != nil {
		return err
	}
	rec, err := s.eng.Recommend(r.Context(), r.PathValue("user"), o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// statelessJSON is the body of POST /v1/recommend.
type statelessJSON struct {
	History     []eventJSON `json:"history"`
	Now         []eventJSON `json:"now"`
	Alpha       *float64    `json:"alpha"`
	N           int         `json:"n"`
	Categories  []string    `json:"categories"`
	Diversity   float64     `json:"diversity"`
	ExcludeSeen *bool       `json:"exclude_seen"`
	Metric      string      `json:"metric"`
	Explain     *bool       `json:"explain"`
}

func (s *Server) postRecommend(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(r.Body)
	if err != nil {
		return err
	}
	var req statelessJSON
	if err := decodeStrict(body, &req, ""); err != nil {
		return err
	}
	if req.N < 0 || req.N > engine.MaxN {
		return driftrec.FieldErrorf("n", "n must be between 1 and %d (0 or absent means 10)", engine.MaxN)
	}
	m, err := index.ParseMetric(req.Metric)
	if err != nil {
		return driftrec.FieldErrorf("metric", "%v", err)
	}
	sr := engine.StatelessRequest{Options: engine.RecommendOptions{
		N: req.N, Alpha: req.Alpha, Categories: req.Categories, Diversity: req.Diversity,
		ExcludeSeen: req.ExcludeSeen, Metric: m, Explain: req.Explain == nil || *req.Explain,
	}}
	for _, e := range req.History {
		sr.History = append(sr.History, e.event())
	}
	for _, e := range req.Now {
		sr.Now = append(sr.Now, e.event())
	}
	rec, err := s.eng.RecommendStateless(r.Context(), sr)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) getProfile(w http.ResponseWriter, r *http.Request) error {
	vectors, err := queryBool(r, "vectors")
	if err != nil {
		return err
	}
	alpha, err := queryFloat(r, "alpha")
	if err != nil {
		return err
	}
	if alpha != nil && (*alpha < 0 || *alpha > 1) {
		return driftrec.FieldErrorf("alpha", "alpha must be between 0 and 1")
	}
	var at time.Time
	if v := r.URL.Query().Get("at"); v != "" {
		if at, err = time.Parse(time.RFC3339Nano, v); err != nil {
			return driftrec.FieldErrorf("at", "at must be an RFC 3339 time")
		}
	}
	p, err := s.eng.Profile(r.Context(), r.PathValue("user"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.profileJSON(p, vectors != nil && *vectors, alpha, at))
	return nil
}

func (s *Server) getUserEvents(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	if limit < 1 || limit > 100000 {
		return driftrec.FieldErrorf("limit", "limit must be between 1 and 100000")
	}
	evs, err := s.eng.UserEvents(r.Context(), r.PathValue("user"), limit)
	if err != nil {
		return err
	}
	if evs == nil {
		evs = []driftrec.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"user": r.PathValue("user"), "events": evs})
	return nil
}

func (s *Server) deleteUser(w http.ResponseWriter, r *http.Request) error {
	ok, err := s.eng.DeleteUser(r.Context(), r.PathValue("user"))
	if err != nil {
		return err
	}
	if !ok {
		return driftrec.Errorf(driftrec.ENOTFOUND, "user %q not found", r.PathValue("user"))
	}
	writeJSON(w, http.StatusOK, map[string]bool{"deleted": true})
	return nil
}

func (s *Server) getSearch(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	if strings.TrimSpace(q) == "" {
		return driftrec.FieldErrorf("q", "give a search text in q")
	}
	n, err := queryInt(r, "n", 10)
	if err != nil {
		return err
	}
	if n < 1 || n > engine.MaxN {
		return driftrec.FieldErrorf("n", "n must be between 1 and %d", engine.MaxN)
	}
	hits, err := s.eng.Search(r.Context(), q, n, r.URL.Query()["category"])
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"query": q, "items": hits})
	return nil
}

func (s *Server) getSimilar(w http.ResponseWriter, r *http.Request) error {
	n, err := queryInt(r, "n", 10)
	if err != nil {
		return err
	}
	if n < 1 || n > engine.MaxN {
		return driftrec.FieldErrorf("n", "n must be between 1 and %d", engine.MaxN)
	}
	hits, err := s.eng.Similar(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"item": r.PathValue("id"), "items": hits})
	return nil
}

func (s *Server) getUsers(w http.ResponseWriter, r *http.Request) error {
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	users, err := s.eng.Users(r.Context(), r.URL.Query().Get("after"), limit)
	if err != nil {
		return err
	}
	if users == nil {
		users = []string{}
	}
	next := ""
	if len(users) == limit {
		next = users[len(users)-1]
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users, "next": next})
	return nil
}
