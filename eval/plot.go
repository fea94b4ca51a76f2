package eval

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// palette is a colour-blind-safe set (Okabe–Ito) for the curves.
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{213, 94, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{86, 180, 233, 255},
}

// WritePlots writes the report's SVG plots into dir and returns their file
// names: one per swept parameter (validation NDCG@10 against the value,
// one curve per method and encoder) and one of every method's test
// NDCG@10 with its 95% interval.
func WritePlots(r *Report, dir string) ([]string, error) {
	var files []string
	name := "results-ndcg10.svg"
	if err := writeSVG(filepath.Join(dir, name), func(w io.Writer) error { return resultsPlot(r, w) }); err != nil {
		return nil, err
	}
	files = append(files, name)
	if r.Sweep == nil {
		return files, nil
	}
	byParam := map[string][]string{}
	for _, curve := range sortedKeys(r.Sweep.Curves) {
		for param := range r.Sweep.Curves[curve] {
			byParam[param] = append(byParam[param], curve)
		}
	}
	for _, param := range sortedKeys(byParam) {
		curves := byParam[param]
		sort.Strings(curves)
		name := "sweep-" + param + ".svg"
		err := writeSVG(filepath.Join(dir, name), func(w io.Writer) error {
			return sweepPlot(r, param, curves, w)
		})
		if err != nil {
			return nil, err
		}
		files = append(files, name)
	}
	return files, nil
}

func writeSVG(path string, draw func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("eval: plot: %w", err)
	}
	if err := draw(f); err != nil {
		f.Close()
		return fmt.Errorf("eval: plot %s: %w", filepath.Base(path), err)
	}
	return f.Close()
}

func sweepPlot(r *Report, param string, curves []string, w io.Writer) error {
	p := plot.New()
	p.Title.Text = "Validation NDCG@10 against " + param
	p.X.Label.Text = param
	p.Y.Label.Text = "validation NDCG@10"
	p.Legend.Top = true
	var labels []string
	for i, c := range curves {
		pts := r.Sweep.Curves[c][param]
		xys := make(plotter.XYs, len(pts))
		for k, pt := range pts {
			xys[k] = plotter.XY{X: float64(k), Y: pt.NDCG10}
		}
		if len(pts) > len(labels) {
			labels = labels[:0]
			for _, pt := range pts {
				labels = append(labels, pt.Value)
			}
		}
		line, points, err := plotter.NewLinePoints(xys)
		if err != nil {
			return err
		}
		col := palette[i%len(palette)]
		line.Color, points.Color = col, col
		points.Shape = draw.CircleGlyph{}
		p.Add(line, points)
		p.Legend.Add(c, line, points)
	}
	p.NominalX(labels...)
	// Room for the legend above the curves and for the outer labels.
	p.X.Min, p.X.Max = -0.3, float64(len(labels))-0.7
	p.Y.Min, p.Y.Max = 0, 1.4*p.Y.Max
	p.Add(plotter.NewGrid())
	return save(p, w, 16*vg.Centimeter, 10*vg.Centimeter)
}

func resultsPlot(r *Report, w io.Writer) error {
	p := plot.New()
	p.Title.Text = "Test NDCG@10 with 95% bootstrap intervals"
	p.X.Label.Text = "test NDCG@10"
	// Horizontal bars, first method on top, so long names need no
	// rotation.
	n := len(r.Order)
	vals := make(plotter.Values, n)
	errs := make(plotter.XErrors, n)
	xys := make(plotter.XYs, n)
	names := make([]string, n)
	for i, name := range r.Order {
		k := n - 1 - i
		m := r.Methods[name]
		vals[k] = m.Test[MetricNDCG10]
		names[k] = name
		xys[k] = plotter.XY{X: vals[k], Y: float64(k)}
		ci := m.CI95["test"][MetricNDCG10]
		if !math.IsNaN(ci[0]) {
			errs[k].Low, errs[k].High = vals[k]-ci[0], ci[1]-vals[k]
		}
	}
	bars, err := plotter.NewBarChart(vals, 12)
	if err != nil {
		return err
	}
	bars.Horizontal = true
	bars.Color = palette[0]
	bars.LineStyle.Width = 0
	eb, err := plotter.NewXErrorBars(struct {
		plotter.XYer
		plotter.XErrorer
	}{xys, errs})
	if err != nil {
		return err
	}
	p.Add(plotter.NewGrid(), bars, eb)
	p.NominalY(names...)
	p.X.Min = 0
	for i := range vals {
		p.X.Max = math.Max(p.X.Max, 1.05*(vals[i]+errs[i].High))
	}
	return save(p, w, 18*vg.Centimeter, vg.Length(2+0.8*float64(n))*vg.Centimeter)
}

func save(p *plot.Plot, w io.Writer, width, height vg.Length) error {
	wt, err := p.WriterTo(width, height, "svg")
	if err != nil {
		return err
	}
	_, err = wt.WriteTo(w)
	return err
}
