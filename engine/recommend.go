package engine

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/index"
	"github.com/driftrec/driftrec/interest"
	"github.com/driftrec/driftrec/recommend"
)

// RecommendOptions are the knobs of one recommendation request.
type RecommendOptions struct {
	N int
	// Alpha overrides the configured fusion weight when not nil.
	Alpha      *float64
	Categories []string
	Diversity  float64
	// ExcludeSeen overrides the configured default when not nil.
	ExcludeSeen *bool
	Metric      index.Metric
	Explain     bool
	// Now evaluates the profile at this time instead of the clock.
	Now time.Time
}

// MaxN bounds the length of a recommendation list.
const MaxN = 1000

// Recommendations is a ranked list for one user.
type Recommendations struct {
	User  string         `json:"user"`
	Alpha float64        `json:"alpha"`
	Items []ItemResult   `json:"items"`
	Cold  bool           `json:"cold_start,omitempty"`
	At    time.Time      `json:"at"`
	View  *interest.View `json:"-"`
}

// ItemResult is a recommended item with its catalogue data.
type ItemResult struct {
	ID          string                 `json:"id"`
	Score       float64                `json:"score"`
	Text        string                 `json:"text"`
	Gloss       string                 `json:"gloss,omitempty"`
	Categories  []string               `json:"categories,omitempty"`
	Explanation *recommend.Explanation `json:"explanation,omitempty"`
}

func (o *RecommendOptions) validate() error {
	if o.N <= 0 {
		o.N = 10
	}
	if o.N > MaxN {
		return driftrec.FieldErrorf("n", "n must be at most %d", MaxN)
	}
	if o.Alpha != nil && (math.IsNaN(*o.Alpha) || *o.Alpha < 0 || *o.Alpha > 1) {
		return driftrec.FieldErrorf("alpha", "alpha must be between 0 and 1")
	}
	if math.IsNaN(o.Diversity) || o.Diversity < 0 || o.Diversity > 1 {
		return driftrec.FieldErrorf("diversity", "diversity must be between 0 and 1")
	}
	return nil
}

// Recommend returns recommendations for a stored user. A user with no
// profile gets popular items (Cold is set).
func (e *Engine) Recommend(ctx context.Context, user string, o RecommendOptions) (*Recommendations, error) {
	if err := driftrec.ValidateID("user", user); err != nil {
		return nil, err
	}
	p, err := e.loadProfile(ctx, user)
	if err != nil {
		return nil, err
	}
	return e.recommendFor(ctx, user, p, o)
}

func (e *Engine) recommendFor(ctx context.Context, user string, p *driftrec.Profile, o RecommendOptions) (*Recommendations, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	alpha := -1.0
	if o.Alpha != nil {
		alpha = *o.Alpha
	}
	excl := e.cfg.ExcludeSeen
	if o.ExcludeSeen != nil {
		excl = *o.ExcludeSeen
	}
	e.maint.RLock()
	defer e.maint.RUnlock()
	at := e.now(p, o.Now)
	var v interest.View
	if p != nil {
		v = e.model.View(p, at, alpha)
	}
	res, err := e.rec.Recommend(ctx, p, v, recommend.Options{
		N: o.N, Categories: o.Categories, Diversity: o.Diversity, ExcludeSeen: excl,
		Metric: o.Metric, Explain: o.Explain,
	})
	if err != nil {
		return nil, err
	}
	out := &Recommendations{User: user, Alpha: v.Alpha, Items: make([]ItemResult, 0, len(res)), Cold: len(v.Queries) == 0, At: at, View: &v}
	gl, _ := e.enc.(glosser)
	for _, r := range res {
		ir := ItemResult{ID: r.ID, Score: r.Score, Explanation: r.Explanation}
		if it, ok := e.cat.get(r.ID); ok {
			ir.Text, ir.Categories = it.Text, it.Categories
		}
		if gl != nil && o.Explain {
			ir.Gloss = gl.Gloss(ir.Text)
			if ir.Explanation != nil {
				for i := range ir.Explanation.Because {
					ir.Explanation.Because[i].Gloss = gl.Gloss(ir.Explanation.Because[i].Text)
				}
			}
		}
		out.Items = append(out.Items, ir)
	}
	return out, nil
}

