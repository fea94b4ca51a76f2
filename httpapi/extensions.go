package httpapi

import (
	"github.com/driftrec/driftrec/generate"
)

// extensions configure the routes that serve the web console beyond the
// core API: the generative helpers and the evaluation report.
type extensions struct {
	gen        *generate.Generator
	evalReport string
}

// WithGenerator sets the generative helpers behind the summary, query
// expansion and phrased-reason routes (default: templates only, no model).
func WithGenerator(g *generate.Generator) Option { return func(s *Server) { s.ext.gen = g } }

// WithEvalReport names the evaluation report (a report.json written by
// "driftrec eval") that GET /v1/eval/report serves; its plots are the SVG
// and PNG files in the same folder. The file is read on every request, so
// a new evaluation shows without a restart.
func WithEvalReport(path string) Option { return func(s *Server) { s.ext.evalReport = path } }

// generator returns the configured generator or a template-only one.
func (s *Server) generator() *generate.Generator {
	if s.ext.gen != nil {
		return s.ext.gen
	}
	return generate.New(nil, generate.WithLogger(s.log))
}
