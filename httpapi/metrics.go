package httpapi

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/driftrec/driftrec/engine"
)

// metrics are the server's Prometheus collectors. Labels are routes,
// status codes and event types only: never user or item IDs.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	events   *prometheus.CounterVec
}

func newMetrics(reg *prometheus.Registry, eng *engine.Engine) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftrec_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "driftrec_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "driftrec_events_ingested_total", Help: "Events accepted by type.",
		}, []string{"type"}),
	}
	reg.MustRegister(m.requests, m.duration, m.events,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "driftrec_catalogue_items", Help: "Items in the catalogue.",
		}, func() float64 { return float64(eng.Items()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "driftrec_profiles_unflushed", Help: "Profiles changed since the write-behind flusher last wrote them.",
		}, func() float64 { return float64(eng.UnflushedProfiles()) }),
	)
	return m
}

func (m *metrics) observe(route string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(d.Seconds())
}
