package httpapi

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/aggregate"
	"github.com/driftrec/driftrec/dp"
)

// DataPolicy says how the deployment stores user data, for the exports
// that tell a user what is held about them and how.
type DataPolicy struct {
	Pseudonyms      bool          `json:"pseudonyms"`
	EncryptedAtRest bool          `json:"encrypted_at_rest"`
	TextRetention   time.Duration `json:"-"`
}

// privacyState is the server's part in the privacy features: the data
// policy and the differentially private releases.
type privacyState struct {
	policy   DataPolicy
	releases *aggregate.Releaser
	once     sync.Once
	err      error
}

// WithDataPolicy describes the deployment's storage in user exports.
func WithDataPolicy(p DataPolicy) Option { return func(s *Server) { s.privacy.policy = p } }

// WithReleases sets the differentially private releases behind
// /v1/stats (default: aggregate.DefaultConfig).
func WithReleases(r *aggregate.Releaser) Option { return func(s *Server) { s.privacy.releases = r } }

func (s *Server) releaser() (*aggregate.Releaser, error) {
	s.privacy.once.Do(func() {
		if s.privacy.releases == nil {
			s.privacy.releases, s.privacy.err = aggregate.New(s.eng, aggregate.DefaultConfig())
		}
	})
	return s.privacy.releases, s.privacy.err
}

// exportJSON is everything held about a user, readable.
type exportJSON struct {
	User       string           `json:"user"`
	ExportedAt time.Time        `json:"exported_at"`
	Storage    exportStorage    `json:"storage"`
	Profile    *profileJSON     `json:"profile"`
	SeenItems  []string         `json:"seen_items"`
	Events     []driftrec.Event `json:"events"`
}

type exportStorage struct {
	// Pseudonym is the key the user's records are stored under, when
	// pseudonyms are on: the raw ID is not stored.
	Pseudonym       string `json:"pseudonym,omitempty"`
	EncryptedAtRest bool   `json:"encrypted_at_rest"`
	// TextRetention is how long event texts are kept ("" for forever).
	TextRetention string `json:"text_retention,omitempty"`
}

// getUserExport answers a user's request for their data: the profile with
// its vectors, the items they interacted with and every stored event.
func (s *Server) getUserExport(w http.ResponseWriter, r *http.Request) error {
	ctx, user := r.Context(), r.PathValue("user")
	out := exportJSON{User: user, ExportedAt: time.Now().UTC(), SeenItems: []string{}}
	pol := s.privacy.policy
	out.Storage.EncryptedAtRest = pol.EncryptedAtRest
	if pol.TextRetention > 0 {
		out.Storage.TextRetention = pol.TextRetention.String()
	}
	if ps, ok := s.eng.Store().(interface{ Pseudonym(string) string }); ok {
		out.Storage.Pseudonym = ps.Pseudonym(user)
	}
	p, err := s.eng.Profile(ctx, user)
	switch {
	case err == nil:
		pj := s.profileJSON(p, true, nil, time.Time{})
		out.Profile = &pj
		for it := range p.Seen {
			out.SeenItems = append(out.SeenItems, it)
		}
		slices.Sort(out.SeenItems)
	case driftrec.ErrorCode(err) != driftrec.ENOTFOUND:
		return err
	}
	if out.Events, err = s.eng.UserEvents(ctx, user, 0); err != nil {
		return err
	}
	if out.Profile == nil && len(out.Events) == 0 {
		return driftrec.Errorf(driftrec.ENOTFOUND, "nothing is stored about user %q", user)
	}
	if out.Events == nil {
		out.Events = []driftrec.Event{}
	}
	w.Header().Set("Content-Disposition", `attachment; filename="driftrec-export.json"`)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// budgetError answers a release the budget cannot pay for with 429 and
// the time the next window starts.
func (s *Server) releaseError(w http.ResponseWriter, r *http.Request, err error) error {
	if !errors.Is(err, dp.ErrBudgetExhausted) {
		return err
	}
	if rel, rerr := s.releaser(); rerr == nil {
		_, end := rel.Accountant().Window(time.Now())
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(time.Until(end).Seconds()+0.999))))
	}
	writeJSON(w, http.StatusTooManyRequests, errorBody("privacy_budget_exhausted", err.Error(), ""))
	return nil
}

func (s *Server) getStatsPopular(w http.ResponseWriter, r *http.Request) error {
	n, err := queryInt(r, "n", 10)
	if err != nil {
		return err
	}
	if n < 1 || n > 1000 {
		return driftrec.FieldErrorf("n", "n must be between 1 and 1000")
	}
	rel, err := s.releaser()
	if err != nil {
		return err
	}
	pop, err := rel.Popular(r.Context())
	if err != nil {
		return s.releaseError(w, r, err)
	}
	out := *pop
	out.Items = out.Items[:min(n, len(out.Items))] // post-processing: free
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getStatsInterests(w http.ResponseWriter, r *http.Request) error {
	rel, err := s.releaser()
	if err != nil {
		return err
	}
	in, err := rel.Interests(r.Context())
	if err != nil {
		return s.releaseError(w, r, err)
	}
	writeJSON(w, http.StatusOK, in)
	return nil
}

func (s *Server) getStatsProfiles(w http.ResponseWriter, r *http.Request) error {
	rel, err := s.releaser()
	if err != nil {
		return err
	}
	p, err := rel.Profiles(r.Context())
	if err != nil {
		return s.releaseError(w, r, err)
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) getStatsBudget(w http.ResponseWriter, r *http.Request) error {
	rel, err := s.releaser()
	if err != nil {
		return err
	}
	l, err := rel.Accountant().Ledger(r.Context(), time.Now())
	if err != nil {
		return err
	}
	b := rel.Accountant().Budget()
	eps, delta := l.Spent()
	if l.Charges == nil {
		l.Charges = []dp.Charge{}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"budget": map[string]any{"epsilon": b.Epsilon, "delta": b.Delta, "window": b.Window.String()},
		"spent":  map[string]any{"epsilon": eps, "delta": delta},
		"ledger": l,
	})
	return nil
}
