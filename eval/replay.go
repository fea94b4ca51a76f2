package eval

import (
	"context"
	"fmt"
	"math"
)

// runResult is what one replay of one method produced, per variant.
type runResult struct {
	variants []Variant
	// valid[v][u] and test[v][u] are user u's ranks; tops[v][u] the test
	// list.
	valid, test [][]float64
	validTops   [][][]string
	testTops    [][][]string
	// probes[u] are user u's stability lists (first variant): one before
	// each probed training event and the validation list last.
	probes [][][]string
	// unranked counts held-out targets the method could not place (an
	// item the user had already interacted with, in event logs with
	// repeats): they count as misses.
	unranked int
}

// replayOptions choose what a replay computes.
type replayOptions struct {
	// validOnly stops after the last validation query (tuning runs).
	validOnly bool
	// progress is called after every step (may be nil).
	progress func(done int)
}

// replay drives m through the timeline.
func replay(ctx context.Context, tl *Timeline, m Method, o replayOptions) (*runResult, error) {
	vs := m.Variants()
	nu := len(tl.Users)
	res := &runResult{variants: vs, probes: make([][][]string, nu)}
	for range vs {
		res.valid = append(res.valid, make([]float64, nu))
		res.test = append(res.test, make([]float64, nu))
		res.validTops = append(res.validTops, make([][]string, nu))
		res.testTops = append(res.testTops, make([][]string, nu))
	}
	last := len(tl.Steps)
	if o.validOnly {
		for i := len(tl.Steps) - 1; i >= 0; i-- {
			if tl.Steps[i].Phase == PhaseValid {
				last = i + 1
				break
			}
		}
	}
	start := 0
	flush := func(end int) error {
		if end > start {
			if err := m.Observe(ctx, tl.Steps[start:end]); err != nil {
				return err
			}
			start = end
		}
		return nil
	}
	for i := 0; i < last; i++ {
		st := &tl.Steps[i]
		if o.progress != nil {
			o.progress(i + 1)
		}
		predict := st.Phase == PhaseValid || (st.Phase == PhaseTest && !o.validOnly)
		if !predict && !(st.Probe && !o.validOnly) {
			continue
		}
		if err := flush(i); err != nil {
			return nil, err
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		u := st.User
		if st.Probe {
			top, err := m.Top(ctx, st.Event.User, st.Event.Time)
			if err != nil {
				return nil, fmt.Errorf("eval: list for user %s: %w", st.Event.User, err)
			}
			res.probes[u] = append(res.probes[u], top)
			continue
		}
		preds, err := m.Predict(ctx, Query{User: st.Event.User, Target: st.Event.Item, Now: st.Event.Time, Phase: st.Phase})
		if err != nil {
			return nil, fmt.Errorf("eval: %s query for user %s: %w", st.Phase, st.Event.User, err)
		}
		if len(preds) != len(vs) {
			return nil, fmt.Errorf("eval: %d predictions for %d variants", len(preds), len(vs))
		}
		for v, p := range preds {
			if p.Rank < 1 {
				p.Rank = math.Inf(1)
				if v == 0 {
					res.unranked++
				}
			}
			if st.Phase == PhaseValid {
				res.valid[v][u], res.validTops[v][u] = p.Rank, p.Top
			} else {
				res.test[v][u], res.testTops[v][u] = p.Rank, p.Top
			}
		}
		if st.Phase == PhaseValid && !o.validOnly && len(preds) > 0 {
			res.probes[u] = append(res.probes[u], preds[0].Top)
		}
	}
	if err := flush(last); err != nil {
		return nil, err
	}
	return res, nil
}
