// Package httpapi is driftrec's JSON-over-HTTP transport: it decodes and
// validates requests, calls the engine, and encodes responses and errors.
// It holds no business logic of its own.
//
// Errors are JSON bodies {"error":{"code","message","field"}} with the
// status derived from the application error code (invalid → 400,
// not_found → 404, too_large → 413, ...). Request bodies are decoded
// strictly: unknown fields, wrong types, trailing data and oversize bodies
// are rejected with the path of the offending field ("[3].ts").
package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/engine"
)

//go:embed openapi.json
var openAPI []byte

// Config configures the server.
type Config struct {
	// MaxBodyBytes bounds request bodies (default 16 MiB).
	MaxBodyBytes int64
	// Version is reported by /healthz.
	Version string
}

// Server routes HTTP requests to an engine.
type Server struct {
	eng     *engine.Engine
	cfg     Config
	log     *slog.Logger
	mux     *http.ServeMux
	reg     *prometheus.Registry
	metrics *metrics
	extra   []func(*http.ServeMux)
	ext     extensions
	access  *Access // keys, CORS, rate limits (access.go)
	privacy privacyState
}

// Option customises New.
type Option func(*Server)

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithRoutes lets other packages (the web console, the embeddings
// endpoint) add routes to the server's mux.
func WithRoutes(fn func(mux *http.ServeMux)) Option {
	return func(s *Server) { s.extra = append(s.extra, fn) }
}

// New returns a server for eng with its own Prometheus registry.
func New(eng *engine.Engine, cfg Config, opts ...Option) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = 16 << 20
	}
	s := &Server{eng: eng, cfg: cfg, log: slog.Default(), mux: http.NewServeMux(), reg: prometheus.NewRegistry()}
	for _, o := range opts {
		o(s)
	}
	s.metrics = newMetrics(s.reg, eng)
	s.routes()
	for _, fn := range s.extra {
		fn(s.mux)
	}
	return s
}

// Registry returns the server's Prometheus registry, for other collectors.
func (s *Server) Registry() *prometheus.Registry { return s.reg }

// Handler returns the root handler with logging, metrics and panic
// recovery around every route.
func (s *Server) Handler() http.Handler { return s.instrument(s.access.wrap(s, s.mux)) }

func (s *Server) routes() {
	s.handle("PUT /v1/items", s.putItems)
	s.handle("DELETE /v1/items", s.deleteItems)
	s.handle("GET /v1/items/{id}", s.getItem)
	s.handle("DELETE /v1/items/{id}", s.deleteItem)
	s.handle("POST /v1/events", s.postEvents)
	s.handle("GET /v1/users", s.getUsers)
	s.handle("GET /v1/users/{user}/recommendations", s.getRecommendations)
	s.handle("GET /v1/users/{user}/profile", s.getProfile)
	s.handle("GET /v1/users/{user}/events", s.getUserEvents)
	s.handle("DELETE /v1/users/{user}", s.deleteUser)
	s.handle("POST /v1/recommend", s.postRecommend)
	s.handle("GET /v1/search", s.getSearch)
	s.handle("POST /v1/embeddings", s.postEmbeddings)
	s.handle("GET /v1/items/{id}/similar", s.getSimilar)
	s.handle("GET /v1/users/{user}/map", s.getUserMap)
	s.handle("GET /v1/users/{user}/summary", s.getUserSummary)
	s.handle("GET /v1/users/{user}/recommendations/phrased", s.getPhrasedRecommendations)
	s.handle("POST /v1/expand", s.postExpand)
	s.handle("GET /v1/eval/report", s.getEvalReport)
	s.handle("GET /v1/eval/files/{name}", s.getEvalFile)
	s.handle("GET /v1/users/{user}/export", s.getUserExport)
	s.handle("GET /v1/stats/popular", s.getStatsPopular)
	s.handle("GET /v1/stats/trending-interests", s.getStatsInterests)
	s.handle("GET /v1/stats/profiles", s.getStatsProfiles)
	s.handle("GET /v1/stats/budget", s.getStatsBudget)
	s.handle("GET /healthz", s.healthz)
	s.handle("GET /readyz", s.readyz)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	s.mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(openAPI)
	})
}

// handlerFunc is a handler that returns an error instead of writing one.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(pattern string, h handlerFunc) {
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "method", r.Method, "route", r.Pattern, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					writeJSON(rec, http.StatusInternalServerError, errorBody(driftrec.EINTERNAL, "internal error", ""))
				}
			}
			route := r.Pattern
			if route == "" {
				route = "unmatched"
			}
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			d := time.Since(start)
			s.metrics.observe(route, status, d)
			// Routes and status only: never user IDs, item IDs or texts.
			s.log.Debug("request", "method", r.Method, "route", route, "status", status, "duration", d)
		}()
		r.Body = http.MaxBytesReader(rec, r.Body, s.cfg.MaxBodyBytes)
		next.ServeHTTP(rec, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "version": s.cfg.Version})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.eng.Ready(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, errorBody(driftrec.EUNAVAILABLE, "store is not answering", ""))
		return nil
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "items": s.eng.Items(), "encoder": s.eng.Encoder().ID()})
	return nil
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

func errorBody(code, msg, field string) map[string]errorDetail {
	return map[string]errorDetail{"error": {Code: code, Message: msg, Field: field}}
}

// statusOf maps application error codes to HTTP status codes.
func statusOf(code string) int {
	switch code {
	case driftrec.EINVALID:
		return http.StatusBadRequest
	case driftrec.ENOTFOUND:
		return http.StatusNotFound
	case driftrec.ECONFLICT:
		return http.StatusConflict
	case driftrec.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case driftrec.EFORBIDDEN:
		return http.StatusForbidden
	case driftrec.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case driftrec.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		err = driftrec.Errorf(driftrec.ETOOLARGE, "request body exceeds %d bytes", mbe.Limit)
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		err = &driftrec.Error{Code: driftrec.EUNAVAILABLE, Message: "request cancelled or timed out", Err: err}
	}
	code := driftrec.ErrorCode(err)
	if code == driftrec.EINTERNAL {
		s.log.Error("request failed", "method", r.Method, "route", r.Pattern, "err", err)
	}
	writeJSON(w, statusOf(code), errorBody(code, driftrec.ErrorMessage(err), driftrec.ErrorField(err)))
}

// queryInt parses an optional integer query parameter.
func queryInt(r *http.Request, name string, def int) (int, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return def, nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, driftrec.FieldErrorf(name, "%s must be an integer, got %q", name, s)
	}
	return v, nil
}

// queryFloat parses an optional float query parameter.
func queryFloat(r *http.Request, name string) (*float64, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, driftrec.FieldErrorf(name, "%s must be a number, got %q", name, s)
	}
	return &v, nil
}

// queryBool parses an optional boolean query parameter.
func queryBool(r *http.Request, name string) (*bool, error) {
	s := r.URL.Query().Get(name)
	if s == "" {
		return nil, nil
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return nil, driftrec.FieldErrorf(name, "%s must be true or false, got %q", name, s)
	}
	return &v, nil
}
