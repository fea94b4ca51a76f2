package eval

import (
	"encoding/json"
	"math"
)

// Report is the evaluation's result; its JSON form is a contract that
// other tools read: dataset, protocol, methods (each with test, valid,
// ci95 and params) and best_by_validation are always present.
type Report struct {
	Dataset          DatasetInfo              `json:"dataset"`
	Protocol         Protocol                 `json:"protocol"`
	Methods          map[string]*MethodReport `json:"methods"`
	Order            []string                 `json:"method_order"`
	BestByValidation string                   `json:"best_by_validation"`
	Sweep            *SweepReport             `json:"sweep,omitempty"`
	Timing           Timing                   `json:"timing"`
	Command          string                   `json:"command,omitempty"`
	Environment      map[string]string        `json:"environment,omitempty"`
}

// DatasetInfo describes the evaluated data.
type DatasetInfo struct {
	Name            string `json:"name"`
	Path            string `json:"path"`
	Users           int    `json:"users"`
	EvaluatedUsers  int    `json:"evaluated_users"`
	Items           int    `json:"items"`
	Catalogue       int    `json:"catalogue"`
	Interactions    int    `json:"interactions"`
	ContextEvents   int    `json:"context_events"`
	TrainInteracts  int    `json:"train_interactions"`
	TaggedItemsText int    `json:"items_with_train_tags"`
}

// Protocol records every choice that affects the numbers.
type Protocol struct {
	Split              string   `json:"split"`
	Candidates         string   `json:"candidates"`
	Rank               string   `json:"rank"`
	Metrics            []string `json:"metrics"`
	Replay             string   `json:"replay"`
	Sessions           string   `json:"sessions"`
	Ratings            string   `json:"ratings"`
	Tags               string   `json:"tags"`
	Coverage           string   `json:"coverage"`
	Diversity          string   `json:"diversity"`
	Novelty            string   `json:"novelty"`
	Stability          string   `json:"stability"`
	StabilityProbes    int      `json:"stability_probes"`
	ColdItemMaxTrain   int      `json:"cold_item_max_train"`
	ShortUserMaxTrain  int      `json:"short_user_max_train"`
	BootstrapResamples int      `json:"bootstrap_resamples"`
	BootstrapSeed      uint64   `json:"bootstrap_seed"`
	Selection          string   `json:"selection"`
}

// MethodReport is one method's results. Test and Valid hold the accuracy
// metrics and the beyond-accuracy ones (coverage, diversity, novelty,
// stability; computed on the lists of that phase). CI95 holds the
// bootstrap intervals of every metric of both phases.
type MethodReport struct {
	Kind     string                         `json:"kind"`
	Encoder  string                         `json:"encoder,omitempty"`
	Baseline bool                           `json:"baseline"`
	Test     Metrics                        `json:"test"`
	Valid    Metrics                        `json:"valid"`
	CI95     map[string]map[string]Interval `json:"ci95"`
	Params   map[string]any                 `json:"params"`
	Slices   map[string]*SliceReport        `json:"slices"`
	// Unranked counts held-out targets the method could not place.
	Unranked int `json:"unranked,omitempty"`
	// Seconds is the wall time of the method's replay.
	Seconds float64 `json:"seconds"`
}

// Metrics maps metric names to values.
type Metrics map[string]float64

// MarshalJSON writes NaN (a metric that does not apply) as null.
func (m Metrics) MarshalJSON() ([]byte, error) {
	out := make(map[string]*float64, len(m))
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = nil
			continue
		}
		x := v
		out[k] = &x
	}
	return json.Marshal(out)
}

// MarshalJSON writes an interval with NaN ends as null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	if math.IsNaN(iv[0]) || math.IsNaN(iv[1]) {
		return []byte("null"), nil
	}
	return json.Marshal([2]float64(iv))
}

// SliceReport holds the test metrics of a subset of users.
type SliceReport struct {
	Definition string   `json:"definition"`
	Users      int      `json:"users"`
	Test       Metrics  `json:"test"`
	NDCG10CI   Interval `json:"ci95_ndcg10"`
}

// SweepReport holds the validation curves of the tuning runs.
type SweepReport struct {
	Objective string `json:"objective"`
	// Curves[encoder/kind][parameter] is the validation NDCG@10 at each
	// value tried, with the other parameters at their best values so far.
	Curves map[string]map[string][]SweepPoint `json:"curves"`
	Runs   int                                `json:"runs"`
}

// SweepPoint is one value of one parameter.
type SweepPoint struct {
	Value  string  `json:"value"`
	X      float64 `json:"x"`
	NDCG10 float64 `json:"valid_ndcg10"`
	HR10   float64 `json:"valid_hr10"`
}

// Timing reports where the time went.
type Timing struct {
	WallSeconds  float64            `json:"wall_s"`
	CPUSeconds   float64            `json:"cpu_s"`
	Stages       map[string]float64 `json:"stages_s"`
	Workers      int                `json:"workers"`
	ReplaySteps  int                `json:"replay_steps"`
	EngineRuns   int                `json:"engine_replays"`
	EmbedSeconds map[string]float64 `json:"embed_s,omitempty"`
}
