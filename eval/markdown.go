package eval

import (
	"fmt"
	"io"
	"math"
	"strings"
)

// WriteMarkdown writes the human-readable report: the results table with
// intervals, validation, slices, the sweep's choices and plots, the
// protocol's definitions and the timings.
func WriteMarkdown(r *Report, plots []string, w io.Writer) error {
	var b strings.Builder
	d := r.Dataset
	fmt.Fprintf(&b, "# Offline evaluation on %s\n\n", d.Name)
	if r.Command != "" {
		fmt.Fprintf(&b, "Produced by:\n\n```\n%s\n```\n\n", r.Command)
	}
	fmt.Fprintf(&b, "%d users (%d evaluated), %d interactions (%d in training), %d context events (tags), catalogue of %d items (%d with training tags in their text).\n\n",
		d.Users, d.EvaluatedUsers, d.Interactions, d.TrainInteracts, d.ContextEvents, d.Catalogue, d.TaggedItemsText)
	fmt.Fprintf(&b, "Best method by validation NDCG@10: **%s**. Baselines (not driftrec's model) are marked with †.\n\n", r.BestByValidation)

	b.WriteString("## Test results (95% bootstrap intervals over users)\n\n")
	b.WriteString("| method | NDCG@10 | HR@10 | NDCG@20 | HR@20 | MRR | coverage | diversity | novelty | stability |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for _, name := range r.Order {
		m := r.Methods[name]
		ci := m.CI95["test"]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", methodLabel(name, m),
			withCI(m.Test[MetricNDCG10], ci[MetricNDCG10]), withCI(m.Test[MetricHR10], ci[MetricHR10]),
			num(m.Test[MetricNDCG20]), num(m.Test[MetricHR20]), num(m.Test[MetricMRR]),
			num(m.Test[MetricCoverage]), num(m.Test[MetricDiversity]), num2(m.Test[MetricNovelty]), num(m.Test[MetricStability]))
	}
	b.WriteString("\n## Validation results\n\n")
	b.WriteString("| method | NDCG@10 | HR@10 | NDCG@20 | HR@20 | MRR | coverage |\n|---|---|---|---|---|---|---|\n")
	for _, name := range r.Order {
		m := r.Methods[name]
		ci := m.CI95["valid"]
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", methodLabel(name, m),
			withCI(m.Valid[MetricNDCG10], ci[MetricNDCG10]), withCI(m.Valid[MetricHR10], ci[MetricHR10]),
			num(m.Valid[MetricNDCG20]), num(m.Valid[MetricHR20]), num(m.Valid[MetricMRR]), num(m.Valid[MetricCoverage]))
	}

	b.WriteString("\n## Cold-start slices (test)\n\n")
	if len(r.Order) > 0 {
		for _, key := range []string{"cold_items", "short_users"} {
			if s := r.Methods[r.Order[0]].Slices[key]; s != nil {
				fmt.Fprintf(&b, "- **%s**: %s (%d users).\n", key, s.Definition, s.Users)
			}
		}
	}
	b.WriteString("\n| method | cold items NDCG@10 | cold items HR@10 | short users NDCG@10 | short users HR@10 |\n|---|---|---|---|---|\n")
	for _, name := range r.Order {
		m := r.Methods[name]
		c, s := m.Slices["cold_items"], m.Slices["short_users"]
		if c == nil || s == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", methodLabel(name, m),
			withCI(c.Test[MetricNDCG10], c.NDCG10CI), num(c.Test[MetricHR10]),
			withCI(s.Test[MetricNDCG10], s.NDCG10CI), num(s.Test[MetricHR10]))
	}

	b.WriteString("\n## Configurations\n\n")
	for _, name := range r.Order {
		m := r.Methods[name]
		fmt.Fprintf(&b, "- **%s**: %s\n", name, paramsText(m.Params))
	}

	if r.Sweep != nil {
		fmt.Fprintf(&b, "\n## Sweep (objective: %s, %d replays)\n\n", r.Sweep.Objective, r.Sweep.Runs)
		b.WriteString("Coordinate search from the defaults: each parameter in turn over its grid, the others at their best so far; α first, then again at the end, then diversity. Every point is a validation-only replay.\n\n")
		for _, curve := range sortedKeys(r.Sweep.Curves) {
			fmt.Fprintf(&b, "**%s**\n\n| parameter | values (validation NDCG@10) |\n|---|---|\n", curve)
			for _, param := range sortedKeys(r.Sweep.Curves[curve]) {
				var parts []string
				for _, pt := range r.Sweep.Curves[curve][param] {
					parts = append(parts, fmt.Sprintf("%s: %.4f", pt.Value, pt.NDCG10))
				}
				fmt.Fprintf(&b, "| %s | %s |\n", param, strings.Join(parts, ", "))
			}
			b.WriteString("\n")
		}
	}
	if len(plots) > 0 {
		b.WriteString("\n## Plots\n\n")
		for _, p := range plots {
			fmt.Fprintf(&b, "![%s](%s)\n\n", strings.TrimSuffix(p, ".svg"), p)
		}
	}

	pr := r.Protocol
	b.WriteString("## Protocol\n\n")
	for _, kv := range [][2]string{
		{"Split", pr.Split}, {"Candidates", pr.Candidates}, {"Rank", pr.Rank}, {"Replay", pr.Replay},
		{"Sessions", pr.Sessions}, {"Ratings", pr.Ratings}, {"Tags", pr.Tags}, {"Coverage", pr.Coverage},
		{"Diversity", pr.Diversity}, {"Novelty", pr.Novelty}, {"Stability", pr.Stability}, {"Selection", pr.Selection},
		{"Intervals", fmt.Sprintf("95%% percentile bootstrap over users, %d resamples, seed %d; the same resamples for every method", pr.BootstrapResamples, pr.BootstrapSeed)},
	} {
		fmt.Fprintf(&b, "- **%s**: %s\n", kv[0], kv[1])
	}
	t := r.Timing
	fmt.Fprintf(&b, "\n## Timing\n\n%.1f s wall, %.1f s CPU, %d workers, %d replay steps per full replay, %d engine replays.\n\n", t.WallSeconds, t.CPUSeconds, t.Workers, t.ReplaySteps, t.EngineRuns)
	b.WriteString("| stage | seconds |\n|---|---|\n")
	for _, k := range sortedKeys(t.Stages) {
		fmt.Fprintf(&b, "| %s | %.1f |\n", k, t.Stages[k])
	}
	for _, k := range sortedKeys(t.EmbedSeconds) {
		fmt.Fprintf(&b, "| embed catalogue (%s) | %.1f |\n", k, t.EmbedSeconds[k])
	}
	b.WriteString("\n| method | replay wall seconds |\n|---|---|\n")
	for _, name := range r.Order {
		fmt.Fprintf(&b, "| %s | %.1f |\n", name, r.Methods[name].Seconds)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func methodLabel(name string, m *MethodReport) string {
	if m.Baseline {
		return name + " †"
	}
	return name
}

func num(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return fmt.Sprintf("%.4f", x)
}

func num2(x float64) string {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return "–"
	}
	return fmt.Sprintf("%.2f", x)
}

func withCI(x float64, ci Interval) string {
	if math.IsNaN(ci[0]) {
		return num(x)
	}
	return fmt.Sprintf("%s [%s, %s]", num(x), num(ci[0]), num(ci[1]))
}

func paramsText(p map[string]any) string {
	var parts []string
	for _, k := range sortedKeys(p) {
		parts = append(parts, fmt.Sprintf("%s=%v", k, p[k]))
	}
	return strings.Join(parts, ", ")
}