// StatelessRequest describes a user entirely by events, without storing
// anything: the seed's worked example in one call.
type StatelessRequest struct {
	// History are past events; Now are the current session's events.
	History []driftrec.Event
	Now     []driftrec.Event
	Options RecommendOptions
}

// statelessUser names the throwaway profile of a stateless request.
const statelessUser = "stateless"

// RecommendStateless builds a throwaway profile from the request's events
// and recommends for it. History events without a session share the
// session "history" and Now events the session "now", so the short-term
// state is exactly the Now events; events without times are spaced one
// second apart, history first, ending at the current time.
func (e *Engine) RecommendStateless(ctx context.Context, req StatelessRequest) (*Recommendations, error) {
	total := len(req.History) + len(req.Now)
	if total == 0 {
		return nil, driftrec.FieldErrorf("history", "give at least one event in history or now")
	}
	if total > e.cfg.MaxBatch {
		return nil, driftrec.Errorf(driftrec.ETOOLARGE, "%d events; the limit is %d", total, e.cfg.MaxBatch)
	}
	now := e.clock().UTC()
	evs := make([]driftrec.Event, 0, total)
	add := func(list []driftrec.Event, field, session string, offset int) error {
		for i, ev := range list {
			if ev.User == "" {
				ev.User = statelessUser
			}
			if err := ev.Validate(fmt.Sprintf("%s[%d]", field, i)); err != nil {
				return err
			}
			if ev.Session == "" {
				ev.Session = session
			}
			if ev.Time.IsZero() {
				ev.Time = now.Add(time.Duration(offset+i-total+1) * time.Second)
			}
			evs = append(evs, ev)
		}
		return nil
	}
	if err := add(req.History, "history", "history", 0); err != nil {
		return nil, err
	}
	if err := add(req.Now, "now", "now", len(req.History)); err != nil {
		return nil, err
	}
	p := interest.NewProfile(statelessUser, e.enc.ID())
	e.maint.RLock()
	err := e.replay(ctx, p, evs)
	e.maint.RUnlock()
	if err != nil {
		return nil, err
	}
	o := req.Options
	if o.Now.IsZero() {
		o.Now = p.Updated
	}
	return e.recommendFor(ctx, "", p, o)
}

// RankResult places a target item in a user's full ranking.
type RankResult struct {
	Top        []ItemResult
	Rank       float64
	Candidates int
}

// Rank returns the list Recommend would return for o and the target's
// position in the full ranking it implies (see recommend.Ranking): the
// evaluation's view of exactly what the server serves.
func (e *Engine) Rank(ctx context.Context, user, target string, o RecommendOptions) (RankResult, error) {
	if err := o.validate(); err != nil {
		return RankResult{}, err
	}
	p, err := e.loadProfile(ctx, user)
	if err != nil {
		return RankResult{}, err
	}
	alpha := -1.0
	if o.Alpha != nil {
		alpha = *o.Alpha
	}
	excl := e.cfg.ExcludeSeen
	if o.ExcludeSeen != nil {
		excl = *o.ExcludeSeen
	}
	e.maint.RLock()
	defer e.maint.RUnlock()
	at := e.now(p, o.Now)
	var v interest.View
	if p != nil {
		v = e.model.View(p, at, alpha)
	}
	rk, err := e.rec.Rank(ctx, p, v, recommend.Options{
		N: o.N, Categories: o.Categories, Diversity: o.Diversity, ExcludeSeen: excl, Metric: o.Metric,
	}, target)
	if err != nil {
		return RankResult{}, err
	}
	out := RankResult{Rank: rk.Rank, Candidates: rk.Candidates}
	for _, r := range rk.Top {
		out.Top = append(out.Top, ItemResult{ID: r.ID, Score: r.Score})
	}
	return out, nil
}

// glosser is implemented by encoders that embed Chinese through an English
// gloss (encoder/bridge); explanations show the gloss.
type glosser interface {
	Gloss(text string) string
}
