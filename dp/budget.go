package dp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/driftrec/driftrec"
)

// Budget is the privacy loss allowed per release window: the releases of
// one window together spend at most (Epsilon, Delta), by basic
// composition (their ε and δ add up).
//
// The window bounds a rate, not a lifetime total: a user whose data
// appears in the releases of T windows loses up to T·ε over them. That is
// inherent to statistics published again and again about data that
// persists; a deployment picks ε per window with its horizon in mind.
type Budget struct {
	Epsilon float64       `json:"epsilon"`
	Delta   float64       `json:"delta"`
	Window  time.Duration `json:"window"`
}

// DefaultBudget allows ε = 3, δ = 10⁻⁵ a day: three releases of ε = 1.
func DefaultBudget() Budget {
	return Budget{Epsilon: 3, Delta: 1e-5, Window: 24 * time.Hour}
}

// ErrBudgetExhausted is returned by Charge when a release would exceed
// the window's budget.
var ErrBudgetExhausted = errors.New("the privacy budget of this window is spent")

// MetaStore keeps small named values (driftrec.Store has these methods).
type MetaStore interface {
	Meta(ctx context.Context, key string) ([]byte, error)
	PutMeta(ctx context.Context, key string, value []byte) error
}

// Charge is one release's spending.
type Charge struct {
	Release string    `json:"release"`
	Epsilon float64   `json:"epsilon"`
	Delta   float64   `json:"delta"`
	At      time.Time `json:"at"`
}

// Ledger is what a window has spent.
type Ledger struct {
	WindowStart time.Time `json:"window_start"`
	WindowEnd   time.Time `json:"window_end"`
	Charges     []Charge  `json:"charges"`
}

// Spent sums the ledger's charges.
func (l *Ledger) Spent() (epsilon, delta float64) {
	for _, c := range l.Charges {
		epsilon += c.Epsilon
		delta += c.Delta
	}
	return epsilon, delta
}

const metaLedger = "dp/ledger"

// Accountant keeps the ledger of the current window in a MetaStore, so
// that a restart does not refill the budget. It serialises the releases
// of one process; replicas sharing a database should leave releases to one
// of them (the ledger's update is not atomic across processes).
type Accountant struct {
	budget Budget
	meta   MetaStore
	mu     sync.Mutex
}

// NewAccountant returns an accountant for budget.
func NewAccountant(meta MetaStore, budget Budget) (*Accountant, error) {
	if err := checkEpsilon(budget.Epsilon); err != nil {
		return nil, fmt.Errorf("dp: budget: %w", err)
	}
	if budget.Delta < 0 || budget.Delta >= 1 {
		return nil, fmt.Errorf("dp: budget: δ must be in [0, 1), got %v", budget.Delta)
	}
	if budget.Window < time.Minute {
		return nil, fmt.Errorf("dp: budget: the window must be at least a minute, got %v", budget.Window)
	}
	return &Accountant{budget: budget, meta: meta}, nil
}

// Budget returns the budget.
func (a *Accountant) Budget() Budget { return a.budget }

// Window returns the window that contains now: windows are consecutive
// intervals of the budget's length counted from the Unix epoch.
func (a *Accountant) Window(now time.Time) (start, end time.Time) {
	w := a.budget.Window
	start = time.Unix(0, 0).UTC().Add(now.Sub(time.Unix(0, 0)).Truncate(w))
	return start, start.Add(w)
}

// Ledger returns the current window's ledger.
func (a *Accountant) Ledger(ctx context.Context, now time.Time) (Ledger, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.load(ctx, now)
}

func (a *Accountant) load(ctx context.Context, now time.Time) (Ledger, error) {
	start, end := a.Window(now)
	l := Ledger{WindowStart: start, WindowEnd: end}
	b, err := a.meta.Meta(ctx, metaLedger)
	switch {
	case driftrec.ErrorCode(err) == driftrec.ENOTFOUND:
		return l, nil
	case err != nil:
		return l, fmt.Errorf("dp: read the ledger: %w", err)
	}
	var stored Ledger
	if err := json.Unmarshal(b, &stored); err != nil {
		return l, fmt.Errorf("dp: the stored ledger is unreadable: %w", err)
	}
	if stored.WindowStart.Equal(start) {
		l.Charges = stored.Charges
	}
	return l, nil
}

// Charge records a release of mechanism m at now, or fails with
// ErrBudgetExhausted (leaving the ledger as it was) when the window's
// budget cannot pay for it.
func (a *Accountant) Charge(ctx context.Context, release string, m Mechanism, now time.Time) (Ledger, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	l, err := a.load(ctx, now)
	if err != nil {
		return l, err
	}
	eps, delta := l.Spent()
	// A little slack for the rounding of sums of float64s.
	if eps+m.Epsilon > a.budget.Epsilon*(1+1e-9) || delta+m.Delta > a.budget.Delta*(1+1e-9) {
		return l, fmt.Errorf("%w: spent ε=%.3g δ=%.3g of ε=%.3g δ=%.3g; %s needs ε=%.3g δ=%.3g; the next window starts at %s",
			ErrBudgetExhausted, eps, delta, a.budget.Epsilon, a.budget.Delta, release, m.Epsilon, m.Delta, l.WindowEnd.Format(time.RFC3339))
	}
	l.Charges = append(l.Charges, Charge{Release: release, Epsilon: m.Epsilon, Delta: m.Delta, At: now.UTC()})
	b, err := json.Marshal(l)
	if err != nil {
		return l, err
	}
	if err := a.meta.PutMeta(ctx, metaLedger, b); err != nil {
		return l, fmt.Errorf("dp: record the charge: %w", err)
	}
	return l, nil
}
